import type { IdentityContext } from './context';

export const referenceResolvers = {
  User: {
    __resolveReference(ref: { id: string }, ctx: IdentityContext) {
      return ctx.loaders.user.load(ref.id);
    },
  },
};
