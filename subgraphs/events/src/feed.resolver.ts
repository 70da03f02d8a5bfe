import { Access, BadInputError, NotFoundError, emit, emitAudit, requireRole, type AccessRule, parseId } from '@frontrow/kit';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { EventsContext } from './context';
import { SportEvent } from './entities/sport-event.entity';
import { Feed } from './entities/feed.entity';
import { FeedInput, UpdateFeedArgs } from './feed.input';
import { EVENT_TYPES, feedPayload } from './payloads';
import { requiredText } from './validate';

const ADMIN_WRITE: AccessRule = { scope: 'events:write', roles: ['ADMIN'] };

@Resolver(() => Feed)
export class FeedResolver {
  @Access({ public: true })
  @Query(() => Feed, { nullable: true, description: 'One feed (a seat), e.g. to ask for its playback grant; null when unknown.' })
  async feed(@Arg('id', () => ID) id: string, @Ctx() ctx: EventsContext): Promise<Feed | null> {
    const key = parseId(id);
    return key ? ctx.loaders.feed.load(key) : null;
  }

  @FieldResolver(() => SportEvent)
  async event(@Root() feed: Feed, @Ctx() ctx: EventsContext): Promise<SportEvent> {
    const event = await ctx.loaders.event.load(feed.eventId);
    if (!event) throw new Error(`feed ${feed.id} refers to a missing event`);
    return event;
  }

  @Access(ADMIN_WRITE)
  @Mutation(() => Feed, { description: 'Admin only. An event has at most one default feed and no two feeds with one label.' })
  async addFeed(@Arg('input', () => FeedInput) input: FeedInput, @Ctx() ctx: EventsContext): Promise<Feed> {
    const admin = requireRole(ctx.principal, 'ADMIN');
    const label = requiredText(input.label, 'label', 80);
    const eventId = parseId(input.eventId);
    const event = eventId ? await ctx.em.findOne(SportEvent, { id: eventId }) : null;
    if (!event) throw new BadInputError('There is no event with this id.', 'eventId');
    const isDefault = input.isDefault ?? false;
    await checkFeedRules(ctx, event.id, label, isDefault);
    const feed = ctx.em.create(Feed, { eventId: event.id, label, projection: input.projection, isDefault, preview: input.preview ?? false });
    emit(ctx.em, EVENT_TYPES.feedAdded, feedPayload(feed));
    emitAudit(ctx.em, 'events', {
      actorId: admin.userId,
      actorRoles: admin.roles,
      action: 'events.feed.added',
      targetType: 'Feed',
      targetId: feed.id,
      details: { eventId: event.id, label, projection: feed.projection, isDefault, preview: feed.preview },
    });
    await flushFeed(ctx);
    return feed;
  }

  @Access(ADMIN_WRITE)
  @Mutation(() => Feed, { description: 'Admin only. Changes only the fields given (e.g. makes a feed a free preview).' })
  async updateFeed(@Args(() => UpdateFeedArgs) { id, input }: UpdateFeedArgs, @Ctx() ctx: EventsContext): Promise<Feed> {
    const admin = requireRole(ctx.principal, 'ADMIN');
    const key = parseId(id);
    const feed = key ? await ctx.em.findOne(Feed, { id: key }) : null;
    if (!feed) throw new NotFoundError('Feed');
    const next: Partial<Pick<Feed, 'label' | 'projection' | 'isDefault' | 'preview'>> = {};
    if (input.label !== undefined) {
      if (input.label === null) throw new BadInputError('label cannot be null.', 'label');
      next.label = requiredText(input.label, 'label', 80);
    }
    for (const field of ['projection', 'isDefault', 'preview'] as const) {
      if (input[field] === null) throw new BadInputError(`${field} cannot be null.`, field);
    }
    if (input.projection !== undefined) next.projection = input.projection;
    if (input.isDefault !== undefined) next.isDefault = input.isDefault;
    if (input.preview !== undefined) next.preview = input.preview;
    const changed = (Object.keys(next) as Array<keyof typeof next>).filter((k) => feed[k] !== next[k]);
    if (changed.length === 0) return feed;
    await checkFeedRules(
      ctx,
      feed.eventId,
      changed.includes('label') ? next.label : undefined,
      changed.includes('isDefault') && next.isDefault === true,
      feed.id,
    );
    ctx.em.assign(feed, next);
    emit(ctx.em, EVENT_TYPES.feedUpdated, { ...feedPayload(feed), changed });
    emitAudit(ctx.em, 'events', {
      actorId: admin.userId,
      actorRoles: admin.roles,
      action: 'events.feed.updated',
      targetType: 'Feed',
      targetId: feed.id,
      details: { eventId: feed.eventId, changed, ...next },
    });
    await flushFeed(ctx);
    return feed;
  }
}

/** The rules the unique indexes also keep, checked first for a clear message. */
async function checkFeedRules(ctx: EventsContext, eventId: string, label: string | undefined, makesDefault: boolean, exceptId?: string): Promise<void> {
  const others = await ctx.em.find(Feed, { eventId, ...(exceptId ? { id: { $ne: exceptId } } : {}) });
  if (makesDefault && others.some((f) => f.isDefault)) {
    throw new BadInputError('This event already has a default feed; an event has at most one.', 'isDefault');
  }
  if (label !== undefined && others.some((f) => f.label.toLowerCase() === label.toLowerCase())) {
    throw new BadInputError(`This event already has a feed labelled "${label}".`, 'label');
  }
}

/** A concurrent change that the checks could not see still meets the unique indexes. */
async function flushFeed(ctx: EventsContext): Promise<void> {
  try {
    await ctx.em.flush();
  } catch (err) {
    if (err instanceof UniqueConstraintViolationException) {
      ctx.em.clear();
      if (/feed_one_default/.test(err.message)) {
        throw new BadInputError('This event already has a default feed; an event has at most one.', 'isDefault');
      }
      if (/feed_label/.test(err.message)) throw new BadInputError('This event already has a feed with this label.', 'label');
    }
    throw err;
  }
}
