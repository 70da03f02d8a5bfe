/** Reads each subgraph's name and routing URL from a supergraph SDL (its join__Graph enum). */
export function routingUrls(supergraphSdl: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /@join__graph\(\s*name:\s*"([^"]+)"\s*,\s*url:\s*"([^"]*)"\s*\)/g;
  for (const m of supergraphSdl.matchAll(re)) out[m[1]] = m[2];
  return out;
}
