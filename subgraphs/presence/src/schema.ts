import { CALLER_INDEPENDENT_SCHEMA, SCALARS_MAP, buildFederatedSchema } from '@frontrow/kit';
import { printSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLSchema } from 'graphql';
import type { PubSub } from 'type-graphql';
import { ChatResolver } from './chat.resolver';
import { MemberResolver } from './member.resolver';
import { PartyResolver } from './party.resolver';
import { PlaybackResolver } from './playback.resolver';
import { SubscriptionResolver } from './subscription.resolver';
import { referenceResolvers } from './reference';
import { MessageReportResolver } from './message-report.resolver';

/**
 * type-graphql insists on a PubSub once there is a subscription, but partyEvents
 * brings its own `subscribe` (the PartyHub over Redis): this one is never used.
 */
const unusedPubSub: PubSub = {
  publish() {
    throw new Error('presence publishes through the PartyHub');
  },
  subscribe() {
    throw new Error('presence subscribes through the PartyHub');
  },
};

export function buildPresenceSchema(): Promise<GraphQLSchema> {
  return buildFederatedSchema(
    {
      resolvers: [PartyResolver, PlaybackResolver, MemberResolver, ChatResolver, MessageReportResolver, SubscriptionResolver],
      scalarsMap: SCALARS_MAP,
      pubSub: unusedPubSub,
      directives: CALLER_INDEPENDENT_SCHEMA.directives,
    },
    referenceResolvers,
    { name: 'presence', ...CALLER_INDEPENDENT_SCHEMA.settings },
  );
}

/** The SDL that supergraph.yaml composes (written to schema.graphql by `npm run compose`). */
export async function printPresenceSdl(): Promise<string> {
  return printSubgraphSchema(await buildPresenceSchema());
}
