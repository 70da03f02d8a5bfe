/**
 * FrontRow's gateway (`startGateway`, as `npm run start:gateway` starts it) in a process
 * of its own, for bench/gateway.ts: SUPERGRAPH_PATH, PORT, PRINCIPAL_SECRET,
 * SUBGRAPH_URLS (JSON, name → URL), INFLIGHT_DEDUPLICATION (false turns it off),
 * MAX_OPERATION_COST (the cost limit, when not the default),
 * REDIS_URL (optional) with KV_PREFIX, so that its
 * rate-limit counters are the run's own. The per-caller rate limits are raised: the load
 * generator is one address, or one fan, sending far more than a person would.
 */
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { startGateway } from '@frontrow/gateway/src/server';
import { createKeyValueStore, createLogger } from '@frontrow/kit';
import { onParentGone } from './children';

async function main(): Promise<void> {
  const logger = createLogger('bench-gateway');
  const kv = createKeyValueStore(process.env.REDIS_URL || undefined, logger, process.env.KV_PREFIX ?? 'bench-gateway:');
  const handle = await startGateway({
    port: Number(process.env.PORT),
    host: '127.0.0.1',
    supergraphSdl: readFileSync(process.env.SUPERGRAPH_PATH!, 'utf8'),
    principalSecret: process.env.PRINCIPAL_SECRET!,
    subgraphUrls: JSON.parse(process.env.SUBGRAPH_URLS ?? '{}') as Record<string, string>,
    kv,
    rateLimits: { perPrincipalPerMinute: 100_000_000, anonymousPerMinute: 100_000_000 },
    inflightDeduplication: process.env.INFLIGHT_DEDUPLICATION !== 'false',
    ...(process.env.MAX_OPERATION_COST ? { cost: { maxCost: Number(process.env.MAX_OPERATION_COST) } } : {}),
    logger,
  });
  onParentGone(async () => {
    await handle.stop();
    await kv.close();
  });
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
