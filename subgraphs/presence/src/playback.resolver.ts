import { Access, ForbiddenError, hitRateLimit } from '@frontrow/kit';
import { Arg, Ctx, ID, Int, Mutation, Resolver } from 'type-graphql';
import type { PresenceContext } from './context';
import { Party, PartyControlMode } from './entities/party.entity';
import { PartyRole } from './entities/party-member.entity';
import { requireMember } from './membership';
import { applyCommand, checkCommand, playbackState, staleVersion } from './playback';
import { PlaybackState } from './types';
import { PlaybackCommand } from './playback.input';

@Resolver()
export class PlaybackResolver {
  @Access({ usersOnly: true })
  @Mutation(() => PlaybackState, {
    description:
      'Changes the shared playback if it is still at expectedVersion (compare-and-set); otherwise a CONFLICT error whose extensions.current holds the state to apply and retry from.',
  })
  async controlPlayback(
    @Arg('partyId', () => ID) partyId: string,
    @Arg('command', () => PlaybackCommand) command: PlaybackCommand,
    @Arg('expectedVersion', () => Int) expectedVersion: number,
    @Ctx() ctx: PresenceContext,
  ): Promise<PlaybackState> {
    const checked = checkCommand(command);
    const { user, party, member } = await requireMember(ctx.em, partyId, ctx.principal);
    if (party.controlMode === PartyControlMode.HOST_ONLY && member.role !== PartyRole.HOST) {
      throw new ForbiddenError('Only the host controls playback in this party.');
    }
    const { max, windowSeconds } = ctx.services.settings.playbackRateLimit;
    await hitRateLimit(ctx.services.kv, `playback:${party.id}:${user.userId}`, max, windowSeconds);
    if (party.version !== expectedVersion) throw staleVersion(party, expectedVersion);
    const nowMs = Date.now();
    const next = applyCommand(party, checked, nowMs);
    const version = expectedVersion + 1;
    // The one conditional write: it succeeds only if nobody changed the playback since we read it.
    const updated = await ctx.em.nativeUpdate(
      Party,
      { id: party.id, version: expectedVersion },
      { ...next, version, playbackUpdatedBy: user.userId, updatedAt: new Date(nowMs) },
    );
    if (updated === 0) {
      const current = await ctx.em.fork().findOneOrFail(Party, { id: party.id });
      throw staleVersion(current, expectedVersion);
    }
    const state = playbackState({ ...next, version });
    await ctx.services.hub.publish(party.id, { __typename: 'PlaybackChanged', state, by: { id: user.userId } });
    return state;
  }
}
