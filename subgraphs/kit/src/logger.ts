import pino, { type Logger } from 'pino';

export type { Logger };

/** JSON logs, one logger per service; request loggers are children with a request id. */
export function createLogger(service: string): Logger {
  return pino({
    level: process.env.LOG_LEVEL ?? 'info',
    base: { service },
    redact: { paths: ['req.headers.authorization', 'req.headers["x-api-key"]', 'password', 'secret'], remove: true },
  });
}
