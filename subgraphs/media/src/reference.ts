import { parseId } from '@frontrow/kit';

export const referenceResolvers = {
  Feed: {
    __resolveReference(ref: { id: string }) {
      // Feeds are events'; media adds to any feed, and an id that cannot be one is no feed.
      const id = parseId(ref.id);
      return id ? { id } : null;
    },
  },
};
