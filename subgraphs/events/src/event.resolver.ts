import { Access, BadInputError, NotFoundError, emit, emitAudit, requireRole, type AccessRule, parseId } from '@frontrow/kit';
import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { EventsContext } from './context';
import { EventStatus, SportEvent } from './entities/sport-event.entity';
import { Feed } from './entities/feed.entity';
import { Moment } from './entities/moment.entity';
import { Venue } from './entities/venue.entity';
import { listEvents } from './event.connection';
import { EventConnection } from './types';
import { EventInput, EventsArgs, SetEventStatusArgs, UpdateEventArgs } from './event.input';
import { EVENT_TYPES, eventPayload } from './payloads';
import { setEventStatus } from './status';
import { checkWindow, requiredText } from './validate';

const ADMIN_WRITE: AccessRule = { scope: 'events:write', roles: ['ADMIN'] };

const TEXT_LIMITS = { title: 200, sport: 60, homeTeam: 120, awayTeam: 120 } as const;

@Resolver(() => SportEvent)
export class EventResolver {
  @Access({ public: true })
  @Query(() => EventConnection, { description: 'The schedule, ordered by startsAt then id; first defaults to 20, at most 100.' })
  async events(@Args(() => EventsArgs) { filter, first, after }: EventsArgs, @Ctx() ctx: EventsContext): Promise<EventConnection> {
    const connection = await listEvents(ctx.em, filter, first, after);
    // A feed's or moment's `event` then costs nothing.
    for (const { node } of connection.edges) ctx.loaders.event.prime(node.id, node);
    return connection;
  }

  @Access({ public: true })
  @Query(() => SportEvent, { nullable: true, description: 'Null when no event has this id.' })
  async event(@Arg('id', () => ID) id: string, @Ctx() ctx: EventsContext): Promise<SportEvent | null> {
    const key = parseId(id);
    return key ? ctx.loaders.event.load(key) : null;
  }

  @FieldResolver(() => Venue)
  async venue(@Root() event: SportEvent, @Ctx() ctx: EventsContext): Promise<Venue> {
    const venue = await ctx.loaders.venue.load(event.venueId);
    if (!venue) throw new Error(`event ${event.id} refers to a missing venue`);
    return venue;
  }

  @FieldResolver(() => [Feed], { description: 'The default feed first.' })
  feeds(@Root() event: SportEvent, @Ctx() ctx: EventsContext): Promise<Feed[]> {
    return ctx.loaders.feedsByEvent.load(event.id);
  }

  @FieldResolver(() => [Moment], { description: 'In the order they happened.' })
  moments(@Root() event: SportEvent, @Ctx() ctx: EventsContext): Promise<Moment[]> {
    return ctx.loaders.momentsByEvent.load(event.id);
  }

  @Access(ADMIN_WRITE)
  @Mutation(() => SportEvent, { description: 'Admin only. The event starts SCHEDULED.' })
  async createEvent(@Arg('input', () => EventInput) input: EventInput, @Ctx() ctx: EventsContext): Promise<SportEvent> {
    const admin = requireRole(ctx.principal, 'ADMIN');
    const title = requiredText(input.title, 'title', TEXT_LIMITS.title);
    const sport = requiredText(input.sport, 'sport', TEXT_LIMITS.sport);
    const homeTeam = requiredText(input.homeTeam, 'homeTeam', TEXT_LIMITS.homeTeam);
    const awayTeam = requiredText(input.awayTeam, 'awayTeam', TEXT_LIMITS.awayTeam);
    checkWindow(input.startsAt, input.endsAt);
    const venue = await requireVenue(ctx, input.venueId);
    const event = ctx.em.create(SportEvent, {
      title,
      sport,
      homeTeam,
      awayTeam,
      venueId: venue.id,
      startsAt: input.startsAt,
      endsAt: input.endsAt,
      status: EventStatus.SCHEDULED,
    });
    emit(ctx.em, EVENT_TYPES.eventCreated, eventPayload(event));
    emitAudit(ctx.em, 'events', {
      actorId: admin.userId,
      actorRoles: admin.roles,
      action: 'events.event.created',
      targetType: 'Event',
      targetId: event.id,
      details: { title },
    });
    await ctx.em.flush();
    return event;
  }

  @Access(ADMIN_WRITE)
  @Mutation(() => SportEvent, { description: 'Admin only. Changes only the fields given.' })
  async updateEvent(@Args(() => UpdateEventArgs) { id, input }: UpdateEventArgs, @Ctx() ctx: EventsContext): Promise<SportEvent> {
    const admin = requireRole(ctx.principal, 'ADMIN');
    const key = parseId(id);
    const event = key ? await ctx.em.findOne(SportEvent, { id: key }) : null;
    if (!event) throw new NotFoundError('Event');
    const next: Partial<Pick<SportEvent, 'title' | 'sport' | 'homeTeam' | 'awayTeam' | 'venueId' | 'startsAt' | 'endsAt'>> = {};
    for (const field of ['title', 'sport', 'homeTeam', 'awayTeam'] as const) {
      const value = input[field];
      if (value === undefined) continue;
      if (value === null) throw new BadInputError(`${field} cannot be null.`, field);
      next[field] = requiredText(value, field, TEXT_LIMITS[field]);
    }
    if (input.venueId !== undefined) {
      if (input.venueId === null) throw new BadInputError('venueId cannot be null.', 'venueId');
      next.venueId = (await requireVenue(ctx, input.venueId)).id;
    }
    for (const field of ['startsAt', 'endsAt'] as const) {
      const value = input[field];
      if (value === undefined) continue;
      if (value === null) throw new BadInputError(`${field} cannot be null.`, field);
      next[field] = value;
    }
    checkWindow(next.startsAt ?? event.startsAt, next.endsAt ?? event.endsAt);
    const changed = (Object.keys(next) as Array<keyof typeof next>).filter((k) => {
      const before = event[k];
      const after = next[k];
      return before instanceof Date && after instanceof Date ? before.getTime() !== after.getTime() : before !== after;
    });
    if (changed.length === 0) return event;
    ctx.em.assign(event, next);
    emit(ctx.em, EVENT_TYPES.eventUpdated, { ...eventPayload(event), changed });
    emitAudit(ctx.em, 'events', {
      actorId: admin.userId,
      actorRoles: admin.roles,
      action: 'events.event.updated',
      targetType: 'Event',
      targetId: event.id,
      details: { changed },
    });
    await ctx.em.flush();
    return event;
  }

  @Access(ADMIN_WRITE)
  @Mutation(() => SportEvent, {
    description: 'Admin only. SCHEDULED → LIVE → ENDED, or SCHEDULED/LIVE → CANCELLED; CONFLICT when another change got there first.',
  })
  async setEventStatus(@Args(() => SetEventStatusArgs) { id, status }: SetEventStatusArgs, @Ctx() ctx: EventsContext): Promise<SportEvent> {
    const admin = requireRole(ctx.principal, 'ADMIN');
    const event = await setEventStatus(ctx.em, id, status, admin);
    return event;
  }
}

async function requireVenue(ctx: EventsContext, venueId: string): Promise<Venue> {
  const key = parseId(venueId);
  const venue = key ? await ctx.loaders.venue.load(key) : null;
  if (!venue) throw new BadInputError('There is no venue with this id.', 'venueId');
  return venue;
}
