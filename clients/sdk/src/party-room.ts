import type { ChatFieldsFragment, MemberFieldsFragment, PartyEventsSubscription } from './generated/graphql';

/** One event of `partyEvents`, as the generated subscription types it. */
export type PartyEvent = PartyEventsSubscription['partyEvents'];

/**
 * The members after a party event: a member who joined or changed is replaced (or
 * added), one who left or was kicked is gone. Any other event returns the same array,
 * so a client's state does not change for nothing.
 */
export function membersAfter(members: MemberFieldsFragment[], e: PartyEvent): MemberFieldsFragment[] {
  switch (e.__typename) {
    case 'MemberJoined':
    case 'MemberUpdated':
      return [...members.filter((m) => m.user.id !== e.member.user.id), e.member];
    case 'MemberLeft':
    case 'MemberKicked':
      return members.filter((m) => m.user.id !== e.member.user.id);
    default:
      return members;
  }
}

/** The chat with a message added once (a sender sees its own line from the mutation and the event), the newest `keep`. */
export function withMessage(messages: ChatFieldsFragment[], message: ChatFieldsFragment, keep: number): ChatFieldsFragment[] {
  return messages.some((m) => m.id === message.id) ? messages : [...messages, message].slice(-keep);
}

/** The chat after a party event: a posted line added, a removed one gone; otherwise the same array. */
export function messagesAfter(messages: ChatFieldsFragment[], e: PartyEvent, keep: number): ChatFieldsFragment[] {
  switch (e.__typename) {
    case 'ChatPosted':
      return withMessage(messages, e.message, keep);
    case 'ChatRemoved':
      return messages.filter((m) => m.id !== e.messageId);
    default:
      return messages;
  }
}

/** Whether the event removes the signed-in member `me` from the party. */
export function kicksMe(e: PartyEvent, me: string | null | undefined): boolean {
  return e.__typename === 'MemberKicked' && !!me && e.member.user.id === me;
}
