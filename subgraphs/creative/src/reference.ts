import type { CreativeContext } from './context';
import { canSeeAsset } from './access';

/**
 * How another subgraph's `{ __typename, id }` becomes a creative object. Sponsors and
 * placements are what the venue shows; an asset resolves for anyone once approved, and
 * before that only for its sponsor's owner and admins.
 */
export const referenceResolvers = {
  Sponsor: {
    __resolveReference(ref: { id: string }, ctx: CreativeContext) {
      return ctx.loaders.sponsor.load(ref.id);
    },
  },
  CreativeAsset: {
    async __resolveReference(ref: { id: string }, ctx: CreativeContext) {
      const asset = await ctx.loaders.asset.load(ref.id);
      return asset && (await canSeeAsset(ctx, asset)) ? asset : null;
    },
  },
  Placement: {
    __resolveReference(ref: { id: string }, ctx: CreativeContext) {
      return ctx.loaders.placement.load(ref.id);
    },
  },
  Event: {
    __resolveReference(ref: { id: string }) {
      return { id: ref.id };
    },
  },
};
