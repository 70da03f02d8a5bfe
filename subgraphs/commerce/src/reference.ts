import { findById } from '@frontrow/kit';
import type { CommerceContext } from './context';
import { Entitlement } from './entities/entitlement.entity';
import { Order } from './entities/order.entity';
import { canSee } from './order.resolver';

/** Products are public; an order or entitlement resolves only for its owner or an admin. */
export const referenceResolvers = {
  Product: {
    __resolveReference(ref: { id: string }, ctx: CommerceContext) {
      return ctx.loaders.product.load(ref.id);
    },
  },
  Order: {
    async __resolveReference(ref: { id: string }, ctx: CommerceContext) {
      const order = ctx.principal ? await findById(ctx.em, Order, ref.id) : null;
      return order && canSee(ctx.principal, order) ? order : null;
    },
  },
  Entitlement: {
    async __resolveReference(ref: { id: string }, ctx: CommerceContext) {
      const entitlement = ctx.principal ? await findById(ctx.em, Entitlement, ref.id) : null;
      return entitlement && canSee(ctx.principal, entitlement) ? entitlement : null;
    },
  },
  Event: {
    __resolveReference(ref: { id: string }) {
      return { id: ref.id };
    },
  },
};
