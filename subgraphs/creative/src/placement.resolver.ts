import { Access, BadInputError, NotFoundError, emit, emitAudit, findById, foreignId, requireRole, requireUser } from '@frontrow/kit';
import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { ADMIN_ONLY } from './access';
import type { CreativeContext } from './context';
import { AssetStatus, CreativeAsset } from './entities/creative-asset.entity';
import { Placement, Surface } from './entities/placement.entity';
import { PlacementInput } from './placement.input';
import { EventRef } from './types';
import { checkInt } from './validate';

/** What telemetry consumes to know whose placement an impression is (sponsorReport). */
export interface PlacementCreatedPayload {
  placementId: string;
  eventId: string;
  assetId: string;
  sponsorId: string;
  surface: string;
}

/** The longest a placement may run. */
const MAX_WINDOW_DAYS = 366;

@Resolver(() => Placement)
export class PlacementResolver {
  @Access(ADMIN_ONLY)
  @Mutation(() => Placement, { description: 'Admin only. Places an APPROVED asset on a surface of an event; the event\'s manifest version rises.' })
  async createPlacement(@Arg('input', () => PlacementInput) input: PlacementInput, @Ctx() ctx: CreativeContext): Promise<Placement> {
    const admin = requireRole(ctx.principal, 'ADMIN');
    const eventId = foreignId(input.eventId, 'eventId');
    const asset = await findById(ctx.em, CreativeAsset, input.assetId);
    if (!asset) throw new BadInputError('assetId names no asset.', 'assetId');
    if (asset.status !== AssetStatus.APPROVED) throw new BadInputError(`Only an APPROVED asset can be placed; this one is ${asset.status}.`, 'assetId');
    if (!(input.endsAt.getTime() > input.startsAt.getTime())) throw new BadInputError('endsAt must be after startsAt.', 'endsAt');
    if (input.endsAt.getTime() - input.startsAt.getTime() > MAX_WINDOW_DAYS * 86_400_000) {
      throw new BadInputError(`A placement runs at most ${MAX_WINDOW_DAYS} days.`, 'endsAt');
    }
    const weight = checkInt(input.weight, 'weight', 1, 1000) ?? 1;
    const frequencyCapPerHour = checkInt(input.frequencyCapPerHour, 'frequencyCapPerHour', 1, 1000);
    const placement = await ctx.em.transactional(async (tx) => {
      const p = tx.create(Placement, {
        eventId,
        assetId: asset.id,
        surface: input.surface,
        startsAt: input.startsAt,
        endsAt: input.endsAt,
        weight,
        frequencyCapPerHour,
      });
      await ctx.services.manifests.bump(tx, eventId);
      emit<PlacementCreatedPayload>(tx, 'creative.placement.created', { placementId: p.id, eventId, assetId: asset.id, sponsorId: asset.sponsorId, surface: p.surface });
      emitAudit(tx, 'creative', {
        actorId: admin.userId,
        actorRoles: admin.roles,
        action: 'creative.placement.created',
        targetType: 'Placement',
        targetId: p.id,
        details: { eventId, assetId: asset.id, surface: p.surface, weight, frequencyCapPerHour },
      });
      return p;
    });
    ctx.services.rotation.forget(eventId);
    return placement;
  }

  @Access({})
  @Query(() => Placement, {
    nullable: true,
    description: 'For the calling fan: a placement live now on the surface, by weight among those under the fan\'s cap; null when there is none.',
  })
  async nextAd(
    @Arg('eventId', () => ID) eventId: string,
    @Arg('surface', () => Surface) surface: Surface,
    @Ctx() ctx: CreativeContext,
  ): Promise<Placement | null> {
    const fan = requireUser(ctx.principal);
    return ctx.services.rotation.next(ctx.em, foreignId(eventId, 'eventId'), surface, fan.userId);
  }

  @FieldResolver(() => EventRef)
  event(@Root() placement: Placement): EventRef {
    return { id: placement.eventId };
  }

  @FieldResolver(() => CreativeAsset)
  async asset(@Root() placement: Placement, @Ctx() ctx: CreativeContext): Promise<CreativeAsset> {
    const asset = await ctx.loaders.asset.load(placement.assetId);
    if (!asset) throw new NotFoundError('CreativeAsset');
    return asset;
  }
}
