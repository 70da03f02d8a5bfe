import { randomUUID } from 'node:crypto';
import { Field, ID, Int, ObjectType, createUnionType } from 'type-graphql';
import { ChatMessage } from './entities/chat-message.entity';
import { PartyControlMode } from './entities/party.entity';
import { PartyMember, type PartyRole } from './entities/party-member.entity';
import { PlaybackState, UserRef } from './types';

/** What a member looks like inside an event: self-contained, so no resolver needs the database. */
export interface MemberData {
  userId: string;
  role: PartyRole;
  muted: boolean;
  joinedAt: Date;
  online: boolean;
}

export interface MessageData {
  id: string;
  partyId: string;
  authorId: string;
  body: string;
  sentAt: Date;
  removedAt: Date | null;
}

export type PartyEventPayload =
  | { __typename: 'PlaybackChanged'; state: PlaybackState; by: UserRef }
  | { __typename: 'MemberJoined' | 'MemberLeft' | 'MemberKicked' | 'MemberUpdated'; member: MemberData }
  | { __typename: 'ChatPosted'; message: MessageData }
  | { __typename: 'ChatRemoved'; messageId: string }
  | { __typename: 'ReactionSent'; emoji: string; by: UserRef; count: number }
  | { __typename: 'ControlModeChanged'; controlMode: PartyControlMode; by: UserRef };

export type PartyEventName = PartyEventPayload['__typename'];

@ObjectType({ description: 'The shared playback changed (a command of a member).' })
export class PlaybackChanged {
  @Field(() => PlaybackState)
  state!: PlaybackState;

  @Field(() => UserRef)
  by!: UserRef;
}

@ObjectType()
export class MemberJoined {
  @Field(() => PartyMember)
  member!: PartyMember;
}

@ObjectType({ description: 'A member left, or was removed after being offline for the grace period.' })
export class MemberLeft {
  @Field(() => PartyMember)
  member!: PartyMember;
}

@ObjectType({ description: 'A member was removed by the host or a moderator; their own stream ends after this event.' })
export class MemberKicked {
  @Field(() => PartyMember)
  member!: PartyMember;
}

@ObjectType({ description: 'A member changed: muted or unmuted, became host, came online or went offline.' })
export class MemberUpdated {
  @Field(() => PartyMember)
  member!: PartyMember;
}

@ObjectType()
export class ChatPosted {
  @Field(() => ChatMessage)
  message!: ChatMessage;
}

@ObjectType({ description: 'A moderator removed a chat message: clients hide it.' })
export class ChatRemoved {
  @Field(() => ID)
  messageId!: string;
}

@ObjectType({ description: 'Reactions with one emoji, aggregated over about a second: `count` is how many, `by` the first to react.' })
export class ReactionSent {
  @Field(() => String)
  emoji!: string;

  @Field(() => UserRef)
  by!: UserRef;

  @Field(() => Int)
  count!: number;
}

@ObjectType({ description: 'The host changed who may control playback.' })
export class ControlModeChanged {
  @Field(() => PartyControlMode)
  controlMode!: PartyControlMode;

  @Field(() => UserRef)
  by!: UserRef;
}

export const PartyEvent = createUnionType({
  name: 'PartyEvent',
  description: 'What happens in a party, in the order the server saw it.',
  types: () =>
    [PlaybackChanged, MemberJoined, MemberLeft, ChatPosted, ReactionSent, MemberKicked, MemberUpdated, ChatRemoved, ControlModeChanged] as const,
  resolveType: (value) => (value as unknown as { __typename: string }).__typename,
});

const DATE_KEYS = new Set(['updatedAt', 'joinedAt', 'sentAt', 'removedAt']);

/** One party's events travel on this channel of the key-value store (Redis pub/sub). */
export function partyChannel(partyId: string): string {
  return `party:${partyId}`;
}

/**
 * Dates cross Redis as ISO strings. Each event gets an id when it is published, the
 * same on every instance that hears it: shared delivery names the event after which a
 * member's stream ends (kit delivery.ts).
 */
export function encodeEvent(partyId: string, event: PartyEventPayload): string {
  return JSON.stringify({ v: 1, id: randomUUID(), partyId, event });
}

const eventIds = new WeakMap<PartyEventPayload, string>();

/** The id an event was published with (events decoded from a message without one have none). */
export function eventIdOf(event: PartyEventPayload): string | undefined {
  return eventIds.get(event);
}

export function decodeEvent(message: string): { partyId: string; event: PartyEventPayload; id?: string } | null {
  try {
    const parsed = JSON.parse(message, (key, value) =>
      DATE_KEYS.has(key) && typeof value === 'string' ? new Date(value) : value,
    ) as { v?: number; id?: string; partyId?: string; event?: PartyEventPayload };
    if (parsed.v !== 1 || typeof parsed.partyId !== 'string' || !parsed.event?.__typename) return null;
    const id = typeof parsed.id === 'string' ? parsed.id : undefined;
    if (id) eventIds.set(parsed.event, id);
    return { partyId: parsed.partyId, event: parsed.event, id };
  } catch {
    return null;
  }
}

export function memberData(m: Pick<PartyMember, 'userId' | 'role' | 'muted' | 'joinedAt'>, online: boolean): MemberData {
  return { userId: m.userId, role: m.role, muted: m.muted, joinedAt: m.joinedAt, online };
}

export function messageData(m: ChatMessage): MessageData {
  return { id: m.id, partyId: m.partyId, authorId: m.authorId, body: m.body, sentAt: m.sentAt, removedAt: m.removedAt ?? null };
}
