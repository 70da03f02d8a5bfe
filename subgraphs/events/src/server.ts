import {
  KIT_ENTITIES,
  OutboxRelay,
  createLogger,
  openSubgraphStorage,
  startSubgraphServer,
  type BusTransport,
  type ServiceHandle,
  type SubgraphOptions,
} from '@frontrow/kit';
import type { EntityManager } from '@mikro-orm/postgresql';
import { createLoaders, type EventsContext } from './context';
import { SportEvent } from './entities/event.entity';
import { Feed } from './entities/feed.entity';
import { Moment } from './entities/moment.entity';
import { Venue } from './entities/venue.entity';
import { migrations } from './migrations';
import { buildEventsSchema } from './schema';
import { seedDemo } from './seed';

export const ENTITIES = [Venue, SportEvent, Feed, Moment, ...KIT_ENTITIES];

export interface EventsOptions extends SubgraphOptions {
  /** Seeds the demo season at start-up when there are no events yet. */
  seedDemo?: boolean;
}

export interface EventsHandle extends ServiceHandle {
  em: EntityManager;
  relay: OutboxRelay;
  transport: BusTransport;
}

export async function start(opts: EventsOptions): Promise<EventsHandle> {
  const logger = opts.logger ?? createLogger('events');
  const storage = await openSubgraphStorage('events', opts, { entities: ENTITIES, migrations, logger });
  const { em, transport, relay } = storage;
  if (opts.seedDemo) {
    const seeded = await seedDemo(em);
    if (seeded.created) logger.info({ venues: seeded.venues.length, events: seeded.events.length }, 'seeded the demo season');
  }

  const schema = await buildEventsSchema();
  const services = { relay };
  const handle = await startSubgraphServer<EventsContext>({
    name: 'events',
    port: opts.port,
    host: opts.host,
    schema,
    logger,
    principalSecret: opts.principalSecret,
    exposeInternals: opts.exposeInternals,
    context(base) {
      const reqEm = em.fork();
      return { ...base, em: reqEm, services, loaders: createLoaders(reqEm) };
    },
    health: async () => {
      await em.getConnection().execute('select 1');
    },
    async onStop() {
      await storage.close();
    },
  });
  relay.start();
  return { ...handle, em, relay, transport };
}
