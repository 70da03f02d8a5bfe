import { SCALARS_MAP, buildFederatedSchema } from '@frontrow/kit';
import { printSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLSchema } from 'graphql';
import type { CommerceContext } from './context';
import { Entitlement } from './entities/entitlement.entity';
import { Order } from './entities/order.entity';
import { EntitlementResolver } from './entitlement.resolver';
import { EventResolver } from './event.resolver';
import { ExportResolver } from './export.resolver';
import { OrderLineResolver, OrderResolver, canSee } from './order.resolver';
import { ProductResolver } from './product.resolver';
import { isUuid } from './validate';

/** Products are public; an order or entitlement resolves only for its owner or an admin. */
export const referenceResolvers = {
  Product: {
    __resolveReference(ref: { id: string }, ctx: CommerceContext) {
      return isUuid(ref.id) ? ctx.loaders.product.load(ref.id) : null;
    },
  },
  Order: {
    async __resolveReference(ref: { id: string }, ctx: CommerceContext) {
      const order = isUuid(ref.id) && ctx.principal ? await ctx.em.findOne(Order, { id: ref.id }) : null;
      return order && canSee(ctx.principal, order) ? order : null;
    },
  },
  Entitlement: {
    async __resolveReference(ref: { id: string }, ctx: CommerceContext) {
      const entitlement = isUuid(ref.id) && ctx.principal ? await ctx.em.findOne(Entitlement, { id: ref.id }) : null;
      return entitlement && canSee(ctx.principal, entitlement) ? entitlement : null;
    },
  },
  Event: {
    __resolveReference(ref: { id: string }) {
      return { id: ref.id };
    },
  },
};

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
