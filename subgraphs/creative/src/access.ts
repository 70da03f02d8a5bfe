import { NotFoundError, hasRole, type AccessRule, type Principal } from '@frontrow/kit';
import { AssetStatus, type CreativeAsset } from './entities/creative-asset.entity';
import type { Sponsor } from './entities/sponsor.entity';
import type { CreativeContext } from './context';

/** A sponsor's owner (with a token, or a key with `creative:write`) and admins. */
export const SPONSOR_WRITE: AccessRule = { scope: 'creative:write', roles: ['SPONSOR'] };
/** Review and placements: a signed-in admin (keys never carry ADMIN). */
export const ADMIN_ONLY: AccessRule = { usersOnly: true, roles: ['ADMIN'] };

/** The owner acts for the sponsor; admins act for every sponsor. */
export function canManage(principal: Principal | null, sponsor: Pick<Sponsor, 'ownerId'>): boolean {
  return !!principal && (principal.userId === sponsor.ownerId || hasRole(principal, 'ADMIN'));
}

/**
 * A sponsor the caller manages; an unknown id and another sponsor's are the same
 * NOT_FOUND, so ids of other sponsors tell nothing.
 */
export async function managedSponsor(ctx: CreativeContext, id: string): Promise<Sponsor> {
  const sponsor = await ctx.loaders.sponsor.load(id);
  if (!sponsor || !canManage(ctx.principal, sponsor)) throw new NotFoundError('Sponsor');
  return sponsor;
}

/** An asset the caller manages (through its sponsor), or NOT_FOUND. */
export async function managedAsset(ctx: CreativeContext, id: string): Promise<{ asset: CreativeAsset; sponsor: Sponsor }> {
  const asset = await ctx.loaders.asset.load(id);
  const sponsor = asset ? await ctx.loaders.sponsor.load(asset.sponsorId) : null;
  if (!asset || !sponsor || !canManage(ctx.principal, sponsor)) throw new NotFoundError('CreativeAsset');
  return { asset, sponsor };
}

/** Approved assets are public (they are on the boards); the rest only to who manages them. */
export async function canSeeAsset(ctx: CreativeContext, asset: CreativeAsset): Promise<boolean> {
  if (asset.status === AssetStatus.APPROVED) return true;
  const sponsor = await ctx.loaders.sponsor.load(asset.sponsorId);
  return !!sponsor && canManage(ctx.principal, sponsor);
}
