import { Access, enforceAccess, requireId, requireUser, type AccessRule } from '@frontrow/kit';
import { Arg, ID, Resolver, Root, Subscription } from 'type-graphql';
import type { PresenceContext } from './context';
import { PartyEvent, type PartyEventPayload } from './events';

/** Members, signed in (no API keys); membership is checked by the hub. */
const PARTY_EVENTS_ACCESS: AccessRule = { usersOnly: true };

@Resolver()
export class SubscriptionResolver {
  @Access(PARTY_EVENTS_ACCESS)
  @Subscription(() => PartyEvent, {
    description:
      'What happens in a party, for its members (over graphql-ws). A member who is kicked or leaves gets that event, then the stream completes.',
    subscribe: async ({ args, context }) => {
      const ctx = context as PresenceContext;
      enforceAccess(PARTY_EVENTS_ACCESS, ctx.principal);
      const user = requireUser(ctx.principal);
      return ctx.services.hub.openStream(requireId(args.partyId, 'Party'), user.userId);
    },
  })
  partyEvents(@Root() event: PartyEventPayload, @Arg('partyId', () => ID) _partyId: string): PartyEventPayload {
    return event;
  }
}
