import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Supergraph } from '@apollo/federation-internals';
import { operationAccessRules, type AccessRule } from '@frontrow/kit';
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isScalarType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLSchema,
} from 'graphql';
import { ROOT } from '../src/launch';
import { connect, type Reply } from './party-harness';

/**
 * Every operation of the supergraph as a valid document with sample arguments, and its
 * declared access rule: what the access tests call, generated from the schema so that a
 * new operation cannot be forgotten.
 */

/** The supergraph's API schema (what clients see). */
export function supergraphApiSchema(): GraphQLSchema {
  return Supergraph.build(readFileSync(join(ROOT, 'supergraph.graphql'), 'utf8')).schema.toAPISchema().toGraphQLJSSchema();
}

export function sample(type: GraphQLInputType): unknown {
  if (isNonNullType(type)) return sample(type.ofType);
  if (isListType(type)) return [sample(type.ofType)];
  if (isEnumType(type)) return type.getValues()[0].value;
  if (isInputObjectType(type)) {
    const out: Record<string, unknown> = {};
    for (const f of Object.values(type.getFields())) if (isNonNullType(f.type) && f.defaultValue === undefined) out[f.name] = sample(f.type);
    return out;
  }
  if (isScalarType(type)) {
    switch (type.name) {
      case 'ID':
        return randomUUID();
      case 'Int':
      case 'Float':
        return 1;
      case 'Boolean':
        return true;
      case 'DateTime':
        return '2031-01-01T00:00:00.000Z';
      case 'JSON':
        return {};
      default:
        return 'x';
    }
  }
  throw new Error(`no sample for ${String(type)}`);
}

export interface Operation {
  name: string;
  kind: 'query' | 'mutation' | 'subscription';
  document: string;
  variables: Record<string, unknown>;
}

/** The field called with its required arguments (sample values), and the optional ones named in `also` (declared, no value). */
export function operation(kind: Operation['kind'], field: GraphQLField<unknown, unknown>, also: readonly string[] = []): Operation {
  const required = (a: GraphQLArgument) => isNonNullType(a.type) && a.defaultValue === undefined;
  const args = field.args.filter((a) => required(a) || also.includes(a.name));
  const defs = args.map((a) => `$${a.name}: ${String(a.type)}`).join(', ');
  const call = args.length ? `(${args.map((a) => `${a.name}: $${a.name}`).join(', ')})` : '';
  const selection = isLeafType(getNamedType(field.type)) ? '' : ' { __typename }';
  return {
    name: `${kind === 'query' ? 'Query' : kind === 'mutation' ? 'Mutation' : 'Subscription'}.${field.name}`,
    kind,
    document: `${kind} Probe${defs ? `(${defs})` : ''} { ${field.name}${call}${selection} }`,
    variables: Object.fromEntries(args.filter(required).map((a) => [a.name, sample(a.type)])),
  };
}

export function allOperations(schema: GraphQLSchema): Operation[] {
  const out: Operation[] = [];
  for (const [kind, type] of [
    ['query', schema.getQueryType()],
    ['mutation', schema.getMutationType()],
    ['subscription', schema.getSubscriptionType()],
  ] as const) {
    for (const field of Object.values(type?.getFields() ?? {})) out.push(operation(kind, field));
  }
  return out;
}

export function ruleOf(op: Operation): AccessRule {
  const entry = operationAccessRules().get(op.name);
  if (!entry) throw new Error(`${op.name} has no access rule`);
  return entry.rule;
}

export function hasData(r: Reply): boolean {
  return Boolean(r.data && Object.values(r.data).some((v) => v !== null));
}

/** Subscribes over graphql-ws and resolves with the first result or error. */
export async function subscribeOnce(wsUrl: string, op: Operation, headers: Record<string, string>): Promise<Reply> {
  const params: Record<string, unknown> = {};
  if (headers.authorization) params.authorization = headers.authorization;
  if (headers['x-api-key']) params.apiKey = headers['x-api-key'];
  const client = connect(wsUrl, params);
  try {
    return await new Promise<Reply>((resolve) => {
      client.subscribe(
        { query: op.document, variables: op.variables },
        {
          next: (r) => resolve(r as Reply),
          error: (e) => resolve({ errors: Array.isArray(e) ? (e as Reply['errors']) : [{ message: String(e), extensions: { code: 'SOCKET' } }] }),
          complete: () => resolve({ errors: [{ message: 'completed without a result', extensions: { code: 'NONE' } }] }),
        },
      );
    });
  } finally {
    await client.dispose();
  }
}

