import { buildSubgraphSchema } from '@apollo/subgraph';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { parse, type GraphQLSchema } from 'graphql';
import { buildSchema, createResolversMap, type BuildSchemaOptions } from 'type-graphql';
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
  const schema = await buildSchema({ ...options, skipCheck: true });
  const link = `extend schema @link(url: "${FEDERATION_LINK}", import: [${FEDERATION_IMPORTS.map((d) => `"${d}"`).join(', ')}])`;
  const typeDefs = parse(`${link}\n${printSchemaWithDirectives(schema)}`);
  const resolvers = createResolversMap(schema) as ReferenceResolvers;
  for (const [typeName, fields] of Object.entries(referenceResolvers)) {
    resolvers[typeName] = { ...(resolvers[typeName] ?? {}), ...fields };
  }
  return buildSubgraphSchema({ typeDefs, resolvers: resolvers as never });
}
