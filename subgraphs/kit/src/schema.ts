import { buildSubgraphSchema } from '@apollo/subgraph';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { parse, type GraphQLSchema } from 'graphql';
import { buildSchema, createResolversMap, getMetadataStorage, type BuildSchemaOptions } from 'type-graphql';
import { collectAccessRules } from './access';

/** Federation 2 directives every subgraph may use through type-graphql's `@Directive`. */
export const FEDERATION_IMPORTS = [
  '@key',
  '@shareable',
  '@external',
  '@requires',
  '@provides',
  '@override',
  '@inaccessible',
  '@tag',
  '@interfaceObject',
  '@composeDirective',
] as const;

export const FEDERATION_LINK = 'https://specs.apollo.dev/federation/v2.5';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ReferenceResolvers = Record<string, Record<string, (...args: any[]) => unknown>>;

/**
 * Builds a Federation 2 subgraph schema from type-graphql classes: type-graphql
 * builds the schema, it is printed with its directives under the federation
 * `@link`, and `buildSubgraphSchema` adds `_service`, `_entities` and the reference
 * resolvers.
 */
export async function buildFederatedSchema(
  options: Omit<BuildSchemaOptions, 'skipCheck'>,
  referenceResolvers: ReferenceResolvers = {},
  settings: {
    /** The subgraph's name, for the access-rule table and its errors. */
    name?: string;
    /** 'required' (the default) refuses to build when an operation has no @Access rule. */
    access?: 'required' | 'off';
  } = {},
): Promise<GraphQLSchema> {
  if (settings.access !== 'off') {
    collectAccessRules(settings.name ?? 'subgraph', options.resolvers);
  }
  argumentsInSourceOrder();
  const schema = await buildSchema({ ...options, skipCheck: true });
  const link = `extend schema @link(url: "${FEDERATION_LINK}", import: [${FEDERATION_IMPORTS.map((d) => `"${d}"`).join(', ')}])`;
  const typeDefs = parse(`${link}\n${printSchemaWithDirectives(schema)}`);
  const resolvers = createResolversMap(schema) as ReferenceResolvers;
  for (const [typeName, fields] of Object.entries(referenceResolvers)) {
    resolvers[typeName] = { ...(resolvers[typeName] ?? {}), ...fields };
  }
  return buildSubgraphSchema({ typeDefs, resolvers: resolvers as never });
}

/**
 * Puts every resolver method's parameters back in the order they are written.
 * type-graphql records a parameter when its decorator runs, and TypeScript runs a
 * method's parameter decorators from the last parameter to the first, so the schema
 * would list `refundOrder(orderId, reason)` as `refundOrder(reason, orderId)`. Only
 * the parameters of one method change places among themselves, by their index; the
 * resolvers receive their arguments by index either way. Idempotent.
 */
export function argumentsInSourceOrder(): void {
  const params = getMetadataStorage().params;
  const slots = new Map<object, Map<string, number[]>>();
  params.forEach((param, at) => {
    let byMethod = slots.get(param.target);
    if (!byMethod) slots.set(param.target, (byMethod = new Map()));
    const positions = byMethod.get(param.methodName);
    if (positions) positions.push(at);
    else byMethod.set(param.methodName, [at]);
  });
  for (const byMethod of slots.values()) {
    for (const positions of byMethod.values()) {
      if (positions.length < 2) continue;
      const sorted = positions.map((at) => params[at]).sort((a, b) => a.index - b.index);
      positions.forEach((at, i) => {
        params[at] = sorted[i];
      });
    }
  }
}
