import { Access, requireUser } from '@frontrow/kit';
import { Arg, Ctx, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import type { CommerceContext } from './context';
import { Entitlement } from './entities/entitlement.entity';
import { Product } from './entities/product.entity';
import { EventRef } from './types';

@Resolver(() => Entitlement)
export class EntitlementResolver {
  @Access({ usersOnly: true })
  @Query(() => [Entitlement], { description: "The signed-in fan's entitlements, newest first; revoked ones only when asked for." })
  async myEntitlements(
    @Arg('includeRevoked', () => Boolean, { defaultValue: false }) includeRevoked: boolean,
    @Ctx() ctx: CommerceContext,
  ): Promise<Entitlement[]> {
    const fan = requireUser(ctx.principal);
    return ctx.em.find(
      Entitlement,
      { userId: fan.userId, ...(includeRevoked ? {} : { revokedAt: null }) },
      { orderBy: { grantedAt: 'desc', id: 'desc' } },
    );
  }

  @FieldResolver(() => EventRef, { nullable: true, description: 'The event covered; null for a season pass, which covers every event.' })
  event(@Root() entitlement: Entitlement): EventRef | null {
    return entitlement.eventId ? { id: entitlement.eventId } : null;
  }

  @FieldResolver(() => Product)
  async product(@Root() entitlement: Entitlement, @Ctx() ctx: CommerceContext): Promise<Product> {
    return (await ctx.loaders.product.load(entitlement.productId))!;
  }
}
