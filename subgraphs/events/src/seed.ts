import { createHash } from 'node:crypto';
import { emit } from '@frontrow/kit';
import type { EntityManager } from '@mikro-orm/postgresql';
import { EventStatus, SportEvent } from './entities/sport-event.entity';
import { Feed, Projection } from './entities/feed.entity';
import { Moment } from './entities/moment.entity';
import { Venue } from './entities/venue.entity';
import { EVENT_TYPES, eventPayload, feedPayload, momentPayload, venuePayload } from './payloads';

/** Serialises concurrent seeders (several instances starting at once). */
const SEED_LOCK = 73_911_002;
const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;

/**
 * Ids of the demo data are fixed, so that other subgraphs' demo data (products,
 * placements) can name them: `demoId('event', 1)` is the same on every machine.
 */
export function demoId(kind: 'venue' | 'event' | 'feed' | 'moment', n: number): string {
  const h = createHash('sha256').update(`frontrow-demo:${kind}:${n}`).digest('hex');
  const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

interface SportPlan {
  sport: string;
  minutes: number;
  feeds: Array<{ label: string; projection: Projection }>;
  teams: string[];
}

const BASKETBALL: SportPlan = {
  sport: 'Basketball',
  minutes: 150,
  feeds: [
    { label: 'Center court', projection: Projection.EQUIRECT_MONO },
    { label: 'Under the basket', projection: Projection.EQUIRECT_STEREO_TB },
  ],
  teams: ['Boston Harbors', 'Chicago Gales', 'Denver Peaks', 'Seattle Tides'],
};

const SOCCER: SportPlan = {
  sport: 'Soccer',
  minutes: 120,
  feeds: [
    { label: 'Midfield', projection: Projection.EQUIRECT_MONO },
    { label: 'Behind the goal', projection: Projection.EQUIRECT_STEREO_TB },
  ],
  teams: ['Real Sol', 'Atlético Norte', 'CD Costa', 'Unión Sierra'],
};

const VENUES = [
  { name: 'Harbor Arena', city: 'Boston', country: 'US', timezone: 'America/New_York', capacity: 19_580, tipOffUtcHour: 23.5 },
  { name: 'Lakeside Center', city: 'Chicago', country: 'US', timezone: 'America/Chicago', capacity: 20_917, tipOffUtcHour: 24 },
  { name: 'Estadio del Sol', city: 'Madrid', country: 'ES', timezone: 'Europe/Madrid', capacity: 54_000, tipOffUtcHour: 19 },
];

/** The season: [venue index, sport, home, away, days from today (null: live now), status]. */
const SEASON: Array<[number, SportPlan, number, number, number | null, EventStatus]> = [
  [0, BASKETBALL, 0, 1, null, EventStatus.LIVE],
  [1, BASKETBALL, 1, 2, -6, EventStatus.ENDED],
  [2, SOCCER, 0, 1, -4, EventStatus.ENDED],
  [1, BASKETBALL, 1, 3, 1, EventStatus.SCHEDULED],
  [2, SOCCER, 2, 3, 2, EventStatus.SCHEDULED],
  [0, BASKETBALL, 0, 2, 4, EventStatus.SCHEDULED],
  [2, SOCCER, 0, 2, 6, EventStatus.SCHEDULED],
  [1, BASKETBALL, 1, 0, 8, EventStatus.SCHEDULED],
  [0, BASKETBALL, 0, 3, 11, EventStatus.SCHEDULED],
  [2, SOCCER, 3, 1, 13, EventStatus.SCHEDULED],
  [2, SOCCER, 1, 2, 17, EventStatus.SCHEDULED],
  [1, BASKETBALL, 2, 3, 20, EventStatus.SCHEDULED],
];

export interface SeedResult {
  /** False when events already existed and nothing was written. */
  created: boolean;
  venues: Venue[];
  events: SportEvent[];
}

/**
 * Seeds the demo season when there are no events yet: three venues, twelve events
 * over two sports (two ended, one live now, the rest in the coming weeks), two
 * feeds each (a default 360° mono one and a stereo one) and a few moments. Emits
 * the same bus events an admin's actions would, in the same transaction. Running
 * it again, or twice at once, changes nothing.
 */
/** The ids the demo season's events get (other services' demo data refers to them). */
export function demoEventIds(): string[] {
  return SEASON.map((_, i) => demoId('event', i + 1));
}

export async function seedDemo(em: EntityManager, opts: { now?: Date } = {}): Promise<SeedResult> {
  const now = opts.now ?? new Date();
  const result = await em.fork().transactional(async (tx) => {
    await tx.getConnection().execute(`select pg_advisory_xact_lock(${SEED_LOCK})`, [], 'all', tx.getTransactionContext());
    if ((await tx.count(SportEvent, {})) > 0) return { created: false, venues: [], events: [] };

    const venues = VENUES.map(({ tipOffUtcHour: _h, ...v }, i) => tx.create(Venue, { id: demoId('venue', i + 1), ...v }));
    for (const v of venues) emit(tx, EVENT_TYPES.venueCreated, venuePayload(v));

    const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
    let feedNo = 0;
    let momentNo = 0;
    const events = SEASON.map(([venueIndex, plan, home, away, days, status], i) => {
      const startsAt =
        days === null
          ? new Date(Math.floor((now.getTime() - 40 * 60 * 1000) / 60_000) * 60_000)
          : new Date(today + days * DAY + VENUES[venueIndex].tipOffUtcHour * HOUR);
      const homeTeam = plan.teams[home];
      const awayTeam = plan.teams[away];
      const event = tx.create(SportEvent, {
        id: demoId('event', i + 1),
        title: `${homeTeam} vs ${awayTeam}`,
        sport: plan.sport,
        homeTeam,
        awayTeam,
        venueId: venues[venueIndex].id,
        startsAt,
        endsAt: new Date(startsAt.getTime() + plan.minutes * 60 * 1000),
        status: EventStatus.SCHEDULED,
      });
      emit(tx, EVENT_TYPES.eventCreated, eventPayload(event));
      const feeds = plan.feeds.map((f, n) => {
        const feed = tx.create(Feed, {
          id: demoId('feed', ++feedNo),
          eventId: event.id,
          label: f.label,
          projection: f.projection,
          isDefault: n === 0,
          // The live game's second seat is a free preview, so anyone can try it.
          preview: status === EventStatus.LIVE && n === 1,
        });
        emit(tx, EVENT_TYPES.feedAdded, feedPayload(feed));
        return feed;
      });
      if (status !== EventStatus.SCHEDULED) {
        const highlights = status === EventStatus.LIVE ? ['Opening tip-off'] : [plan === SOCCER ? 'Opening goal' : 'First dunk', 'Final whistle'];
        highlights.forEach((title, n) => {
          const moment = tx.create(Moment, {
            id: demoId('moment', ++momentNo),
            eventId: event.id,
            feedId: feeds[0].id,
            title,
            occurredAt: new Date(startsAt.getTime() + (n === 0 ? 5 : plan.minutes - 5) * 60 * 1000),
          });
          emit(tx, EVENT_TYPES.momentCreated, momentPayload(moment));
        });
        // The same path the status took in real life: live first, then ended.
        const path = status === EventStatus.LIVE ? [EventStatus.LIVE] : [EventStatus.LIVE, EventStatus.ENDED];
        for (const [step, next] of path.entries()) {
          event.status = next;
          emit(tx, next === EventStatus.LIVE ? EVENT_TYPES.eventLive : EVENT_TYPES.eventEnded, {
            ...eventPayload(event),
            previousStatus: step === 0 ? EventStatus.SCHEDULED : EventStatus.LIVE,
            feeds: feeds.map((f) => {
              const { eventId: _e, ...rest } = feedPayload(f);
              return rest;
            }),
          });
        }
      }
      return event;
    });
    return { created: true, venues, events };
  });
  return result;
}
