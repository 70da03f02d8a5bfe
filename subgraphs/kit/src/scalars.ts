import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import { DateTimeResolver } from 'graphql-scalars';

/** The instants an input may name: years 1900 to 9999, what every store and client can hold. */
export const EARLIEST_DATE = new Date('1900-01-01T00:00:00.000Z');
export const LATEST_DATE = new Date('9999-12-31T23:59:59.999Z');

function refused(e: unknown): never {
  if (e instanceof GraphQLError && e.extensions.code === 'BAD_USER_INPUT') throw e;
  throw new GraphQLError(e instanceof Error ? e.message : 'Not a DateTime.', { extensions: { code: 'BAD_USER_INPUT' } });
}

function inRange(value: Date): Date {
  const t = value.getTime();
  if (Number.isNaN(t) || t < EARLIEST_DATE.getTime() || t > LATEST_DATE.getTime()) {
    throw new GraphQLError('A DateTime must be an ISO-8601 instant between the years 1900 and 9999.', {
      extensions: { code: 'BAD_USER_INPUT' },
    });
  }
  return value;
}

/**
 * The contract's `DateTime` (ISO-8601, UTC): graphql-scalars' parsing, and inputs
 * outside years 1900–9999 refused as BAD_USER_INPUT before any resolver sees them
 * (PostgreSQL and JavaScript disagree about year 275760).
 */
export const DateTimeScalar = new GraphQLScalarType<Date | null, unknown>({
  name: DateTimeResolver.name,
  description: DateTimeResolver.description,
  specifiedByURL: DateTimeResolver.specifiedByURL,
  serialize: (value) => DateTimeResolver.serialize(value),
  parseValue(value) {
    if (typeof value === 'string' && value.length > 64) {
      throw new GraphQLError('A DateTime is at most 64 characters.', { extensions: { code: 'BAD_USER_INPUT' } });
    }
    try {
      return inRange(DateTimeResolver.parseValue(value) as Date);
    } catch (e) {
      return refused(e);
    }
  },
  parseLiteral(ast, variables) {
    if (ast.kind === Kind.STRING && ast.value.length > 64) {
      throw new GraphQLError('A DateTime is at most 64 characters.', { extensions: { code: 'BAD_USER_INPUT' } });
    }
    try {
      return inRange(DateTimeResolver.parseLiteral(ast, variables) as Date);
    } catch (e) {
      return refused(e);
    }
  },
  extensions: DateTimeResolver.extensions,
});

/** Every subgraph maps `Date` to the contract's `DateTime` (ISO-8601, UTC). */
export const SCALARS_MAP = [{ type: Date, scalar: DateTimeScalar }];
export { DateTimeResolver };
