import pino, { type Logger } from 'pino';
import { traceFields } from './tracing';

export type { Logger };

/** JSON logs, one logger per service; request loggers are children with a request id. */
export function createLogger(service: string, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level: process.env.LOG_LEVEL ?? 'info',
    base: { service },
    // A line written while a span is active names its trace (and span).
    mixin: traceFields,
    redact: { paths: ['req.headers.authorization', 'req.headers["x-api-key"]', 'password', 'secret'], remove: true },
  };
  return destination ? pino(options, destination) : pino(options);
}

/** Apollo Server's and Apollo Gateway's logger interface, written as JSON lines through pino. */
export function apolloLogger(logger: Logger): { debug(m: unknown): void; info(m: unknown): void; warn(m: unknown): void; error(m: unknown): void } {
  const line = (level: 'debug' | 'info' | 'warn' | 'error') => (m: unknown) => {
    if (m instanceof Error) logger[level]({ err: m }, m.message);
    else logger[level](String(m));
  };
  return { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') };
}

/**
 * A process's last words as one JSON line, not a raw stack among them: an uncaught
 * exception or an unhandled rejection is logged with its error serialized, then the
 * process ends as Node would have ended it.
 */
export function logProcessFailures(logger: Logger): void {
  process.on('uncaughtException', (err) => {
    logger.fatal({ err }, 'uncaught exception');
    process.exit(1);
  });
  process.on('unhandledRejection', (err) => {
    logger.fatal({ err }, 'unhandled promise rejection');
    process.exit(1);
  });
}
