import { Access, BadInputError, ConflictError, ForbiddenError, emit, foreignId, hitRateLimit, requireUser } from '@frontrow/kit';
import { LockMode, UniqueConstraintViolationException } from '@mikro-orm/core';
import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { PresenceContext } from './context';
import { ChatMessage } from './entities/chat-message.entity';
import { Party, PartyControlMode } from './entities/party.entity';
import { MemberStatus, PartyMember, PartyRole } from './entities/party-member.entity';
import { memberData, type MemberData } from './events';
import { findParty, isModerator, requireMember } from './membership';
import { playbackState } from './playback';
import { EventRef, PlaybackState, ServerTime, UserRef } from './types';
import { newInviteCode, normalizeInviteCode } from './validate';

@Resolver(() => Party)
export class PartyResolver {
  @Access({ usersOnly: true })
  @Query(() => Party, { nullable: true, description: 'A party you are a member of (moderators see any).' })
  async party(@Arg('id', () => ID) id: string, @Ctx() ctx: PresenceContext): Promise<Party> {
    const user = requireUser(ctx.principal);
    const party = await findParty(ctx.em, id);
    if (!isModerator(user) && !(await ctx.loaders.isMember.load(party.id))) throw new ForbiddenError('Only members of this party may see it.');
    return party;
  }

  @Access({ usersOnly: true })
  @Query(() => [Party], { description: 'The parties the signed-in user is in, newest first.' })
  async myParties(@Ctx() ctx: PresenceContext): Promise<Party[]> {
    const user = requireUser(ctx.principal);
    const memberships = await ctx.em.find(PartyMember, { userId: user.userId, status: MemberStatus.ACTIVE });
    if (memberships.length === 0) return [];
    return ctx.em.find(Party, { id: { $in: memberships.map((m) => m.partyId) } }, { orderBy: { createdAt: 'desc' } });
  }

  @Access({ public: true })
  @Query(() => ServerTime, { description: 'The server clock, for clock synchronisation. Anyone may ask.' })
  serverTime(): ServerTime {
    const epochMs = Date.now();
    return { now: new Date(epochMs), epochMs };
  }

  @Access({ usersOnly: true })
  @Mutation(() => Party, {
    description: 'Starts a party for an event with the caller as host. feedId is optional: without it, the host picks a feed later with SWITCH_FEED.',
  })
  async createParty(
    @Arg('eventId', () => ID) eventId: string,
    @Arg('feedId', () => ID, { nullable: true }) feedId: string | null | undefined,
    @Ctx() ctx: PresenceContext,
  ): Promise<Party> {
    const user = requireUser(ctx.principal);
    const event = foreignId(eventId, 'eventId');
    const feed = feedId === null || feedId === undefined ? null : foreignId(feedId, 'feedId');
    await hitRateLimit(ctx.services.kv, `party:create:${user.userId}`, 10, 60);
    for (let attempt = 1; ; attempt++) {
      const now = new Date();
      let party: Party;
      try {
        party = await ctx.em.fork().transactional(async (tx) => {
          const created = tx.create(Party, {
            eventId: event,
            hostId: user.userId,
            inviteCode: newInviteCode(),
            maxMembers: ctx.services.settings.maxPartySize,
            feedId: feed,
            playbackUpdatedAt: now,
            createdAt: now,
          });
          // The party row first: members refer to it.
          await tx.flush();
          tx.create(PartyMember, { partyId: created.id, userId: user.userId, role: PartyRole.HOST, joinedAt: now });
          emit(tx, 'presence.party.created', {
            partyId: created.id,
            eventId: event,
            hostId: user.userId,
            feedId: feed,
            createdAt: now.toISOString(),
          });
          return created;
        });
      } catch (err) {
        // Another party drew the same invite code: draw again.
        if (err instanceof UniqueConstraintViolationException && attempt < 5) continue;
        throw err;
      }
      return party;
    }
  }

  @Access({ usersOnly: true })
  @Mutation(() => Party, { description: 'Joins the party with this invite code. Joining a party you are in changes nothing.' })
  async joinParty(@Arg('inviteCode', () => String) inviteCode: string, @Ctx() ctx: PresenceContext): Promise<Party> {
    const user = requireUser(ctx.principal);
    // Invite codes must not be guessable by trying: few attempts per user.
    await hitRateLimit(ctx.services.kv, `party:join:${user.userId}`, 20, 60);
    const code = normalizeInviteCode(inviteCode);
    if (!code) throw new BadInputError('No party has this invite code.', 'inviteCode');
    const result = await ctx.em.fork().transactional(async (tx) => {
      const party = await tx.findOne(Party, { inviteCode: code }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!party) throw new BadInputError('No party has this invite code.', 'inviteCode');
      const members = await tx.find(PartyMember, { partyId: party.id });
      const existing = members.find((m) => m.userId === user.userId);
      if (existing?.status === MemberStatus.KICKED) throw new ForbiddenError('You were removed from this party.');
      if (existing?.status === MemberStatus.ACTIVE) return { party, joined: null };
      const active = members.filter((m) => m.status === MemberStatus.ACTIVE);
      if (active.length >= party.maxMembers) {
        throw new ConflictError(`This party is full (${party.maxMembers} members).`, { field: 'inviteCode', maxMembers: party.maxMembers });
      }
      // Someone has to hold the remote: a party whose members all left gets its host back this way.
      const role = active.some((m) => m.role === PartyRole.HOST) ? PartyRole.MEMBER : PartyRole.HOST;
      if (role === PartyRole.HOST) party.hostId = user.userId;
      const now = new Date();
      let member = existing;
      if (member) {
        // A member who left comes back; a mute they had stays.
        member.status = MemberStatus.ACTIVE;
        member.role = role;
        member.joinedAt = now;
        member.leftAt = null;
        member.disconnectedAt = null;
      } else {
        member = tx.create(PartyMember, { partyId: party.id, userId: user.userId, role, joinedAt: now });
      }
      return { party, joined: member };
    });
    if (result.joined) {
      await ctx.services.hub.publish(result.party.id, { __typename: 'MemberJoined', member: memberData(result.joined, false) });
    }
    return result.party;
  }

  @Access({ usersOnly: true })
  @Mutation(() => Boolean, { description: 'Leaves the party; false when you were not in it. A host who leaves hands over to the longest-standing member.' })
  async leaveParty(@Arg('partyId', () => ID) partyId: string, @Ctx() ctx: PresenceContext): Promise<boolean> {
    const user = requireUser(ctx.principal);
    const party = await findParty(ctx.em, partyId);
    const member = await ctx.em.findOne(PartyMember, { partyId: party.id, userId: user.userId, status: MemberStatus.ACTIVE });
    if (!member) return false;
    const left = await ctx.em.nativeUpdate(
      PartyMember,
      { id: member.id, status: MemberStatus.ACTIVE },
      { status: MemberStatus.LEFT, leftAt: new Date(), disconnectedAt: null },
    );
    if (left === 0) return false;
    await ctx.services.hub.publish(party.id, { __typename: 'MemberLeft', member: memberData(member, false) });
    if (member.role === PartyRole.HOST) await ctx.services.hub.announceNewHost(party.id);
    return true;
  }

  @Access({ usersOnly: true })
  @Mutation(() => Party, { description: 'Host only: who may control playback.' })
  async setPartyControlMode(
    @Arg('partyId', () => ID) partyId: string,
    @Arg('mode', () => PartyControlMode) mode: PartyControlMode,
    @Ctx() ctx: PresenceContext,
  ): Promise<Party> {
    const { user, party, member } = await requireMember(ctx.em, partyId, ctx.principal);
    if (member.role !== PartyRole.HOST) throw new ForbiddenError('Only the host may change who controls playback.');
    if (party.controlMode !== mode) {
      party.controlMode = mode;
      await ctx.em.flush();
      await ctx.services.hub.publish(party.id, { __typename: 'ControlModeChanged', controlMode: mode, by: { id: user.userId } });
    }
    return party;
  }

  @FieldResolver(() => EventRef)
  event(@Root() party: Party): EventRef {
    return { id: party.eventId };
  }

  @FieldResolver(() => UserRef)
  host(@Root() party: Party): UserRef {
    return { id: party.hostId };
  }

  @FieldResolver(() => [PartyMember], { description: 'Active members, in the order they joined.' })
  members(@Root() party: Party, @Ctx() ctx: PresenceContext): Promise<MemberData[]> {
    return ctx.loaders.members.load(party.id);
  }

  @FieldResolver(() => PlaybackState)
  playback(@Root() party: Party): PlaybackState {
    return playbackState(party);
  }

  @FieldResolver(() => [ChatMessage], { description: 'The latest chat messages, oldest first (removed ones left out).' })
  async recentMessages(
    @Root() party: Party,
    @Arg('last', () => Int, { defaultValue: 50 }) last: number,
    @Ctx() ctx: PresenceContext,
  ): Promise<ChatMessage[]> {
    if (last < 1 || last > 200) throw new BadInputError('last must be between 1 and 200.', 'last');
    const rows = await ctx.em.find(
      ChatMessage,
      { partyId: party.id, removedAt: null },
      { orderBy: { sentAt: 'desc', id: 'desc' }, limit: last },
    );
    return rows.reverse();
  }
}
