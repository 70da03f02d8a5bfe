import { kicksMe, membersAfter, messagesAfter, withMessage, type ChatFieldsFragment, type MemberFieldsFragment, type PartyEvent } from '../src';

const member = (id: string, online = true): MemberFieldsFragment => ({ role: 'MEMBER' as MemberFieldsFragment['role'], online, muted: false, joinedAt: '2030-01-01T00:00:00Z', user: { id, displayName: id } });
const line = (id: string): ChatFieldsFragment => ({ id, body: id, sentAt: '2030-01-01T00:00:00Z', removedAt: null, author: { id: 'a', displayName: 'A' } });

describe('a party room’s state from its events', () => {
  it('replaces a member who changed, adds one who joined, drops one who left or was kicked', () => {
    const ms = [member('ana'), member('ben')];
    expect(membersAfter(ms, { __typename: 'MemberUpdated', member: member('ana', false) }).map((m) => [m.user.id, m.online])).toEqual([
      ['ben', true],
      ['ana', false],
    ]);
    expect(membersAfter(ms, { __typename: 'MemberJoined', member: member('cleo') }).map((m) => m.user.id)).toEqual(['ana', 'ben', 'cleo']);
    expect(membersAfter(ms, { __typename: 'MemberLeft', member: member('ben') }).map((m) => m.user.id)).toEqual(['ana']);
    expect(membersAfter(ms, { __typename: 'MemberKicked', member: member('ana') }).map((m) => m.user.id)).toEqual(['ben']);
    expect(membersAfter(ms, { __typename: 'ReactionSent', emoji: '🎉', count: 1, by: { id: 'ana', displayName: 'Ana' } })).toBe(ms);
  });

  it('adds a chat line once, keeps the newest, and drops a removed one', () => {
    const chat = [line('1'), line('2')];
    expect(messagesAfter(chat, { __typename: 'ChatPosted', message: line('3') }, 2).map((m) => m.id)).toEqual(['2', '3']);
    expect(messagesAfter(chat, { __typename: 'ChatPosted', message: line('2') }, 10)).toBe(chat);
    expect(withMessage(chat, line('2'), 10)).toBe(chat);
    expect(messagesAfter(chat, { __typename: 'ChatRemoved', messageId: '1' }, 10).map((m) => m.id)).toEqual(['2']);
    expect(messagesAfter(chat, { __typename: 'MemberLeft', member: member('x') } as PartyEvent, 10)).toBe(chat);
  });

  it('says when an event removes me', () => {
    const kicked: PartyEvent = { __typename: 'MemberKicked', member: member('ana') };
    expect(kicksMe(kicked, 'ana')).toBe(true);
    expect(kicksMe(kicked, 'ben')).toBe(false);
    expect(kicksMe(kicked, undefined)).toBe(false);
    expect(kicksMe({ __typename: 'MemberLeft', member: member('ana') }, 'ana')).toBe(false);
  });
});
