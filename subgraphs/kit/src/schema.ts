import { buildSubgraphSchema } from '@apollo/subgraph';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { parse, specifiedDirectives, type GraphQLSchema } from 'graphql';
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

/**
 * What a subgraph may import from the federation spec besides FEDERATION_IMPORTS:
 * `@extends` marks a type as an extension of one another subgraph defines (the
 * Federation 1 way of saying what `extend type` says; type-graphql prints `type`),
 * the others are Federation 2.5's access control.
 */
export type FederationDirective = (typeof FEDERATION_IMPORTS)[number] | '@extends' | '@authenticated' | '@requiresScopes';

export const FEDERATION_LINK = 'https://specs.apollo.dev/federation/v2.5';

/** Another spec the schema links to (`@link(url:, import:)`), such as a custom directive's. */
export interface SchemaLink {
  url: string;
  /** What the schema uses from it under its own name: `["@custom"]`. */
  import?: readonly string[];
}

export interface FederatedSchemaSettings {
  /** The subgraph's name, for the access-rule table and its errors. */
  name?: string;
  /** 'required' (the default) refuses to build when an operation has no @Access rule. */
  access?: 'required' | 'off';
  /** Federation directives imported besides FEDERATION_IMPORTS, `@extends` say. */
  federationImports?: readonly FederationDirective[];
  /** Further `@link`s on the schema. */
  links?: readonly SchemaLink[];
  /**
   * Custom directives the supergraph keeps (`@composeDirective(name:)`), by name with
   * its `@`. Each must be imported through one of `links` and defined in the build
   * options' `directives`.
   */
  composeDirectives?: readonly string[];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ReferenceResolvers = Record<string, Record<string, (...args: any[]) => unknown>>;

/**
 * Builds a Federation 2 subgraph schema from type-graphql classes: type-graphql
 * builds the schema, it is printed with its directives under the federation
 * `@link` (and any further links and composed directives the settings name), and
 * `buildSubgraphSchema` adds `_service`, `_entities` and the reference resolvers.
 * Custom directives are defined through the build options' `directives`; the
 * standard ones (`@deprecated`...) stay.
 */
export async function buildFederatedSchema(
  options: Omit<BuildSchemaOptions, 'skipCheck'>,
  referenceResolvers: ReferenceResolvers = {},
  settings: FederatedSchemaSettings = {},
): Promise<GraphQLSchema> {
  if (settings.access !== 'off') {
    collectAccessRules(settings.name ?? 'subgraph', options.resolvers);
  }
  argumentsInSourceOrder();
  const directives = options.directives && [
    ...specifiedDirectives.filter((d) => !options.directives?.some((own) => own.name === d.name)),
    ...options.directives,
  ];
  const schema = await buildSchema({ ...options, ...(directives ? { directives } : {}), skipCheck: true });
  const typeDefs = parse(`${schemaExtension(settings)}\n${printSchemaWithDirectives(schema)}`);
  const resolvers = createResolversMap(schema) as ReferenceResolvers;
  for (const [typeName, fields] of Object.entries(referenceResolvers)) {
    resolvers[typeName] = { ...(resolvers[typeName] ?? {}), ...fields };
  }
  return buildSubgraphSchema({ typeDefs, resolvers: resolvers as never });
}

/** `extend schema @link(...federation...) @link(...) @composeDirective(...)`, as the settings ask. */
export function schemaExtension(settings: Pick<FederatedSchemaSettings, 'federationImports' | 'links' | 'composeDirectives'> = {}): string {
  const list = (names: readonly string[]) => `[${names.map((d) => JSON.stringify(d)).join(', ')}]`;
  const federation = [...FEDERATION_IMPORTS, ...(settings.federationImports ?? []).filter((d) => !(FEDERATION_IMPORTS as readonly string[]).includes(d))];
  const links = [`@link(url: "${FEDERATION_LINK}", import: ${list(federation)})`];
  for (const link of settings.links ?? []) {
    links.push(link.import?.length ? `@link(url: ${JSON.stringify(link.url)}, import: ${list(link.import)})` : `@link(url: ${JSON.stringify(link.url)})`);
  }
  const imported = new Set((settings.links ?? []).flatMap((l) => l.import ?? []));
  for (const name of settings.composeDirectives ?? []) {
    if (!imported.has(name)) {
      throw new Error(`@composeDirective(name: "${name}") needs a link that imports ${name} (settings.links)`);
    }
    links.push(`@composeDirective(name: ${JSON.stringify(name)})`);
  }
  return `extend schema ${links.join(' ')}`;
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
