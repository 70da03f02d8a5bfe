import { loaderById, type OutboxRelay, type RequestBase } from '@frontrow/kit';
import type { EntityManager } from '@mikro-orm/postgresql';
import DataLoader from 'dataloader';
import { SportEvent } from './entities/sport-event.entity';
import { Feed } from './entities/feed.entity';
import { Moment } from './entities/moment.entity';
import { Venue } from './entities/venue.entity';

export interface EventsServices {
  relay: OutboxRelay;
}

/** One query per kind of thing asked for in one tick, however many rows ask. */
export interface EventsLoaders {
  venue: DataLoader<string, Venue | null>;
  event: DataLoader<string, SportEvent | null>;
  feed: DataLoader<string, Feed | null>;
  moment: DataLoader<string, Moment | null>;
  feedsByEvent: DataLoader<string, Feed[]>;
  momentsByEvent: DataLoader<string, Moment[]>;
}

export interface EventsContext extends RequestBase {
  em: EntityManager;
  services: EventsServices;
  loaders: EventsLoaders;
}

/** Feeds in the order clients show them: the default first, then by age. */
export const FEED_ORDER = [{ isDefault: 'desc' }, { createdAt: 'asc' }, { id: 'asc' }] as const;

export function createLoaders(em: EntityManager): EventsLoaders {
  const loaders: EventsLoaders = {
    venue: loaderById(em, Venue),
    event: loaderById(em, SportEvent),
    feed: loaderById(em, Feed),
    moment: loaderById(em, Moment),
    feedsByEvent: new DataLoader(async (eventIds) => {
      const feeds = await em.find(Feed, { eventId: { $in: [...eventIds] } }, { orderBy: [...FEED_ORDER] });
      for (const f of feeds) loaders.feed.prime(f.id, f);
      return group(eventIds, feeds, (f) => f.eventId);
    }),
    momentsByEvent: new DataLoader(async (eventIds) => {
      const moments = await em.find(Moment, { eventId: { $in: [...eventIds] } }, { orderBy: [{ occurredAt: 'asc' }, { id: 'asc' }] });
      return group(eventIds, moments, (m) => m.eventId);
    }),
  };
  return loaders;
}

function group<T>(keys: readonly string[], rows: T[], keyOf: (row: T) => string): T[][] {
  const out = new Map<string, T[]>(keys.map((k) => [k, []]));
  for (const row of rows) out.get(keyOf(row))?.push(row);
  return keys.map((k) => out.get(k) ?? []);
}
