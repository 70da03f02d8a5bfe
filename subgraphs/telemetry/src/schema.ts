import { SCALARS_MAP, buildFederatedSchema } from '@frontrow/kit';
import { printSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLSchema } from 'graphql';
import { AuditResolver } from './audit.resolver';
import { referenceResolvers } from './reference';
import { TelemetryResolver } from './telemetry.resolver';

export function buildTelemetrySchema(): Promise<GraphQLSchema> {
  return buildFederatedSchema(
    {
      resolvers: [TelemetryResolver, AuditResolver],
      scalarsMap: SCALARS_MAP,
    },
    referenceResolvers,
    { name: 'telemetry' },
  );
}

/** The SDL that supergraph.yaml composes (written to schema.graphql by `npm run compose`). */
export async function printTelemetrySdl(): Promise<string> {
  return printSubgraphSchema(await buildTelemetrySchema());
}
