import { NotFoundError } from '@frontrow/kit';
import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
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
}
