import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLSchema,
} from 'graphql';
import { operation, sample, type Operation } from './operations';

/**
 * The hostile-input corpus: every leaf of every argument of every query and mutation
 * (nested input fields included, optional ones too), given each hostile value of its
 * type, the rest of the call kept valid. Generated from the supergraph, so a new
 * operation or input field is covered the day it appears; the same seedless list on
 * every run.
 */

/** Values that broke, or could break, a service somewhere: by the GraphQL type they are sent as. */
const HOSTILE: Record<string, unknown[]> = {
  String: [
    '',
    'x'.repeat(20_000),
    'nul\u0000inside',
    '\u202Eright-to-left override\u202C',
    '\u0645\u0631\u062d\u0628\u0627 \u05e9\u05dc\u05d5\u05dd',
    '😀👍🏽👨‍👩‍👧‍👦'.repeat(200),
    "'; drop table users; --",
    '<script>alert(1)</script>',
    '\ud800 lone surrogate',
    '   ',
  ],
  ID: ['', 'not-an-id', '00000000-0000-0000-0000-000000000000', 'x'.repeat(10_000), '../../etc/passwd', "1' or '1'='1", 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', 'nul\u0000'],
  Int: [0, -1, 2147483647, -2147483648, 2147483648, 1.5, '1'],
  Float: [0, -1, -0, 1e308, -1e308, 5e-324, '1'],
  DateTime: ['0001-01-01T00:00:00Z', '9999-12-31T23:59:59Z', '+275760-09-13T00:00:00Z', '2026-02-30T00:00:00Z', 'yesterday', '', 1e20, 'x'.repeat(1000)],
  Boolean: ['true', 0],
  JSON: [{ a: { b: { c: { d: {} } } } }, 'x'.repeat(20_000), []],
};

const ENUM_HOSTILE = ['NOT_A_VALUE', '', 'x'.repeat(1000), 0];

function hostileFor(type: GraphQLNamedType): unknown[] {
  if (isEnumType(type)) return ENUM_HOSTILE;
  return HOSTILE[type.name] ?? HOSTILE.String;
}

/** Every value of the type filled in, optional fields included (to three levels of input objects). */
function sampleAll(type: GraphQLInputType, depth = 0): unknown {
  if (isNonNullType(type)) return sampleAll(type.ofType, depth);
  if (isListType(type)) return [sampleAll(type.ofType, depth)];
  if (isInputObjectType(type) && depth < 3) {
    return Object.fromEntries(Object.values(type.getFields()).map((f) => [f.name, sampleAll(f.type, depth + 1)]));
  }
  return sample(type);
}

type Path = Array<string | number>;

/** The leaves under a type: their paths, and their named types. */
function leaves(type: GraphQLInputType, path: Path, depth = 0): Array<{ path: Path; type: GraphQLNamedType }> {
  if (isNonNullType(type)) return leaves(type.ofType, path, depth);
  if (isListType(type)) return leaves(type.ofType, [...path, 0], depth);
  if (isInputObjectType(type)) {
    if (depth >= 3) return [];
    return Object.values(type.getFields()).flatMap((f) => leaves(f.type, [...path, f.name], depth + 1));
  }
  return [{ path, type: getNamedType(type) }];
}

function setAt(target: Record<string, unknown>, path: Path, value: unknown): void {
  let at: Record<string | number, unknown> = target;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string | number, unknown>;
  at[path[path.length - 1]] = value;
}

export interface HostileCase {
  /** e.g. `Mutation.createVenue input.name = "x"×20000`. */
  name: string;
  operation: Operation;
}

function describeValue(v: unknown): string {
  if (typeof v === 'string') return v.length > 40 ? `"${v.slice(0, 8)}…" (${v.length} chars)` : JSON.stringify(v);
  return JSON.stringify(v) ?? String(v);
}

export function hostileCases(schema: GraphQLSchema): HostileCase[] {
  const cases: HostileCase[] = [];
  for (const [kind, root] of [
    ['query', schema.getQueryType()],
    ['mutation', schema.getMutationType()],
  ] as const) {
    for (const field of Object.values(root?.getFields() ?? {})) {
      for (const arg of field.args) {
        const base = operation(kind, field, [arg.name]);
        for (const leaf of leaves(arg.type, [arg.name])) {
          for (const value of hostileFor(leaf.type)) {
            const variables = { ...base.variables, [arg.name]: sampleAll(arg.type) } as Record<string, unknown>;
            setAt(variables, leaf.path, value);
            cases.push({ name: `${base.name} ${leaf.path.join('.')} = ${describeValue(value)}`, operation: { ...base, variables } });
          }
        }
      }
    }
  }
  return cases;
}
