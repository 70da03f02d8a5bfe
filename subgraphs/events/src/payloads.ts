import type { SportEvent } from './entities/sport-event.entity';
import type { Feed } from './entities/feed.entity';
import type { Moment } from './entities/moment.entity';
import type { Venue } from './entities/venue.entity';

/**
 * What the events subgraph says on the bus (routing key `events.<entity>.<verb>`).
 * Other subgraphs keep projections from these, so names here are a contract too.
 */
export const EVENT_TYPES = {
  venueCreated: 'events.venue.created',
  venueUpdated: 'events.venue.updated',
  eventCreated: 'events.event.created',
  eventUpdated: 'events.event.updated',
  eventLive: 'events.event.live',
  eventEnded: 'events.event.ended',
  eventCancelled: 'events.event.cancelled',
  feedAdded: 'events.feed.added',
  feedUpdated: 'events.feed.updated',
  momentCreated: 'events.moment.created',
} as const;

export interface FeedPayload {
  feedId: string;
  eventId: string;
  label: string;
  projection: string;
  isDefault: boolean;
  preview: boolean;
}

export function venuePayload(v: Venue) {
  return { venueId: v.id, name: v.name, city: v.city, country: v.country, timezone: v.timezone, capacity: v.capacity ?? null };
}

export function eventPayload(e: SportEvent) {
  return {
    eventId: e.id,
    title: e.title,
    sport: e.sport,
    homeTeam: e.homeTeam,
    awayTeam: e.awayTeam,
    venueId: e.venueId,
    startsAt: e.startsAt.toISOString(),
    endsAt: e.endsAt.toISOString(),
    status: e.status,
  };
}

export function feedPayload(f: Feed): FeedPayload {
  return { feedId: f.id, eventId: f.eventId, label: f.label, projection: f.projection, isDefault: f.isDefault, preview: f.preview };
}

export function momentPayload(m: Moment) {
  return { momentId: m.id, eventId: m.eventId, feedId: m.feedId, title: m.title, occurredAt: m.occurredAt.toISOString() };
}
