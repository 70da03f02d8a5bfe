import { DriverException } from '@mikro-orm/core';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';

/** The error codes of the public contract (DESIGN.md). */
export type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'RATE_LIMITED'
  | 'SERVICE_UNAVAILABLE'
  | 'PERSISTED_QUERY_NOT_ALLOWED'
  | 'INTERNAL_SERVER_ERROR';

const CODES = new Set<string>([
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'CONFLICT',
  'RATE_LIMITED',
  'SERVICE_UNAVAILABLE',
  // The gateway's operation safelist refused an operation no first-party client sends (decision 0028).
  'PERSISTED_QUERY_NOT_ALLOWED',
  'INTERNAL_SERVER_ERROR',
]);

/** A failure the caller can act on. Its message is safe to show. */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class UnauthenticatedError extends DomainError {
  constructor(message = 'You must be signed in.') {
    super('UNAUTHENTICATED', message);
  }
}

export class ForbiddenError extends DomainError {
  constructor(message = 'You are not allowed to do that.') {
    super('FORBIDDEN', message);
  }
}

export class BadInputError extends DomainError {
  constructor(message: string, field?: string) {
    super('BAD_USER_INPUT', message, field ? { field } : {});
  }
}

export class NotFoundError extends DomainError {
  constructor(what: string) {
    super('NOT_FOUND', `${what} was not found.`);
  }
}

export class ConflictError extends DomainError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('CONFLICT', message, details);
  }
}

export class RateLimitedError extends DomainError {
  constructor(retryAfterSeconds: number) {
    super('RATE_LIMITED', `Too many requests; try again in ${retryAfterSeconds}s.`, {
      retryAfterSeconds,
    });
  }
}

/** A dependency (the database) cannot serve right now; the same request may succeed on a retry. */
export class ServiceUnavailableError extends DomainError {
  constructor(retryAfterSeconds = 2) {
    super('SERVICE_UNAVAILABLE', `The service is busy or briefly unavailable; retry in ${retryAfterSeconds}s.`, { retryAfterSeconds });
  }
}

/** Network and server codes that say the database could not be reached or let us in right now. */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  '53300', // too_many_connections
  '57014', // query_canceled: the statement ran past DATABASE_QUERY_TIMEOUT_MS (db.ts)
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '08000', // connection_exception
  '08001', // sqlclient_unable_to_establish_sqlconnection
  '08003', // connection_does_not_exist
  '08006', // connection_failure
]);
// "Query read timeout": the driver gave up waiting for the server's answer (db.ts's query_timeout).
// Knex puts the statement before the driver's message ("select ... - Query read timeout"),
// and MikroORM keeps only that text, so the message may come after " - ".
const UNAVAILABLE_MESSAGES = /(^| - )(Knex: Timeout acquiring a connection|Connection terminated|Client has encountered a connection error|Query read timeout)/;

/**
 * Whether an error means the database could not give a connection in time (the pool's
 * acquire timeout, knex's KnexTimeoutError, which MikroORM wraps in a DriverException)
 * or could not be reached: conditions a retry may cure, unlike a bug. Only the
 * database driver's errors count (a subgraph the gateway cannot reach is another matter).
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  let current = error;
  for (let i = 0; i < 5 && current instanceof Error; i++) {
    const { code, name, message } = current as Error & { code?: unknown };
    if (name === 'KnexTimeoutError') return true;
    // MikroORM's wrapper, or pg's own error for what the server said (it has a severity).
    const fromDriver = current instanceof DriverException || typeof (current as { severity?: unknown }).severity === 'string';
    if (fromDriver && UNAVAILABLE_MESSAGES.test(message)) return true;
    if (fromDriver && typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return true;
    current = current instanceof GraphQLError && current.originalError ? current.originalError : (current as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * The one place where errors become what a client sees. Domain errors keep their
 * message and code; validation errors from GraphQL itself keep theirs; anything
 * else is an internal error whose details stay in the log.
 */
export function formatError(
  formatted: GraphQLFormattedError,
  error: unknown,
  options: { exposeInternals?: boolean } = {},
): GraphQLFormattedError {
  let original = unwrap(error);
  if (!(original instanceof DomainError) && isDatabaseUnavailable(original)) original = new ServiceUnavailableError();
  if (original instanceof DomainError) {
    return {
      message: original.message,
      locations: formatted.locations,
      path: formatted.path,
      extensions: { ...original.details, code: original.code },
    };
  }
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && CODES.has(code) && code !== 'INTERNAL_SERVER_ERROR') {
    const { stacktrace: _s, exception: _e, http: _h, ...rest } = formatted.extensions ?? {};
    return { ...formatted, message: withoutEchoedInput(formatted.message), extensions: rest };
  }
  if (isGraphQLValidation(code)) {
    return {
      message: withoutEchoedInput(formatted.message),
      locations: formatted.locations,
      // Apollo's own codes for what they mean (its clients and tools act on them: a
      // persisted-query link resends the query on PERSISTED_QUERY_NOT_FOUND); the rest
      // of what the request got wrong is BAD_USER_INPUT.
      extensions: { code: APOLLO_REQUEST_CODES.has(code as string) ? (code as string) : 'BAD_USER_INPUT' },
    };
  }
  if (options.exposeInternals) return formatted;
  return {
    message: 'Internal server error.',
    path: formatted.path,
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  };
}

/** Longest error message sent back; GraphQL's own messages can quote the caller's input whole. */
const MAX_MESSAGE_LENGTH = 300;

/**
 * GraphQL's coercion errors quote the value that failed ("Variable "$i" got invalid
 * value { email: ..., password: ... }; ..."): a password, or 200 KB, sent straight
 * back. The value is dropped; the reason stays, shortened.
 */
export function withoutEchoedInput(message: string): string {
  const m = /^(Variable "\$[^"]{1,100}") got invalid value [\s\S]*?(?: at "([^"]{1,200})")?; ([A-Z][\s\S]*)$/.exec(message);
  const cleaned = m
    ? `${m[1]} got an invalid value${m[2] ? ` at "${m[2]}"` : ''}; ${m[3]}`
    : / got invalid value /.test(message)
      ? message.replace(/ got invalid value [\s\S]*$/, ' got an invalid value.')
      : message;
  return cleaned.length > MAX_MESSAGE_LENGTH ? `${cleaned.slice(0, MAX_MESSAGE_LENGTH - 3)}...` : cleaned;
}

/** The request-level codes of Apollo Server that FrontRow passes on unchanged (DESIGN: errors). */
const APOLLO_REQUEST_CODES = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'PERSISTED_QUERY_NOT_FOUND', 'PERSISTED_QUERY_NOT_SUPPORTED']);

function isGraphQLValidation(code: unknown): boolean {
  return (
    code === 'GRAPHQL_VALIDATION_FAILED' ||
    code === 'GRAPHQL_PARSE_FAILED' ||
    code === 'BAD_REQUEST' ||
    code === 'PERSISTED_QUERY_NOT_FOUND' ||
    code === 'PERSISTED_QUERY_NOT_SUPPORTED' ||
    code === 'OPERATION_RESOLUTION_FAILURE'
  );
}

function unwrap(error: unknown): unknown {
  let current = error;
  for (let i = 0; i < 5; i++) {
    if (current instanceof DomainError) return current;
    if (current instanceof GraphQLError && current.originalError) {
      current = current.originalError;
      continue;
    }
    break;
  }
  return current;
}

export function isDomainError(error: unknown): error is DomainError {
  return unwrap(error) instanceof DomainError;
}
