import { Access, BadInputError, NotFoundError, emit, emitAudit, findById, requireRole, type AccessRule } from '@frontrow/kit';
import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { EventsContext } from './context';
import { Venue } from './entities/venue.entity';
import { EVENT_TYPES, venuePayload } from './payloads';
import { VenueInput, VenueUpdateInput } from './venue.input';
import { checkCapacity, checkTimezone, requiredText } from './validate';

const ADMIN_WRITE: AccessRule = { scope: 'events:write', roles: ['ADMIN'] };

@Resolver(() => Venue)
export class VenueResolver {
  @Access({ public: true })
  @Query(() => [Venue], { description: 'Every venue, by name.' })
  venues(@Ctx() ctx: EventsContext): Promise<Venue[]> {
    return ctx.em.find(Venue, {}, { orderBy: [{ name: 'asc' }, { id: 'asc' }] });
  }

  @Access(ADMIN_WRITE)
  @Mutation(() => Venue, { description: 'Admin only.' })
  async createVenue(@Arg('input', () => VenueInput) input: VenueInput, @Ctx() ctx: EventsContext): Promise<Venue> {
    const admin = requireRole(ctx.principal, 'ADMIN');
    const venue = ctx.em.create(Venue, {
      name: requiredText(input.name, 'name', 120),
      city: requiredText(input.city, 'city', 120),
      country: requiredText(input.country, 'country', 80),
      timezone: checkTimezone(input.timezone),
      capacity: checkCapacity(input.capacity),
    });
    emit(ctx.em, EVENT_TYPES.venueCreated, venuePayload(venue));
    emitAudit(ctx.em, 'events', {
      actorId: admin.userId,
      actorRoles: admin.roles,
      action: 'events.venue.created',
      targetType: 'Venue',
      targetId: venue.id,
      details: { name: venue.name, city: venue.city },
    });
    await ctx.em.flush();
    return venue;
  }

  @Access(ADMIN_WRITE)
  @Mutation(() => Venue, { description: 'Admin only. Changes only the fields given; a null capacity means unknown.' })
  async updateVenue(
    @Arg('id', () => ID) id: string,
    @Arg('input', () => VenueUpdateInput) input: VenueUpdateInput,
    @Ctx() ctx: EventsContext,
  ): Promise<Venue> {
    const admin = requireRole(ctx.principal, 'ADMIN');
    const venue = await findById(ctx.em, Venue, id);
    if (!venue) throw new NotFoundError('Venue');
    const next: Partial<Pick<Venue, 'name' | 'city' | 'country' | 'timezone' | 'capacity'>> = {};
    for (const [field, max] of [['name', 120], ['city', 120], ['country', 80]] as const) {
      const value = input[field];
      if (value === undefined) continue;
      if (value === null) throw new BadInputError(`${field} cannot be null.`, field);
      next[field] = requiredText(value, field, max);
    }
    if (input.timezone !== undefined) {
      if (input.timezone === null) throw new BadInputError('timezone cannot be null.', 'timezone');
      next.timezone = checkTimezone(input.timezone);
    }
    if (input.capacity !== undefined) next.capacity = checkCapacity(input.capacity);
    const changed = (Object.keys(next) as Array<keyof typeof next>).filter((k) => (venue[k] ?? null) !== (next[k] ?? null));
    if (changed.length === 0) return venue;
    ctx.em.assign(venue, next);
    emit(ctx.em, EVENT_TYPES.venueUpdated, { ...venuePayload(venue), changed });
    emitAudit(ctx.em, 'events', {
      actorId: admin.userId,
      actorRoles: admin.roles,
      action: 'events.venue.updated',
      targetType: 'Venue',
      targetId: venue.id,
      details: { changed },
    });
    await ctx.em.flush();
    return venue;
  }
}
