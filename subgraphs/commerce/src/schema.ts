import { SCALARS_MAP, buildFederatedSchema } from '@frontrow/kit';
import { printSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLSchema } from 'graphql';
import { EntitlementResolver } from './entitlement.resolver';
import { EventResolver } from './event.resolver';
import { ExportResolver } from './export.resolver';
import { OrderLineResolver, OrderResolver } from './order.resolver';
import { ProductResolver } from './product.resolver';
import { referenceResolvers } from './reference';

export function buildCommerceSchema(): Promise<GraphQLSchema> {
  return buildFederatedSchema(
    {
      resolvers: [ProductResolver, EventResolver, OrderResolver, OrderLineResolver, EntitlementResolver, ExportResolver],
      scalarsMap: SCALARS_MAP,
    },
    referenceResolvers,
    { name: 'commerce' },
  );
}

/** The SDL that supergraph.yaml composes (written to schema.graphql by `npm run compose`). */
export async function printCommerceSdl(): Promise<string> {
  return printSubgraphSchema(await buildCommerceSchema());
}
