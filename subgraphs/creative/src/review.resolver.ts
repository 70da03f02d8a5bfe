import { Access, ConflictError, NotFoundError, cursorCodec, emit, emitAudit, findById, pageOf, pageSize, requireRole, type Principal } from '@frontrow/kit';
import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { ADMIN_ONLY } from './access';
import type { CreativeContext } from './context';
import { AssetStatus, CreativeAsset } from './entities/creative-asset.entity';
import { CreativeAssetConnection } from './types';
import { checkText } from './validate';

/** The review queue, oldest submission first. */
const reviewCursors = cursorCodec('rq1');

/** What `creative.asset.approved` and `creative.asset.rejected` carry. */
export interface AssetReviewedPayload {
  assetId: string;
  sponsorId: string;
  kind: string;
  reviewedBy: string;
  reason?: string;
}

@Resolver(() => CreativeAsset)
export class ReviewResolver {
  @Access(ADMIN_ONLY)
  @Query(() => CreativeAssetConnection, { description: 'Admin only. Assets waiting for review, oldest submission first.' })
  async assetsInReview(
    @Arg('first', () => Int, { nullable: true }) first: number | undefined,
    @Arg('after', () => String, { nullable: true }) after: string | undefined,
    @Ctx() ctx: CreativeContext,
  ): Promise<CreativeAssetConnection> {
    requireRole(ctx.principal, 'ADMIN');
    const size = pageSize(first);
    const cursor = after ? reviewCursors.decode(after) : null;
    const status = AssetStatus.IN_REVIEW;
    const rows = await ctx.em.find(
      CreativeAsset,
      cursor ? { status, $or: [{ submittedAt: { $gt: cursor.at } }, { submittedAt: cursor.at, id: { $gt: cursor.id } }] } : { status },
      { orderBy: [{ submittedAt: 'asc' }, { id: 'asc' }], limit: size + 1 },
    );
    const hasPreviousPage = cursor
      ? (await ctx.em.count(CreativeAsset, { status, $or: [{ submittedAt: { $lt: cursor.at } }, { submittedAt: cursor.at, id: { $lte: cursor.id } }] })) > 0
      : false;
    return pageOf(rows, size, (a) => reviewCursors.encode({ at: a.submittedAt ?? a.createdAt, id: a.id }), hasPreviousPage);
  }

  @Access(ADMIN_ONLY)
  @Mutation(() => CreativeAsset, { description: 'Admin only. An asset in review becomes APPROVED and may be placed.' })
  async approveAsset(@Arg('assetId', () => ID) assetId: string, @Ctx() ctx: CreativeContext): Promise<CreativeAsset> {
    const admin = requireRole(ctx.principal, 'ADMIN');
    return review(ctx, admin, assetId, AssetStatus.APPROVED, null);
  }

  @Access(ADMIN_ONLY)
  @Mutation(() => CreativeAsset, { description: 'Admin only. An asset in review becomes REJECTED; the reason is shown to the sponsor.' })
  async rejectAsset(
    @Arg('assetId', () => ID) assetId: string,
    @Arg('reason', () => String) reason: string,
    @Ctx() ctx: CreativeContext,
  ): Promise<CreativeAsset> {
    const admin = requireRole(ctx.principal, 'ADMIN');
    return review(ctx, admin, assetId, AssetStatus.REJECTED, checkText(reason, 'reason', 500));
  }
}

async function review(ctx: CreativeContext, admin: Principal, assetId: string, outcome: AssetStatus, reason: string | null): Promise<CreativeAsset> {
  const asset = await findById(ctx.em, CreativeAsset, assetId);
  if (!asset) throw new NotFoundError('CreativeAsset');
  if (asset.status !== AssetStatus.IN_REVIEW) throw new ConflictError(`The asset is ${asset.status}; only an asset in review can be approved or rejected.`);
  const verb = outcome === AssetStatus.APPROVED ? 'approved' : 'rejected';
  await ctx.em.transactional(async (tx) => {
    // Guarded in the database too: of two admins deciding at once, one wins.
    const changed = await tx.nativeUpdate(
      CreativeAsset,
      { id: asset.id, status: AssetStatus.IN_REVIEW },
      { status: outcome, rejectionReason: reason, reviewedAt: new Date(), reviewedBy: admin.userId },
    );
    if (changed !== 1) throw new ConflictError('The asset was reviewed meanwhile.');
    emit<AssetReviewedPayload>(tx, `creative.asset.${verb}`, {
      assetId: asset.id,
      sponsorId: asset.sponsorId,
      kind: asset.kind,
      reviewedBy: admin.userId,
      ...(reason ? { reason } : {}),
    });
    emitAudit(tx, 'creative', {
      actorId: admin.userId,
      actorRoles: admin.roles,
      action: `creative.asset.${verb}`,
      targetType: 'CreativeAsset',
      targetId: asset.id,
      details: { sponsorId: asset.sponsorId, ...(reason ? { reason } : {}) },
    });
  });
  await ctx.em.refresh(asset);
  return asset;
}
