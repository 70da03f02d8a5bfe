import { CALLER_INDEPENDENT_SCHEMA, SCALARS_MAP, buildFederatedSchema } from '@frontrow/kit';
import { printSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLSchema } from 'graphql';
import { ApiKeyResolver } from './api-key.resolver';
import { AuthResolver } from './auth.resolver';
import { DeviceResolver } from './device.resolver';
import { UserResolver } from './user.resolver';
import { referenceResolvers } from './reference';

export function buildIdentitySchema(): Promise<GraphQLSchema> {
  return buildFederatedSchema(
    { resolvers: [UserResolver, AuthResolver, DeviceResolver, ApiKeyResolver], scalarsMap: SCALARS_MAP, directives: CALLER_INDEPENDENT_SCHEMA.directives },
    referenceResolvers,
    { name: 'identity', ...CALLER_INDEPENDENT_SCHEMA.settings },
  );
}

/** The SDL that supergraph.yaml composes (written to schema.graphql by `npm run compose`). */
export async function printIdentitySdl(): Promise<string> {
  return printSubgraphSchema(await buildIdentitySchema());
}
