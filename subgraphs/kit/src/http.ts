import type { ErrorRequestHandler, Express, RequestHandler } from 'express';
import type { Logger } from './logger';

/** A GraphQL-shaped JSON error body, for answers that never reached GraphQL. */
export function errorBody(code: string, message: string, extra: Record<string, unknown> = {}): { errors: unknown[] } {
  return { errors: [{ message, extensions: { code, ...extra } }] };
}

/**
 * The HTTP status of a refusal by its code, for answers outside GraphQL's (the beacon
 * route and what it forwards to); undefined for a code that is no refusal of the caller's.
 */
export function httpStatusOf(code: string): number | undefined {
  return REFUSAL_STATUS[code];
}

const REFUSAL_STATUS: Record<string, number> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  PERSISTED_QUERY_NOT_ALLOWED: 403,
  BAD_USER_INPUT: 400,
  RATE_LIMITED: 429,
  SERVICE_UNAVAILABLE: 503,
};

interface HttpishError {
  type?: string;
  status?: number;
  statusCode?: number;
  limit?: number;
}

/**
 * The last handlers of every service's Express app: an unknown route is a JSON
 * NOT_FOUND, a body that is not JSON or too large is a JSON BAD_USER_INPUT, and any
 * other failure a JSON INTERNAL_SERVER_ERROR whose details go to the log only. Express's
 * own handler would answer an HTML page with the stack trace and the files' paths.
 */
export function jsonErrorHandlers(app: Express, logger: Logger): void {
  const notFound: RequestHandler = (req, res) => {
    res.status(404).json(errorBody('NOT_FOUND', `Nothing is served at ${req.method} ${req.path.slice(0, 100)}.`));
  };
  const failed: ErrorRequestHandler = (err: HttpishError, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const status = err.status ?? err.statusCode ?? 500;
    switch (err.type) {
      case 'entity.parse.failed':
        res.status(400).json(errorBody('BAD_USER_INPUT', 'The request body is not valid JSON (a JSON object is expected).'));
        return;
      case 'entity.too.large':
        res.status(413).json(errorBody('BAD_USER_INPUT', `The request body is larger than ${err.limit ?? 'the limit of'} bytes.`));
        return;
      case 'encoding.unsupported':
      case 'charset.unsupported':
        res.status(415).json(errorBody('BAD_USER_INPUT', 'The request body must be UTF-8 JSON.'));
        return;
      case 'request.aborted':
      case 'request.size.invalid':
      case 'stream.encoding.set':
        res.status(400).json(errorBody('BAD_USER_INPUT', 'The request body could not be read.'));
        return;
      default:
        break;
    }
    if (status >= 400 && status < 500) {
      res.status(status).json(errorBody('BAD_USER_INPUT', 'The request could not be read.'));
      return;
    }
    logger.error({ err, method: req.method, path: req.path }, 'request failed');
    res.status(500).json(errorBody('INTERNAL_SERVER_ERROR', 'Internal server error.'));
  };
  app.use(notFound);
  app.use(failed);
}
