import { parseId } from '@frontrow/kit';
import type { PlacementRef } from './types';

export const referenceResolvers = {
  Placement: {
    /** Any placement creative refers to; one that cannot be an id has no impressions. */
    __resolveReference(ref: { id: string }): PlacementRef {
      return { id: parseId(ref.id) ?? ref.id };
    },
  },
};
