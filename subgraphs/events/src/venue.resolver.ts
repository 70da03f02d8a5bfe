import { Access, emit, emitAudit, requireRole, type AccessRule } from '@frontrow/kit';
import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { EventsContext } from './context';
import { Venue } from './entities/venue.entity';
import { EVENT_TYPES, venuePayload } from './payloads';
import { VenueInput } from './venue.input';
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
}
