import { parseId } from '@frontrow/kit';
import type { EventsContext, EventsLoaders } from './context';

/** Other subgraphs hand us `{ __typename, id }`; an id that is not ours resolves to null. */
function resolveWith(loader: keyof EventsLoaders & ('venue' | 'event' | 'feed' | 'moment')) {
  return {
    __resolveReference(ref: { id: string }, ctx: EventsContext) {
      const id = parseId(ref.id);
      return id ? ctx.loaders[loader].load(id) : null;
    },
  };
}

export const referenceResolvers = {
  Venue: resolveWith('venue'),
  Event: resolveWith('event'),
  Feed: resolveWith('feed'),
  Moment: resolveWith('moment'),
};
