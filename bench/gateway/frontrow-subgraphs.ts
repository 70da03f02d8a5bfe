/**
 * FrontRow's seven subgraphs in one process for bench/gateway.ts, as the test platform
 * starts them (platform/test/test-platform.ts): schemas and queues of their own in the
 * services named by DATABASE_URL, REDIS_URL and AMQP_URL (embedded stand-ins without
 * them; Redis keys under KV_PREFIX), the demo season and its catalog seeded, signed with
 * PRINCIPAL_SECRET. Prints
 * one line, `SUBGRAPHS {json}`, with the subgraphs' URLs and a demo event's id once they
 * serve; stops (schemas dropped, queues deleted) on SIGTERM, SIGINT or when its parent
 * closes its stdin.
 */
import 'reflect-metadata';
import { demoEventIds } from '@frontrow/events/src/seed';
import { createKeyValueStore, createLogger } from '@frontrow/kit';
import { startTestPlatform } from '@frontrow/platform/test/test-platform';
import { SUBGRAPHS_LINE, onParentGone } from './children';

async function main(): Promise<void> {
  const kv = createKeyValueStore(process.env.REDIS_URL || undefined, createLogger('bench-subgraphs'), process.env.KV_PREFIX ?? 'bench-gateway:');
  const world = await startTestPlatform('bench_gw', { principalSecret: process.env.PRINCIPAL_SECRET!, seedDemo: true, kv });
  onParentGone(async () => {
    await world.stop();
    await kv.close();
  });
  const { services } = world.platform;
  const subgraphUrls = Object.fromEntries(Object.entries(services).map(([name, h]) => [name, h.url]));
  process.stdout.write(`${SUBGRAPHS_LINE} ${JSON.stringify({ subgraphUrls, eventId: demoEventIds()[0] })}\n`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
