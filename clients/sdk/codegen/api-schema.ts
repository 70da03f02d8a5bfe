import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Supergraph } from '@apollo/federation-internals';
import { lexicographicSortSchema, printSchema } from 'graphql';

export const ROOT = join(__dirname, '..', '..', '..');

/**
 * The schema clients see: the supergraph's API schema (no join__ directives, no
 * @inaccessible parts), printed in a stable order.
 */
export function apiSchemaSdl(supergraphPath = join(ROOT, 'supergraph.graphql')): string {
  const supergraph = Supergraph.build(readFileSync(supergraphPath, 'utf8'));
  return printSchema(lexicographicSortSchema(supergraph.apiSchema().toGraphQLJSSchema()));
}
