import { Access, BadInputError, NotFoundError, emitAudit, parseId, requireUser } from '@frontrow/kit';
import { Arg, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from 'type-graphql';
import type { PresenceContext } from './context';
import { MemberStatus, PartyMember, PartyRole } from './entities/party-member.entity';
import { memberData, type MemberData } from './events';
import { requireHostOrModerator } from './membership';
import { UserRef } from './types';

@Resolver(() => PartyMember)
export class MemberResolver {
  @FieldResolver(() => UserRef)
  user(@Root() member: PartyMember | MemberData): UserRef {
    return { id: member.userId };
  }

  @FieldResolver(() => Boolean, { description: 'True while the member has a party event stream open.' })
  online(@Root() member: PartyMember | MemberData, @Ctx() ctx: PresenceContext): boolean | Promise<boolean> {
    // Members inside events and in a party's member list carry their state, answered at
    // once (no promise for each of a thousand members); an entity is looked up in one query per request.
    if ('online' in member && typeof member.online === 'boolean') return member.online;
    return ctx.loaders.online.load((member as PartyMember).partyId).then((online) => online.has(member.userId));
  }

  @Access({ usersOnly: true })
  @Mutation(() => PartyMember, { description: 'Host or moderator: a muted member may not chat or react.' })
  async muteMember(
    @Arg('partyId', () => ID) partyId: string,
    @Arg('userId', () => ID) userId: string,
    @Arg('muted', () => Boolean, { defaultValue: true }) muted: boolean,
    @Ctx() ctx: PresenceContext,
  ): Promise<PartyMember> {
    const { user, party } = await requireHostOrModerator(ctx.em, partyId, ctx.principal);
    const target = await this.target(ctx, party.id, userId);
    if (target.userId === user.userId) throw new BadInputError('You cannot mute yourself.', 'userId');
    if (target.muted !== muted) {
      target.muted = muted;
      emitAudit(ctx.em, 'presence', {
        actorId: user.userId,
        actorRoles: user.roles,
        action: muted ? 'presence.member.muted' : 'presence.member.unmuted',
        targetType: 'PartyMember',
        targetId: target.userId,
        details: { partyId: party.id },
      });
      await ctx.em.flush();
      const online = await ctx.services.hub.isOnline(ctx.em, party.id, target.userId);
      await ctx.services.hub.publish(party.id, { __typename: 'MemberUpdated', member: memberData(target, online) });
    }
    return target;
  }

  @Access({ usersOnly: true })
  @Mutation(() => Boolean, { description: 'Host or moderator: removes a member, ends their event stream, and keeps them from rejoining.' })
  async kickMember(
    @Arg('partyId', () => ID) partyId: string,
    @Arg('userId', () => ID) userId: string,
    @Ctx() ctx: PresenceContext,
  ): Promise<boolean> {
    const { user, party } = await requireHostOrModerator(ctx.em, partyId, ctx.principal);
    const target = await this.target(ctx, party.id, userId);
    if (target.userId === user.userId) throw new BadInputError('You cannot kick yourself; leave the party instead.', 'userId');
    const kicked = await ctx.em.fork().transactional(async (tx) => {
      const n = await tx.nativeUpdate(
        PartyMember,
        { id: target.id, status: MemberStatus.ACTIVE },
        { status: MemberStatus.KICKED, leftAt: new Date(), disconnectedAt: null },
      );
      if (n === 0) return false;
      emitAudit(tx, 'presence', {
        actorId: user.userId,
        actorRoles: user.roles,
        action: 'presence.member.kicked',
        targetType: 'PartyMember',
        targetId: target.userId,
        details: { partyId: party.id },
      });
      return true;
    });
    if (!kicked) throw new NotFoundError('Member');
    await ctx.services.hub.publish(party.id, { __typename: 'MemberKicked', member: memberData(target, false) });
    if (target.role === PartyRole.HOST) await ctx.services.hub.announceNewHost(party.id);
    return true;
  }

  private async target(ctx: PresenceContext, partyId: string, userId: string): Promise<PartyMember> {
    requireUser(ctx.principal);
    const id = parseId(userId);
    const target = id ? await ctx.em.findOne(PartyMember, { partyId, userId: id, status: MemberStatus.ACTIVE }) : null;
    if (!target) throw new NotFoundError('Member');
    return target;
  }
}
