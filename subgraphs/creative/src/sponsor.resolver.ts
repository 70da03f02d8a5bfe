import { Access, cursorCodec, emit, emitAudit, foreignId, pageOf, pageSize, requirePrincipal, requireRole } from '@frontrow/kit';
import type { ObjectQuery } from '@mikro-orm/postgresql';
import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { ADMIN_ONLY, SPONSOR_WRITE, canManage, managedSponsor } from './access';
import type { CreativeContext } from './context';
import { AssetStatus, CreativeAsset } from './entities/creative-asset.entity';
import { Sponsor } from './entities/sponsor.entity';
import { SponsorInput } from './sponsor.input';
import { CreativeAssetConnection, UserRef } from './types';
import { checkText } from './validate';

/** A sponsor's assets, newest first. */
const assetCursors = cursorCodec('sa1');

/** What identity consumes to grant the owner the SPONSOR role. */
export interface SponsorCreatedPayload {
  sponsorId: string;
  ownerId: string;
  name: string;
  /** The admin who created it, for identity's audit entry. */
  createdBy: string;
}

@Resolver(() => Sponsor)
export class SponsorResolver {
  @Access(ADMIN_ONLY)
  @Mutation(() => Sponsor, { description: 'Admin only. Identity grants the owner the SPONSOR role (effective at their next sign-in or refresh).' })
  async createSponsor(@Arg('input', () => SponsorInput) input: SponsorInput, @Ctx() ctx: CreativeContext): Promise<Sponsor> {
    const admin = requireRole(ctx.principal, 'ADMIN');
    const name = checkText(input.name, 'name', 120);
    const ownerId = foreignId(input.ownerId, 'ownerId');
    const sponsor = ctx.em.create(Sponsor, { name, ownerId });
    emit<SponsorCreatedPayload>(ctx.em, 'creative.sponsor.created', { sponsorId: sponsor.id, ownerId, name, createdBy: admin.userId });
    emitAudit(ctx.em, 'creative', {
      actorId: admin.userId,
      actorRoles: admin.roles,
      action: 'creative.sponsor.created',
      targetType: 'Sponsor',
      targetId: sponsor.id,
      details: { name, ownerId },
    });
    await ctx.em.flush();
    return sponsor;
  }

  @Access(SPONSOR_WRITE)
  @Query(() => Sponsor, { nullable: true, description: 'Its owner and admins; any other id is NOT_FOUND.' })
  async sponsor(@Arg('id', () => ID) id: string, @Ctx() ctx: CreativeContext): Promise<Sponsor> {
    return managedSponsor(ctx, id);
  }

  @Access(SPONSOR_WRITE)
  @Query(() => [Sponsor], { description: "The sponsors the caller owns (an API key's owner's)." })
  async mySponsors(@Ctx() ctx: CreativeContext): Promise<Sponsor[]> {
    // A key with creative:write acts for its owner, as its rule says: a sponsor's integration lists its sponsors.
    const me = requirePrincipal(ctx.principal);
    return ctx.em.find(Sponsor, { ownerId: me.userId }, { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], limit: 100 });
  }

  @FieldResolver(() => UserRef)
  owner(@Root() sponsor: Sponsor): UserRef {
    return { id: sponsor.ownerId };
  }

  @FieldResolver(() => CreativeAssetConnection, {
    description: 'Newest first. Its owner and admins see every asset; anyone else only the approved ones.',
  })
  async assets(
    @Root() sponsor: Sponsor,
    @Arg('first', () => Int, { nullable: true }) first: number | undefined,
    @Arg('after', () => String, { nullable: true }) after: string | undefined,
    @Ctx() ctx: CreativeContext,
  ): Promise<CreativeAssetConnection> {
    const size = pageSize(first);
    const cursor = after ? assetCursors.decode(after) : null;
    const where: ObjectQuery<CreativeAsset> = { sponsorId: sponsor.id };
    if (!canManage(ctx.principal, sponsor)) where.status = AssetStatus.APPROVED;
    const before = cursor ? { $or: [{ createdAt: { $lt: cursor.at } }, { createdAt: cursor.at, id: { $lt: cursor.id } }] } : {};
    const rows = await ctx.em.find(CreativeAsset, { ...where, ...before }, { orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], limit: size + 1 });
    const hasPreviousPage = cursor
      ? (await ctx.em.count(CreativeAsset, { ...where, $or: [{ createdAt: { $gt: cursor.at } }, { createdAt: cursor.at, id: { $gte: cursor.id } }] })) > 0
      : false;
    for (const a of rows) ctx.loaders.asset.prime(a.id, a);
    return pageOf(rows, size, (a) => assetCursors.encode({ at: a.createdAt, id: a.id }), hasPreviousPage);
  }
}
