import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import YAML from 'yaml';

export interface SubgraphEntry {
  name: string;
  routingUrl: string;
  schemaFile: string;
}

/** Reads supergraph.yaml (Rover's format): each subgraph, its routing URL and SDL file. */
export function readSupergraphConfig(path: string): SubgraphEntry[] {
  const doc = YAML.parse(readFileSync(path, 'utf8')) as {
    subgraphs?: Record<string, { routing_url?: string; schema?: { file?: string } }>;
  };
  const base = dirname(resolve(path));
  return Object.entries(doc.subgraphs ?? {}).map(([name, s]) => {
    if (!s.routing_url || !s.schema?.file) throw new Error(`supergraph.yaml: subgraph "${name}" needs routing_url and schema.file`);
    return { name, routingUrl: s.routing_url, schemaFile: resolve(base, s.schema.file) };
  });
}

/** Composes the subgraphs' SDL files into a supergraph SDL, or throws with every composition error. */
export function composeSupergraph(entries: SubgraphEntry[]): string {
  const result = composeServices(
    entries.map((e) => ({ name: e.name, url: e.routingUrl, typeDefs: parse(readFileSync(e.schemaFile, 'utf8')) })),
  );
  if (result.errors?.length || !result.supergraphSdl) {
    throw new Error(`Composition failed:\n${(result.errors ?? []).map((e) => `- ${e.message}`).join('\n')}`);
  }
  return result.supergraphSdl;
}
