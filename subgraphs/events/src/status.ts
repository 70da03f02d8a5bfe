import { BadInputError, ConflictError, NotFoundError, emit, emitAudit, type Principal, parseId } from '@frontrow/kit';
import type { EntityManager } from '@mikro-orm/postgresql';
import { FEED_ORDER } from './context';
import { EventStatus, SportEvent } from './entities/sport-event.entity';
import { Feed } from './entities/feed.entity';
import { EVENT_TYPES, eventPayload, feedPayload } from './payloads';

/** The only moves an event's status can make. */
export const TRANSITIONS: Readonly<Record<EventStatus, readonly EventStatus[]>> = {
  [EventStatus.SCHEDULED]: [EventStatus.LIVE, EventStatus.CANCELLED],
  [EventStatus.LIVE]: [EventStatus.ENDED, EventStatus.CANCELLED],
  [EventStatus.ENDED]: [],
  [EventStatus.CANCELLED]: [],
};

const ANNOUNCEMENT: Partial<Record<EventStatus, string>> = {
  [EventStatus.LIVE]: EVENT_TYPES.eventLive,
  [EventStatus.ENDED]: EVENT_TYPES.eventEnded,
  [EventStatus.CANCELLED]: EVENT_TYPES.eventCancelled,
};

export function checkTransition(from: EventStatus, to: EventStatus): void {
  if (TRANSITIONS[from].includes(to)) return;
  const allowed = TRANSITIONS[from];
  throw new BadInputError(
    `An event cannot go from ${from} to ${to}; from ${from} it can go to ${allowed.length ? allowed.join(' or ') : 'nothing (it is final)'}.`,
    'status',
  );
}

/**
 * Moves an event from the status it was seen in (`from`) to `to`. The update is
 * conditional on the status still being `from`, so of two concurrent moves only
 * one succeeds; the other gets CONFLICT. The announcement on the bus and the audit
 * entry commit in the same transaction.
 */
export async function transitionEvent(
  em: EntityManager,
  eventId: string,
  from: EventStatus,
  to: EventStatus,
  actor: Principal,
): Promise<SportEvent> {
  checkTransition(from, to);
  const moved = await em.transactional(async (tx) => {
    const changed = await tx.nativeUpdate(SportEvent, { id: eventId, status: from }, { status: to, updatedAt: new Date() });
    if (changed === 0) return null;
    const event = await tx.findOneOrFail(SportEvent, { id: eventId }, { refresh: true });
    const feeds = await tx.find(Feed, { eventId }, { orderBy: [...FEED_ORDER] });
    emit(tx, ANNOUNCEMENT[to] as string, {
      ...eventPayload(event),
      previousStatus: from,
      feeds: feeds.map((f) => {
        const { eventId: _e, ...rest } = feedPayload(f);
        return rest;
      }),
    });
    emitAudit(tx, 'events', {
      actorId: actor.userId,
      actorRoles: actor.roles,
      action: 'events.event.status_changed',
      targetType: 'Event',
      targetId: eventId,
      details: { from, to },
    });
    return event;
  });
  if (!moved) {
    const current = await em.findOne(SportEvent, { id: eventId }, { refresh: true });
    if (!current) throw new NotFoundError('Event');
    throw new ConflictError(`The event's status changed meanwhile (it is now ${current.status}); reload it and try again.`, {
      field: 'status',
      currentStatus: current.status,
    });
  }
  return em.findOneOrFail(SportEvent, { id: eventId }, { refresh: true });
}

/** setEventStatus: reads the current status, checks the move, then makes it conditionally. */
export async function setEventStatus(em: EntityManager, eventId: string, to: EventStatus, actor: Principal): Promise<SportEvent> {
  const key = parseId(eventId);
  const event = key ? await em.findOne(SportEvent, { id: key }, { refresh: true }) : null;
  if (!event) throw new NotFoundError('Event');
  return transitionEvent(em, event.id, event.status, to, actor);
}
