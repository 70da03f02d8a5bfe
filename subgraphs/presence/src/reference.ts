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
      const members = await ctx.loaders.members.load(party.id);
      return members.some((m) => m.userId === ctx.principal?.userId) ? party : null;
    },
  },
};
