import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { CommerceContext } from './context';
import { Entitlement } from './entities/entitlement.entity';
import { Product } from './entities/product.entity';
import { EventRef } from './types';

/** Commerce's fields on the events subgraph's Event. */
@Resolver(() => EventRef)
export class EventResolver {
  @FieldResolver(() => [Product], { description: 'What is on sale for this event: its own products, then season passes.' })
  products(@Root() event: EventRef, @Ctx() ctx: CommerceContext): Promise<Product[]> {
    return ctx.loaders.productsByEvent.load(event.id);
  }

  @FieldResolver(() => Entitlement, {
    nullable: true,
    description: "The signed-in viewer's active entitlement to this event (a season pass counts); null otherwise.",
  })
  async viewerEntitlement(@Root() event: EventRef, @Ctx() ctx: CommerceContext): Promise<Entitlement | null> {
    if (!ctx.principal) return null;
    return ctx.loaders.viewerEntitlement.load(event.id);
  }
}
