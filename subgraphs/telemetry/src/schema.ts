import { SCALARS_MAP, buildFederatedSchema } from '@frontrow/kit';
import { printSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLSchema } from 'graphql';
import type { PubSub } from 'type-graphql';
import { AlertResolver } from './alert.resolver';
import { AuditResolver } from './audit.resolver';
import { PlacementResolver } from './placement.resolver';
import { QosResolver } from './qos.resolver';
import { referenceResolvers } from './reference';
import { SponsorReportResolver } from './sponsor-report.resolver';
import { TelemetryResolver } from './telemetry.resolver';
import { EventRef, PlacementRef } from './types';

/**
 * type-graphql insists on a PubSub once there is a subscription, but `alerts` brings
 * its own `subscribe` (the AlertHub): this one is never used.
 */
const unusedPubSub: PubSub = {
  publish() {
    throw new Error('telemetry publishes alerts through the AlertHub');
  },
  subscribe() {
    throw new Error('telemetry subscribes to alerts through the AlertHub');
  },
};

export function buildTelemetrySchema(): Promise<GraphQLSchema> {
  return buildFederatedSchema(
    {
      resolvers: [TelemetryResolver, AuditResolver, QosResolver, PlacementResolver, AlertResolver, SponsorReportResolver],
      scalarsMap: SCALARS_MAP,
      pubSub: unusedPubSub,
      // Reached only through _entities (creative returns placements; telemetry adds impressions).
      orphanedTypes: [PlacementRef, EventRef],
    },
    referenceResolvers,
    { name: 'telemetry' },
  );
}

/** The SDL that supergraph.yaml composes (written to schema.graphql by `npm run compose`). */
export async function printTelemetrySdl(): Promise<string> {
  return printSubgraphSchema(await buildTelemetrySchema());
}
