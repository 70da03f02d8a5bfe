import { SCALARS_MAP, buildFederatedSchema } from '@frontrow/kit';
import { printSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLSchema } from 'graphql';
import { AuditResolver } from './audit.resolver';
import { PlacementResolver } from './placement.resolver';
import { QosResolver } from './qos.resolver';
import { referenceResolvers } from './reference';
import { TelemetryResolver } from './telemetry.resolver';
import { PlacementRef } from './types';

export function buildTelemetrySchema(): Promise<GraphQLSchema> {
  return buildFederatedSchema(
    {
      resolvers: [TelemetryResolver, AuditResolver, QosResolver, PlacementResolver],
      scalarsMap: SCALARS_MAP,
      // Reached only through _entities (creative returns placements; telemetry adds impressions).
      orphanedTypes: [PlacementRef],
    },
    referenceResolvers,
    { name: 'telemetry' },
  );
}

/** The SDL that supergraph.yaml composes (written to schema.graphql by `npm run compose`). */
export async function printTelemetrySdl(): Promise<string> {
  return printSubgraphSchema(await buildTelemetrySchema());
}
