import { SCALARS_MAP, buildFederatedSchema } from '@frontrow/kit';
import { printSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLSchema } from 'graphql';
import { FeedMediaResolver } from './feed.resolver';
import { IngestResolver } from './ingest.resolver';
import { referenceResolvers } from './reference';
import { FeedRef } from './types';

export function buildMediaSchema(): Promise<GraphQLSchema> {
  return buildFederatedSchema(
    // Feed is reached only through _entities, so it is listed explicitly.
    { resolvers: [FeedMediaResolver, IngestResolver], orphanedTypes: [FeedRef], scalarsMap: SCALARS_MAP },
    referenceResolvers,
    { name: 'media' },
  );
}

export async function printMediaSdl(): Promise<string> {
  return printSubgraphSchema(await buildMediaSchema());
}
