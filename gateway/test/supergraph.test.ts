import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { composeSupergraph, readSupergraphConfig } from '../src/compose';
import { routingUrls } from '../src/supergraph';

const ROOT = join(__dirname, '..', '..');

describe('the committed supergraph', () => {
  const entries = readSupergraphConfig(join(ROOT, 'supergraph.yaml'));

  it('lists every subgraph with a routing URL and an SDL file', () => {
    expect(entries.map((e) => e.name)).toEqual(expect.arrayContaining(['identity']));
    for (const e of entries) expect(e.routingUrl).toMatch(/^http:\/\/localhost:40\d\d\/graphql$/);
  });

  it('is exactly what composition produces now, without errors', () => {
    const composed = composeSupergraph(entries);
    expect(`${composed.trim()}\n`).toBe(readFileSync(join(ROOT, 'supergraph.graphql'), 'utf8'));
  });

  it('names the routing URL of each subgraph', () => {
    const urls = routingUrls(readFileSync(join(ROOT, 'supergraph.graphql'), 'utf8'));
    for (const e of entries) expect(urls[e.name]).toBe(e.routingUrl);
  });
});
