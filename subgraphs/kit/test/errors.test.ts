import { ApolloServer } from '@apollo/server';
import { ConnectionException, DriverException } from '@mikro-orm/core';
import { GraphQLError, GraphQLID, GraphQLNonNull, GraphQLObjectType, GraphQLSchema, GraphQLString, type GraphQLFormattedError } from 'graphql';
import {
  BadInputError,
  ConflictError,
  DomainError,
  NotFoundError,
  RateLimitedError,
  ServiceUnavailableError,
  formatError,
  isDomainError,
} from '../src/errors';

/**
 * formatError is what a client sees of every failure. It runs here inside Apollo
 * Server, as in a subgraph, with stack traces switched on so that only formatError
 * stands between an internal error and the client.
 */
const SQL_FAILURE = 'insert into "user" ("email", "password_hash") values ($1, $2) - duplicate key value violates unique constraint "user_email_unique"';

const schema = new GraphQLSchema({
  query: new GraphQLObjectType({
    name: 'Query',
    fields: {
      conflict: {
        type: GraphQLString,
        resolve: () => {
          throw new ConflictError('An account with this email already exists.', { field: 'email' });
        },
      },
      badInput: {
        type: GraphQLString,
        resolve: () => {
          throw new BadInputError('The name is too long.', 'name');
        },
      },
      rateLimited: {
        type: GraphQLString,
        resolve: () => {
          throw new RateLimitedError(42);
        },
      },
      sql: {
        type: GraphQLString,
        resolve: () => {
          throw new Error(SQL_FAILURE);
        },
      },
      codedInternal: {
        type: GraphQLString,
        resolve: () => {
          throw new GraphQLError(`wrapped: ${SQL_FAILURE}`, { extensions: { code: 'INTERNAL_SERVER_ERROR' } });
        },
      },
      forbiddenGraphQLError: {
        type: GraphQLString,
        resolve: () => {
          throw new GraphQLError('Not yours.', { extensions: { code: 'FORBIDDEN' } });
        },
      },
      user: {
        type: GraphQLString,
        args: { id: { type: new GraphQLNonNull(GraphQLID) } },
        resolve: (_root, { id }: { id: string }) => {
          throw new NotFoundError(`User ${id}`);
        },
      },
    },
  }),
});

function server(exposeInternals = false): ApolloServer {
  return new ApolloServer({
    schema,
    includeStacktraceInErrorResponses: true,
    formatError: (formatted, error) => formatError(formatted, error, { exposeInternals }),
  });
}

let apollo: ApolloServer;
let exposing: ApolloServer;

beforeAll(async () => {
  apollo = server();
  exposing = server(true);
  await apollo.start();
  await exposing.start();
});

afterAll(async () => {
  await apollo.stop();
  await exposing.stop();
});

async function errorsOf(query: string, variables?: Record<string, unknown>, on = apollo): Promise<readonly GraphQLFormattedError[]> {
  const res = await on.executeOperation({ query, variables });
  if (res.body.kind !== 'single') throw new Error('expected a single result');
  const errors = res.body.singleResult.errors;
  if (!errors?.length) throw new Error('expected errors');
  return errors;
}

describe('formatError', () => {
  it('keeps a domain error\'s code, message, details and path', async () => {
    const [conflict] = await errorsOf('{ conflict }');
    expect(conflict).toEqual({
      message: 'An account with this email already exists.',
      locations: [{ line: 1, column: 3 }],
      path: ['conflict'],
      extensions: { code: 'CONFLICT', field: 'email' },
    });

    const [badInput] = await errorsOf('{ badInput }');
    expect(badInput.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'name' });

    const [limited] = await errorsOf('{ rateLimited }');
    expect(limited.message).toBe('Too many requests; try again in 42s.');
    expect(limited.extensions).toEqual({ code: 'RATE_LIMITED', retryAfterSeconds: 42 });

    const [notFound] = await errorsOf('query($id: ID!) { user(id: $id) }', { id: 'u1' });
    expect(notFound.message).toBe('User u1 was not found.');
    expect(notFound.extensions).toEqual({ code: 'NOT_FOUND' });
  });

  it('does not let details replace the error code', () => {
    const error = new GraphQLError('wrapped', { originalError: new ConflictError('Taken.', { code: 'EMAIL_TAKEN', field: 'email' }) });
    const out = formatError({ message: 'wrapped' }, error);
    expect(out.extensions).toEqual({ code: 'CONFLICT', field: 'email' });
  });

  it('hides an internal error: a generic message, INTERNAL_SERVER_ERROR, nothing of the SQL or the stack', async () => {
    for (const field of ['sql', 'codedInternal']) {
      const [err] = await errorsOf(`{ ${field} }`);
      expect(err.message).toBe('Internal server error.');
      expect(err.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR' });
      expect(err.path).toEqual([field]);
      const text = JSON.stringify(err);
      expect(text).not.toMatch(/insert into|duplicate key|user_email_unique|stacktrace|\.ts:\d+/);
    }
  });

  it('shows internal messages only when asked to (development)', async () => {
    const [err] = await errorsOf('{ sql }', undefined, exposing);
    expect(err.message).toBe(SQL_FAILURE);
  });

  it('keeps a GraphQLError carrying a contract code, without its stack trace', async () => {
    const [err] = await errorsOf('{ forbiddenGraphQLError }');
    expect(err.message).toBe('Not yours.');
    expect(err.extensions).toEqual({ code: 'FORBIDDEN' });
  });

  it('answers GraphQL validation and parse failures with Apollo\'s codes and a bad variable with BAD_USER_INPUT, keeping their message', async () => {
    const [unknownField] = await errorsOf('{ nope }');
    expect(unknownField.message).toMatch(/Cannot query field "nope" on type "Query"/);
    expect(unknownField.extensions).toEqual({ code: 'GRAPHQL_VALIDATION_FAILED' });

    const [parse] = await errorsOf('{ conflict ');
    expect(parse.message).toMatch(/Syntax Error/);
    expect(parse.extensions).toEqual({ code: 'GRAPHQL_PARSE_FAILED' });

    const [variable] = await errorsOf('query($id: ID!) { user(id: $id) }', {});
    expect(variable.message).toMatch(/\$id/);
    expect(variable.extensions).toEqual({ code: 'BAD_USER_INPUT' });
  });

  it('keeps the safelist\'s refusal (PERSISTED_QUERY_NOT_ALLOWED, decision 0028) with its message, without its HTTP status', () => {
    const out = formatError(
      { message: 'Not among the apps\' operations.', extensions: { code: 'PERSISTED_QUERY_NOT_ALLOWED', http: { status: 403 }, stacktrace: ['at secret.ts:1'] } },
      new GraphQLError('Not among the apps\' operations.'),
    );
    expect(out).toEqual({ message: 'Not among the apps\' operations.', extensions: { code: 'PERSISTED_QUERY_NOT_ALLOWED' } });
  });

  it('keeps Apollo\'s request codes and makes the other request-level codes BAD_USER_INPUT, without internals', () => {
    const expected: Record<string, string> = {
      GRAPHQL_VALIDATION_FAILED: 'GRAPHQL_VALIDATION_FAILED',
      GRAPHQL_PARSE_FAILED: 'GRAPHQL_PARSE_FAILED',
      PERSISTED_QUERY_NOT_FOUND: 'PERSISTED_QUERY_NOT_FOUND',
      PERSISTED_QUERY_NOT_SUPPORTED: 'PERSISTED_QUERY_NOT_SUPPORTED',
      BAD_REQUEST: 'BAD_USER_INPUT',
      OPERATION_RESOLUTION_FAILURE: 'BAD_USER_INPUT',
    };
    for (const [code, answered] of Object.entries(expected)) {
      const out = formatError({ message: 'bad', extensions: { code, stacktrace: ['at secret.ts:1'] } }, new GraphQLError('bad'));
      expect(out).toEqual({ message: 'bad', locations: undefined, extensions: { code: answered } });
    }
  });

  it('recognises a domain error through GraphQL wrappers', () => {
    const inner = new DomainError('FORBIDDEN', 'No.');
    const wrapped = new GraphQLError('outer', { originalError: new GraphQLError('middle', { originalError: inner }) });
    expect(isDomainError(wrapped)).toBe(true);
    expect(isDomainError(new GraphQLError('plain', { originalError: new Error('x') }))).toBe(false);
    expect(formatError({ message: 'outer' }, wrapped).extensions).toEqual({ code: 'FORBIDDEN' });
  });
});

describe('the database unavailable', () => {
  const asClientSees = (e: Error) => formatError({ message: e.message, path: ['venues'] }, new GraphQLError(e.message, { originalError: e }));

  it('turns a pool that gave no connection in time into SERVICE_UNAVAILABLE, with when to retry', () => {
    // What knex throws when the pool's acquire timeout passes, as MikroORM wraps it.
    const timeout = Object.assign(new Error('Knex: Timeout acquiring a connection. The pool is probably full. Are you missing a .transacting(trx) call?'), {
      name: 'KnexTimeoutError',
    });
    for (const e of [timeout, new DriverException(timeout)]) {
      const out = asClientSees(e);
      expect(out.extensions).toEqual({ code: 'SERVICE_UNAVAILABLE', retryAfterSeconds: expect.any(Number) });
      expect(out.message).toMatch(/retry in \d+s/);
      expect(out.message).not.toMatch(/knex|pool|transacting/i);
    }
  });

  it('turns a refused or dropped database connection into SERVICE_UNAVAILABLE', () => {
    const refused = new ConnectionException(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }));
    const dropped = new DriverException(new Error('Connection terminated unexpectedly'));
    const shutdown = new DriverException(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }));
    // pg's own error, unwrapped, when the server has no connection slot left.
    const full = Object.assign(new Error('sorry, too many clients already'), { name: 'error', severity: 'FATAL', code: '53300' });
    for (const e of [refused, dropped, shutdown, full]) {
      expect(asClientSees(e).extensions?.code).toBe('SERVICE_UNAVAILABLE');
      expect(JSON.stringify(asClientSees(e))).not.toMatch(/127\.0\.0\.1|5432|ECONNREFUSED|administrator|clients/);
    }
    expect(new ServiceUnavailableError(7).message).toBe('The service is busy or briefly unavailable; retry in 7s.');
  });

  it('turns a statement past the query timeout, or a server that stopped answering, into SERVICE_UNAVAILABLE', () => {
    // As knex words them (the statement first) and MikroORM wraps them (db.ts sets both timeouts).
    const unanswered = new DriverException(new Error('select "v0".* from "events"."venue" as "v0" - Query read timeout'));
    const cancelled = new DriverException(Object.assign(new Error('select pg_sleep(10) - canceling statement due to statement timeout'), { code: '57014' }));
    for (const e of [unanswered, cancelled]) {
      const out = asClientSees(e);
      expect(out.extensions).toEqual({ code: 'SERVICE_UNAVAILABLE', retryAfterSeconds: expect.any(Number) });
      expect(out.message).not.toMatch(/select|venue|timeout|statement/i);
    }
  });

  it('leaves other failures internal: a refused connection that is not the database\'s, an SQL error', () => {
    const elsewhere = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4001'), { code: 'ECONNREFUSED' });
    const sql = new DriverException(Object.assign(new Error('syntax error at or near "selec"'), { code: '42601' }));
    for (const e of [elsewhere, sql]) expect(asClientSees(e).extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR' });
  });
});
