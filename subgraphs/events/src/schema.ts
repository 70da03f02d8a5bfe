import { SCALARS_MAP, buildFederatedSchema } from '@frontrow/kit';
import { printSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLSchema } from 'graphql';
import { EventResolver } from './event.resolver';
import { FeedResolver } from './feed.resolver';
import { MomentResolver } from './moment.resolver';
import { referenceResolvers } from './reference';
import { VenueResolver } from './venue.resolver';

export function buildEventsSchema(): Promise<GraphQLSchema> {
  return buildFederatedSchema(
    { resolvers: [EventResolver, VenueResolver, FeedResolver, MomentResolver], scalarsMap: SCALARS_MAP },
    referenceResolvers,
    { name: 'events' },
  );
}

/** The SDL that supergraph.yaml composes (written to schema.graphql by `npm run compose`). */
export async function printEventsSdl(): Promise<string> {
  return printSubgraphSchema(await buildEventsSchema());
}
