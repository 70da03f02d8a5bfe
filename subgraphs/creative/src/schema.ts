import { SCALARS_MAP, buildFederatedSchema } from '@frontrow/kit';
import { printSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLSchema } from 'graphql';
import { AssetResolver } from './asset.resolver';
import { EventResolver } from './event.resolver';
import { PlacementResolver } from './placement.resolver';
import { referenceResolvers } from './reference';
import { ReviewResolver } from './review.resolver';
import { SponsorResolver } from './sponsor.resolver';

export function buildCreativeSchema(): Promise<GraphQLSchema> {
  return buildFederatedSchema(
    { resolvers: [SponsorResolver, AssetResolver, ReviewResolver, PlacementResolver, EventResolver], scalarsMap: SCALARS_MAP },
    referenceResolvers,
    { name: 'creative' },
  );
}

/** The SDL that supergraph.yaml composes (written to schema.graphql by `npm run compose`). */
export async function printCreativeSdl(): Promise<string> {
  return printSubgraphSchema(await buildCreativeSchema());
}
