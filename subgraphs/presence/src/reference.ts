import type { PresenceContext } from './context';
import { isModerator } from './membership';

export const referenceResolvers = {
  Party: {
    /** Parties are only ever referred to by presence itself; a member or moderator gets one. */
    async __resolveReference(ref: { id: string }, ctx: PresenceContext) {
      if (!ctx.principal) return null;
      const party = await ctx.loaders.party.load(ref.id);
      if (!party) return null;
      if (isModerator(ctx.principal)) return party;
      return (await ctx.loaders.isMember.load(party.id)) ? party : null;
    },
  },
};
