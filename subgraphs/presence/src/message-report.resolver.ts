import { BadInputError, NotFoundError } from '@frontrow/kit';
import { Arg, Ctx, FieldResolver, Int, Resolver, Root } from 'type-graphql';
import type { PresenceContext } from './context';
import { ChatMessage } from './entities/chat-message.entity';
import { MessageReport } from './entities/message-report.entity';
import { Party } from './entities/party.entity';
import { UserRef } from './types';

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

  @FieldResolver(() => [ChatMessage], {
    description:
      'The reported message with up to `lines` messages of its party before and after it (0 to 10), oldest first; removed ones included, with their removedAt.',
  })
  async context(
    @Root() report: MessageReport,
    @Arg('lines', () => Int, { defaultValue: 3 }) lines: number,
    @Ctx() ctx: PresenceContext,
  ): Promise<ChatMessage[]> {
    if (!Number.isInteger(lines) || lines < 0 || lines > MAX_CONTEXT_LINES) throw new BadInputError(`lines must be 0 to ${MAX_CONTEXT_LINES}.`, 'lines');
    const message = await ctx.loaders.message.load(report.messageId);
    if (!message) throw new NotFoundError('Message');
    if (lines === 0) return [message];
    const { partyId, sentAt, id } = message;
    const [before, after] = await Promise.all([
      ctx.em.find(ChatMessage, { partyId, $or: [{ sentAt: { $lt: sentAt } }, { sentAt, id: { $lt: id } }] }, { orderBy: { sentAt: 'desc', id: 'desc' }, limit: lines }),
      ctx.em.find(ChatMessage, { partyId, $or: [{ sentAt: { $gt: sentAt } }, { sentAt, id: { $gt: id } }] }, { orderBy: { sentAt: 'asc', id: 'asc' }, limit: lines }),
    ]);
    return [...before.reverse(), message, ...after];
  }
}

/** The most context lines a moderator may ask for on each side of a reported message. */
const MAX_CONTEXT_LINES = 10;
