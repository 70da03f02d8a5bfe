import { Access, BadInputError, ForbiddenError, NotFoundError, cursorCodec, emitAudit, findById, hitRateLimit, pageOf, pageSize, requireRole, requireUser } from '@frontrow/kit';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { PresenceContext } from './context';
import { ChatMessage } from './entities/chat-message.entity';
import { MessageReport } from './entities/message-report.entity';
import { Party } from './entities/party.entity';
import { MemberStatus, PartyMember, PartyRole } from './entities/party-member.entity';
import { messageData, type MessageData } from './events';
import { isModerator, requireMember } from './membership';
import { MessageReportConnection, UserRef } from './types';
import { checkEmoji, checkText } from './validate';

export const MAX_CHAT_LENGTH = 500;

@Resolver(() => ChatMessage)
export class ChatResolver {
  @Access({ usersOnly: true })
  @Mutation(() => ChatMessage, { description: 'Members only; 1 to 500 characters; rate-limited; not while muted.' })
  async sendChatMessage(
    @Arg('partyId', () => ID) partyId: string,
    @Arg('body', () => String) body: string,
    @Ctx() ctx: PresenceContext,
  ): Promise<ChatMessage> {
    const text = checkText(body, 'body', MAX_CHAT_LENGTH);
    const { user, party, member } = await requireMember(ctx.em, partyId, ctx.principal);
    if (member.muted) throw new ForbiddenError('You are muted in this party.');
    const { max, windowSeconds } = ctx.services.settings.chatRateLimit;
    await hitRateLimit(ctx.services.kv, `chat:${party.id}:${user.userId}`, max, windowSeconds);
    const message = ctx.em.create(ChatMessage, { partyId: party.id, authorId: user.userId, body: text, sentAt: new Date() });
    await ctx.em.flush();
    await ctx.services.hub.publish(party.id, { __typename: 'ChatPosted', message: messageData(message) });
    return message;
  }

  @Access({ usersOnly: true })
  @Mutation(() => Boolean, { description: 'Members only; one emoji; rate-limited. Published about a second later, counted with the others.' })
  async react(
    @Arg('partyId', () => ID) partyId: string,
    @Arg('emoji', () => String) emoji: string,
    @Ctx() ctx: PresenceContext,
  ): Promise<boolean> {
    const value = checkEmoji(emoji);
    const { user, party, member } = await requireMember(ctx.em, partyId, ctx.principal);
    if (member.muted) throw new ForbiddenError('You are muted in this party.');
    const { max, windowSeconds } = ctx.services.settings.reactionRateLimit;
    await hitRateLimit(ctx.services.kv, `react:${party.id}:${user.userId}`, max, windowSeconds);
    await ctx.services.hub.react(party.id, value, user.userId);
    return true;
  }

  @Access({ usersOnly: true })
  @Mutation(() => Boolean, { description: 'Moderators, or the party\'s host: takes a message down and closes its reports.' })
  async removeMessage(@Arg('messageId', () => ID) messageId: string, @Ctx() ctx: PresenceContext): Promise<boolean> {
    const user = requireUser(ctx.principal);
    const message = await findById(ctx.em, ChatMessage, messageId);
    if (!message) throw new NotFoundError('Message');
    if (!isModerator(user)) {
      const host = await ctx.em.findOne(PartyMember, {
        partyId: message.partyId,
        userId: user.userId,
        status: MemberStatus.ACTIVE,
        role: PartyRole.HOST,
      });
      if (!host) throw new ForbiddenError('Only moderators or the party\'s host may remove messages.');
    }
    if (message.removedAt) return true;
    const now = new Date();
    message.removedAt = now;
    message.removedById = user.userId;
    const reports = await ctx.em.find(MessageReport, { messageId: message.id, resolvedAt: null });
    for (const r of reports) Object.assign(r, { resolvedAt: now, resolvedById: user.userId, resolution: 'removed' });
    emitAudit(ctx.em, 'presence', {
      actorId: user.userId,
      actorRoles: user.roles,
      action: 'presence.message.removed',
      targetType: 'ChatMessage',
      targetId: message.id,
      details: { partyId: message.partyId, authorId: message.authorId, reports: reports.length },
    });
    await ctx.em.flush();
    await ctx.services.hub.publish(message.partyId, { __typename: 'ChatRemoved', messageId: message.id });
    return true;
  }

  @Access({ usersOnly: true })
  @Mutation(() => Boolean, { description: 'Members: flags a message for the moderators. Reporting it again changes nothing.' })
  async reportMessage(
    @Arg('messageId', () => ID) messageId: string,
    @Arg('reason', () => String) reason: string,
    @Ctx() ctx: PresenceContext,
  ): Promise<boolean> {
    const text = checkText(reason, 'reason', 500);
    const user = requireUser(ctx.principal);
    const message = await findById(ctx.em, ChatMessage, messageId);
    if (!message) throw new NotFoundError('Message');
    await requireMember(ctx.em, message.partyId, user);
    if (message.authorId === user.userId) throw new BadInputError('You cannot report your own message.', 'messageId');
    await hitRateLimit(ctx.services.kv, `report:${user.userId}`, 30, 60 * 60);
    if (await ctx.em.findOne(MessageReport, { messageId: message.id, reporterId: user.userId })) return true;
    ctx.em.create(MessageReport, { messageId: message.id, partyId: message.partyId, reporterId: user.userId, reason: text });
    try {
      await ctx.em.flush();
    } catch (err) {
      if (!(err instanceof UniqueConstraintViolationException)) throw err;
    }
    return true;
  }

  @Access({ scope: 'moderation:write', roles: ['MODERATOR'] })
  @Mutation(() => Boolean, { description: 'Moderators: closes a report without removing the message.' })
  async dismissReport(@Arg('reportId', () => ID) reportId: string, @Ctx() ctx: PresenceContext): Promise<boolean> {
    const moderator = requireRole(ctx.principal, 'MODERATOR');
    const report = await findById(ctx.em, MessageReport, reportId);
    if (!report) throw new NotFoundError('Report');
    if (report.resolvedAt) return true;
    Object.assign(report, { resolvedAt: new Date(), resolvedById: moderator.userId, resolution: 'dismissed' });
    emitAudit(ctx.em, 'presence', {
      actorId: moderator.userId,
      actorRoles: moderator.roles,
      action: 'presence.report.dismissed',
      targetType: 'MessageReport',
      targetId: report.id,
      details: { messageId: report.messageId, partyId: report.partyId },
    });
    await ctx.em.flush();
    return true;
  }

  @Access({ scope: 'moderation:read', roles: ['MODERATOR'] })
  @Query(() => MessageReportConnection, { description: 'Moderators: open reports, oldest first.' })
  async moderationQueue(
    @Arg('first', () => Int, { nullable: true }) first: number | null | undefined,
    @Arg('after', () => String, { nullable: true }) after: string | null | undefined,
    @Ctx() ctx: PresenceContext,
  ): Promise<MessageReportConnection> {
    requireRole(ctx.principal, 'MODERATOR');
    const size = pageSize(first);
    const cursor = after ? cursors.decode(after) : null;
    const where = cursor
      ? {
          resolvedAt: null,
          $or: [{ createdAt: { $gt: cursor.at } }, { createdAt: cursor.at, id: { $gt: cursor.id } }],
        }
      : { resolvedAt: null };
    const rows = await ctx.em.find(MessageReport, where, { orderBy: { createdAt: 'asc', id: 'asc' }, limit: size + 1 });
    // Reports before the cursor may have been resolved since: the queue does not say.
    return pageOf(rows, size, (node) => cursors.encode({ at: node.createdAt, id: node.id }), false);
  }

  @FieldResolver(() => UserRef)
  author(@Root() message: ChatMessage | MessageData): UserRef {
    return { id: message.authorId };
  }
}

@Resolver(() => MessageReport)
export class MessageReportResolver {
  @FieldResolver(() => ChatMessage)
  async message(@Root() report: MessageReport, @Ctx() ctx: PresenceContext): Promise<ChatMessage> {
    const message = await ctx.loaders.message.load(report.messageId);
    if (!message) throw new NotFoundError('Message');
    return message;
  }

  @FieldResolver(() => UserRef)
  reporter(@Root() report: MessageReport): UserRef {
    return { id: report.reporterId };
  }

  @FieldResolver(() => Party)
  async party(@Root() report: MessageReport, @Ctx() ctx: PresenceContext): Promise<Party> {
    const party = await ctx.loaders.party.load(report.partyId);
    if (!party) throw new NotFoundError('Party');
    return party;
  }
}

/** The moderation queue's cursors: a report's place in it (createdAt, id), oldest first. */
const cursors = cursorCodec('mr1');
