import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DocumentNode } from 'graphql';
import { createFrontRowClient, memoryStorage } from '../src';
import * as generated from '../src/generated/graphql';

interface Manifest {
  operations: Array<{ name: string; type: string; hash: string; text: string }>;
}

const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'gateway', 'persisted-operations.json'), 'utf8')) as Manifest;

/**
 * The gateway's list of first-party operations (gateway/persisted-operations.json) holds
 * what the SDK's Apollo Client really sends: each document is run through a client
 * whose fetch records the request, and the hash its persisted-query link sends, and the
 * text it sends after that, must be the ones listed.
 */
describe('the persisted operations', () => {
  const documents = Object.entries(generated).filter((e): e is [string, DocumentNode] => e[0].endsWith('Document'));

  it('hold every document of the SDK under the hash and text its client sends', async () => {
    const sent: Array<{ operationName?: string; query?: string; extensions?: { persistedQuery?: { sha256Hash?: string } } }> = [];
    const fetchSpy: typeof fetch = async (_url, init) => {
      const body = JSON.parse(String(init?.body)) as (typeof sent)[number];
      sent.push(body);
      // Not known by hash: the link sends the text next, as it would to a gateway.
      const reply = body.query ? { data: null } : { errors: [{ message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }] };
      return new Response(JSON.stringify(reply), { status: 200, headers: { 'content-type': 'application/json' } });
    };
    const client = createFrontRowClient({ url: 'http://127.0.0.1:1/graphql', fetch: fetchSpy, storage: memoryStorage(), subscriptions: false });
    try {
      for (const [, query] of documents) {
        const kind = query.definitions.find((d) => d.kind === 'OperationDefinition')?.operation;
        if (kind === 'mutation') await client.apollo.mutate({ mutation: query, errorPolicy: 'all' }).catch(() => undefined);
        else if (kind === 'subscription') {
          await new Promise<void>((resolve) => {
            const sub = client.apollo.subscribe({ query }).subscribe({ next: () => resolve(), error: () => resolve(), complete: () => resolve() });
            setImmediate(() => {
              sub.unsubscribe();
              resolve();
            });
          });
        } else await client.apollo.query({ query, fetchPolicy: 'network-only', errorPolicy: 'all' }).catch(() => undefined);
      }
    } finally {
      await client.dispose();
    }
    const byHash = new Map(manifest.operations.map((o) => [o.hash, o]));
    const hashes = sent.filter((b) => !b.query).map((b) => b.extensions?.persistedQuery?.sha256Hash);
    const texts = sent.filter((b) => b.query).map((b) => b.query);
    expect(hashes.length).toBeGreaterThanOrEqual(documents.length - documents.filter(([, d]) => d.definitions.some((x) => x.kind === 'OperationDefinition' && x.operation === 'subscription')).length);
    expect(hashes.filter((h) => !h || !byHash.has(h))).toEqual([]);
    expect(texts.filter((t) => !manifest.operations.some((o) => o.text === t))).toEqual([]);
  });

  it('list each operation once per text, named, with the SHA-256 of that text', () => {
    expect(manifest.operations.length).toBeGreaterThan(documents.length);
    for (const o of manifest.operations) expect(o.hash).toBe(createHash('sha256').update(o.text).digest('hex'));
    expect(new Set(manifest.operations.map((o) => o.hash)).size).toBe(manifest.operations.length);
  });
});
