import { Access, enforceAccess, requireId, requireUser, type AccessRule } from '@frontrow/kit';
import { Arg, Directive, ID, Resolver, Root, Subscription } from 'type-graphql';
import type { PresenceContext } from './context';
import { PartyEvent, type PartyEventPayload } from './events';

/** Members, signed in (no API keys); membership is checked by the hub. */
const PARTY_EVENTS_ACCESS: AccessRule = { usersOnly: true };

@Resolver()
export class SubscriptionResolver {
  @Access(PARTY_EVENTS_ACCESS)
  // Every member hears the same events: the gateway admits each member and delivers one stream to all (kit delivery.ts).
  @Directive('@callerIndependent')
  @Subscription(() => PartyEvent, {
    description:
      'What happens in a party, for its members (over graphql-ws). A member who is kicked or leaves gets that event, then the stream completes.',
    subscribe: async ({ args, context }) => {
      const ctx = context as PresenceContext;
      const partyId = requireId(args.partyId, 'Party');
      // Only the gateway can open a subscription here (its signature); a shared stream
      // is the gateway's own, for the members it admitted through their admission streams.
      if (ctx.delivery === 'shared') return ctx.services.hub.openSharedStream(partyId, ctx.resumed === true);
      enforceAccess(PARTY_EVENTS_ACCESS, ctx.principal);
      const user = requireUser(ctx.principal);
      return ctx.services.hub.openStream(partyId, user.userId, ctx.delivery === 'admission');
    },
  })
  partyEvents(@Root() event: PartyEventPayload, @Arg('partyId', () => ID) _partyId: string): PartyEventPayload {
    return event;
  }
}
