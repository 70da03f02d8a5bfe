import fc from 'fast-check';
import {
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLSchema,
} from 'graphql';
import { operation, type Operation } from './operations';

/**
 * fast-check arbitraries for the arguments of every query and mutation, built from each
 * argument's GraphQL input type: valid values mixed with hostile ones (unicode, NUL,
 * lone surrogates, long text; numbers at and past their limits; values of the wrong
 * type; invalid enum values), nested input objects with fields missing, null or extra.
 * The hostile-input corpus (hostile-corpus.ts) changes one leaf at a time; these change
 * any number at once, in combinations nobody listed.
 */

/** A field or argument left out of the request altogether. */
const MISSING = Symbol('missing');

/**
 * Text sent as raw JSON instead of a string: numbers JSON.stringify cannot write
 * (1e400 parses to Infinity) and tokens that make the body invalid JSON (NaN).
 */
const RAW = '\u0000raw-json:';
export const raw = (json: string) => `${RAW}${json}`;

/** The request body, with the raw-JSON markers replaced by their text. */
export function requestBody(document: string, variables: Record<string, unknown>): string {
  const marker = JSON.stringify(RAW).slice(1, -1);
  return JSON.stringify({ query: document, variables }).replace(new RegExp(`"${marker.replace(/\\/g, '\\\\')}([^"]*)"`, 'g'), '$1');
}

const text = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  // Any code point, NUL and the control characters included.
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  {
    weight: 2,
    arbitrary: fc.string({ unit: fc.constantFrom('\u0000', '\u202e', '\ud800', '\udfff', '\ufeff', '\u0645', '\u05e9', 'é', '😀', "'", '"', '\\', '%', '<', ' ', '\n'), maxLength: 30 }),
  },
  { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 25_000 }).map((n) => 'x'.repeat(n)) },
  { weight: 1, arbitrary: fc.constantFrom('', '   ', "'; drop table users; --", '../../etc/passwd', '${jndi:ldap://x/a}', '{{7*7}}', '<script>alert(1)</script>') },
);

const int = fc.oneof(
  { weight: 12, arbitrary: fc.integer() },
  { weight: 8, arbitrary: fc.constantFrom(0, -1, 1, 2147483647, -2147483648) },
  { weight: 1, arbitrary: fc.constantFrom(2147483648, -2147483649, 2 ** 53, -(2 ** 53), 1e21) },
  { weight: 1, arbitrary: fc.double({ noInteger: true }) },
  { weight: 1, arbitrary: fc.constantFrom('1', raw('1e400'), raw('-0'), 'NaN', true, null) },
);

const float = fc.oneof(
  // NaN and the infinities are written as null by JSON.stringify.
  { weight: 12, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.constantFrom(0, -0, 5e-324, 1e308, -1e308, raw('1e400'), raw('-1e400'), raw('NaN'), 'NaN', 'Infinity', '1') },
);

const id = fc.oneof({ weight: 6, arbitrary: fc.uuid() }, { weight: 2, arbitrary: text }, { weight: 1, arbitrary: fc.integer() });

const dateTime = fc.oneof(
  { weight: 8, arbitrary: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()) },
  { weight: 1, arbitrary: fc.constantFrom('2026-02-30T00:00:00Z', '+275760-09-13T00:00:00Z', 'yesterday', '1e20', 0, 1e20) },
  { weight: 1, arbitrary: text },
);

const boolean = fc.oneof({ weight: 12, arbitrary: fc.boolean() }, { weight: 1, arbitrary: fc.constantFrom('true', 0, 1, 'yes') });

const json = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.integer({ min: 50, max: 200 }).map((n) => JSON.parse('{"a":'.repeat(n) + '1' + '}'.repeat(n)) as unknown) },
);

function scalar(name: string): fc.Arbitrary<unknown> {
  switch (name) {
    case 'Int':
      return int;
    case 'Float':
      return float;
    case 'ID':
      return id;
    case 'Boolean':
      return boolean;
    case 'DateTime':
      return dateTime;
    case 'JSON':
      return json;
    default:
      return text;
  }
}

/** A value, null, or nothing at all, for a field or argument of the type. */
export function slot(type: GraphQLInputType, depth = 0): fc.Arbitrary<unknown> {
  const required = isNonNullType(type);
  return fc.oneof(
    { weight: required ? 40 : 8, arbitrary: value(type, depth) },
    { weight: 1, arbitrary: fc.constant(null) },
    { weight: required ? 1 : 3, arbitrary: fc.constant(MISSING) },
  );
}

/** A value of the type, valid or not. */
export function value(type: GraphQLInputType, depth = 0): fc.Arbitrary<unknown> {
  if (isNonNullType(type)) return value(type.ofType, depth);
  if (isListType(type)) {
    const item = value(type.ofType, depth);
    // A single value where a list is expected is coerced to a list of one.
    return fc.oneof({ weight: 8, arbitrary: fc.array(item, { maxLength: 4 }) }, { weight: 1, arbitrary: item });
  }
  if (isEnumType(type)) {
    return fc.oneof({ weight: 20, arbitrary: fc.constantFrom(...type.getValues().map((v) => v.name)) }, { weight: 1, arbitrary: text }, { weight: 1, arbitrary: fc.integer() });
  }
  if (isInputObjectType(type)) {
    if (depth >= 3) return fc.constant({});
    const fields = Object.values(type.getFields());
    return fc
      .tuple(
        fc.tuple(...fields.map((f) => slot(f.type, depth + 1))),
        fc.option(fc.tuple(fc.constantFrom('notAField', '__proto__', 'constructor', 'id'), text), { freq: 30 }),
      )
      .map(([values, extra]) => {
        const out: Record<string, unknown> = {};
        fields.forEach((f, i) => {
          if (values[i] !== MISSING) out[f.name] = values[i];
        });
        if (extra && !(extra[0] in out)) Object.defineProperty(out, extra[0], { value: extra[1], enumerable: true, writable: true, configurable: true });
        return out;
      });
  }
  if (isScalarType(type)) return scalar(type.name);
  return text;
}

/** The arguments of a field drawn from their types, each possibly null or missing. */
export function argumentsOf(field: GraphQLField<unknown, unknown>): fc.Arbitrary<Record<string, unknown>> {
  return fc.tuple(...field.args.map((a) => slot(a.type))).map((values) => {
    const out: Record<string, unknown> = {};
    field.args.forEach((a, i) => {
      if (values[i] !== MISSING) out[a.name] = values[i];
    });
    return out;
  });
}

export interface FuzzCase {
  operation: Operation;
  caller: 'admin' | 'fan';
  /** Through the gateway, or straight at the subgraph that owns the operation, signed as the gateway signs. */
  target: 'gateway' | 'subgraph';
}

/** One query or mutation with arguments, its variables drawn from their types, who sends it and where. */
export function fuzzCases(schema: GraphQLSchema): fc.Arbitrary<FuzzCase> {
  const perOperation: Array<fc.Arbitrary<FuzzCase>> = [];
  for (const [kind, root] of [
    ['query', schema.getQueryType()],
    ['mutation', schema.getMutationType()],
  ] as const) {
    for (const field of Object.values(root?.getFields() ?? {}) as Array<GraphQLField<unknown, unknown>>) {
      if (!field.args.length) continue;
      // Every argument declared, so that a missing one reaches the server as missing.
      const base = operation(kind, field, field.args.map((a) => a.name));
      perOperation.push(
        fc.record({
          variables: argumentsOf(field),
          caller: fc.constantFrom('admin' as const, 'fan' as const),
          target: fc.constantFrom('gateway' as const, 'subgraph' as const),
        }).map(({ variables, caller, target }) => ({ operation: { ...base, variables }, caller, target })),
      );
    }
  }
  return fc.oneof(...perOperation);
}
