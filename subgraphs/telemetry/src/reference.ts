import { parseId } from '@frontrow/kit';
import type { EventRef, PlacementRef } from './types';

export const referenceResolvers = {
  Event: {
    /** Any event the events subgraph returned; its qos says who may read it. */
    __resolveReference(ref: { id: string }): EventRef {
      return { id: ref.id };
    },
  },
  Placement: {
    /** Any placement creative refers to; one that cannot be an id has no impressions. */
    __resolveReference(ref: { id: string }): PlacementRef {
      return { id: parseId(ref.id) ?? ref.id };
    },
  },
};
