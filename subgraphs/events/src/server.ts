import { defineSubgraph, type SubgraphHandle, type SubgraphOptions } from '@frontrow/kit';
import { createLoaders, type EventsContext } from './context';
import { Feed } from './entities/feed.entity';
import { Moment } from './entities/moment.entity';
import { SportEvent } from './entities/sport-event.entity';
import { Venue } from './entities/venue.entity';
import { migrations } from './migrations';
import { buildEventsSchema } from './schema';
import { seedDemo } from './seed';

export interface EventsOptions extends SubgraphOptions {
  /** Seeds the demo season at start-up when there are no events yet. */
  seedDemo?: boolean;
}

export type EventsHandle = SubgraphHandle;

export const events = defineSubgraph<EventsOptions, EventsContext>({
  name: 'events',
  entities: [Venue, SportEvent, Feed, Moment],
  migrations,
  schema: buildEventsSchema,
  async setup({ options, storage, logger }) {
    if (options.seedDemo) {
      const seeded = await seedDemo(storage.em);
      if (seeded.created) logger.info({ venues: seeded.venues.length, events: seeded.events.length }, 'seeded the demo season');
    }
    const services = { relay: storage.relay };
    return { context: (start) => ({ ...start, services, loaders: createLoaders(start.em) }) };
  },
});

export const ENTITIES = events.entities;
export const start = events.start;
