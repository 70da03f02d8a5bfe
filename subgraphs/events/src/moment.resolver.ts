import { Access, BadInputError, emit, emitAudit, requireRole, type AccessRule, parseId } from '@frontrow/kit';
import { Arg, Ctx, FieldResolver, Mutation, Resolver, Root } from 'type-graphql';
import type { EventsContext } from './context';
import { SportEvent } from './entities/sport-event.entity';
import { Feed } from './entities/feed.entity';
import { Moment } from './entities/moment.entity';
import { MomentInput } from './moment.input';
import { EVENT_TYPES, momentPayload } from './payloads';
import { requiredText } from './validate';

const ADMIN_WRITE: AccessRule = { scope: 'events:write', roles: ['ADMIN'] };

@Resolver(() => Moment)
export class MomentResolver {
  @FieldResolver(() => SportEvent)
  async event(@Root() moment: Moment, @Ctx() ctx: EventsContext): Promise<SportEvent> {
    const event = await ctx.loaders.event.load(moment.eventId);
    if (!event) throw new Error(`moment ${moment.id} refers to a missing event`);
    return event;
  }

  @FieldResolver(() => Feed)
  async feed(@Root() moment: Moment, @Ctx() ctx: EventsContext): Promise<Feed> {
    const feed = await ctx.loaders.feed.load(moment.feedId);
    if (!feed) throw new Error(`moment ${moment.id} refers to a missing feed`);
    return feed;
  }

  @Access(ADMIN_WRITE)
  @Mutation(() => Moment, { description: 'Admin only. The feed must belong to the event.' })
  async createMoment(@Arg('input', () => MomentInput) input: MomentInput, @Ctx() ctx: EventsContext): Promise<Moment> {
    const admin = requireRole(ctx.principal, 'ADMIN');
    const title = requiredText(input.title, 'title', 200);
    const eventId = parseId(input.eventId);
    const event = eventId ? await ctx.loaders.event.load(eventId) : null;
    if (!event) throw new BadInputError('There is no event with this id.', 'eventId');
    const feedId = parseId(input.feedId);
    const feed = feedId ? await ctx.loaders.feed.load(feedId) : null;
    if (!feed) throw new BadInputError('There is no feed with this id.', 'feedId');
    if (feed.eventId !== event.id) throw new BadInputError('This feed belongs to another event.', 'feedId');
    const moment = ctx.em.create(Moment, { eventId: event.id, feedId: feed.id, title, occurredAt: input.occurredAt });
    emit(ctx.em, EVENT_TYPES.momentCreated, momentPayload(moment));
    emitAudit(ctx.em, 'events', {
      actorId: admin.userId,
      actorRoles: admin.roles,
      action: 'events.moment.created',
      targetType: 'Moment',
      targetId: moment.id,
      details: { eventId: event.id, feedId: feed.id, title },
    });
    await ctx.em.flush();
    return moment;
  }
}
