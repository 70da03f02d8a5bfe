/**
 * Subscription fan-out through one gateway process: N fans of one party subscribe to
 * `partyEvents` over graphql-ws; the host seeks; the time from sending the mutation
 * to each fan receiving the PlaybackChanged is measured, with the gateway process's
 * memory. Two selections: presence's own fields, and with the actor's `displayName`,
 * which the gateway resolves from identity for each fan's stream.
 *
 *   npm run bench -- subscriptions                      (embedded stand-ins)
 *   DATABASE_URL=… REDIS_URL=… npm run bench -- subscriptions
 *   BENCH_SUBSCRIBERS=1000,10000 BENCH_EVENTS=5
 *
 * The gateway runs as its own process (its memory is what is measured); presence and
 * identity run in this process, with the clients.
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { createKeyValueStore, createLogger, createTransport, freePort, startEmbeddedPostgres } from '@frontrow/kit';
import { start as startIdentity } from '@frontrow/identity/src/server';
import { start as startPresence } from '@frontrow/presence/src/server';
import { ServiceProcess } from '@frontrow/platform/test/processes';
import { connect, gql } from '@frontrow/platform/test/party-harness';
import type { Client } from 'graphql-ws';
import { machine, percentile, writeSection } from './report';

process.env.LOG_LEVEL ??= 'warn';

const SIZES = (process.env.BENCH_SUBSCRIBERS ?? '1000,10000').split(',').map(Number);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 5);
const DISPLAY_NAME_UP_TO = 2_000;
const SELECTIONS = {
  'presence fields': 'by { id }',
  'with displayName from identity': 'by { id displayName }',
} as const;
type SelectionName = keyof typeof SELECTIONS;

interface Row {
  subscribers: number;
  selection: SelectionName;
  p50: number;
  p99: number;
  max: number;
  missing: number;
  rssIdleMb: number;
  rssMb: number;
  rssPeakMb: number;
  heapMb: number;
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

async function heapMb(metricsUrl: string): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  const m = /^nodejs_heap_size_used_bytes(?:\{[^}]*\})? (\d+(?:\.\d+)?(?:e\+\d+)?)/m.exec(text);
  return m ? Number(m[1]) / 2 ** 20 : NaN;
}

async function inBatches<T>(items: T[], size: number, f: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(size, items.length) }, async () => {
      while (next < items.length) await f(items[next++]);
    }),
  );
}

async function main(): Promise<void> {
  const logger = createLogger('bench-subscriptions');
  const databaseUrl = process.env.DATABASE_URL || undefined;
  const redisUrl = process.env.REDIS_URL || undefined;
  const secret = randomUUID() + randomUUID();
  const embedded = databaseUrl ? undefined : await startEmbeddedPostgres();
  const kv = createKeyValueStore(redisUrl, logger);
  const transport = createTransport(process.env.AMQP_URL || undefined, logger, 'bench');
  const tag = Date.now().toString(36);
  // The fans, presence and identity share this process and 2 cores: opening 1,000
  // streams in bursts, or 1,000 entity fetches per event, can keep a query waiting for
  // a connection longer than the default acquire timeout (5 s), and presence would
  // answer SERVICE_UNAVAILABLE. What is measured here is fan-out, not admission.
  const acquireTimeoutMs = 60_000;
  const identity = await startIdentity({
    acquireTimeoutMs,
    port: 0,
    principalSecret: secret,
    databaseUrl: databaseUrl ?? embedded!.url,
    databaseSchema: `bench_identity_${tag}`,
    dropSchemaOnStop: true,
    kv,
    transport,
  });
  const maxSize = Math.max(...SIZES);
  const presence = await startPresence({
    acquireTimeoutMs,
    port: 0,
    principalSecret: secret,
    databaseUrl: databaseUrl ?? embedded!.url,
    databaseSchema: `bench_presence_${tag}`,
    dropSchemaOnStop: true,
    kv,
    transport,
    settings: { maxPartySize: maxSize + 1, playbackRateLimit: { max: 1000, windowSeconds: 10 } },
  });
  // A fresh gateway process for each measurement: its memory is that measurement's alone.
  let gateway!: ServiceProcess;
  let gatewayPort = 0;
  const freshGateway = async (): Promise<void> => {
    await gateway?.stop();
    gatewayPort = await freePort();
    gateway = new ServiceProcess(
      'gateway',
      'gateway/src/index.ts',
      {
        PORT: String(gatewayPort),
        PRINCIPAL_SECRET: secret,
        IDENTITY_URL: new URL(identity.url).origin,
        SUBGRAPH_URL_IDENTITY: identity.url,
        SUBGRAPH_URL_PRESENCE: presence.url,
        RATE_LIMIT_PER_MINUTE: '100000',
        ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
      },
      gatewayPort,
    );
    await gateway.start();
  };
  const rows: Row[] = [];
  try {
    const host = await gql(identity.url, `mutation($i: SignUpInput!) { signUp(input: $i) { accessToken user { id } } }`, {
      i: { email: `host-${tag}@example.com`, password: 'a bench password', displayName: 'Bench Host' },
    });
    const hostToken: string = host.data!.signUp.accessToken;
    for (const n of SIZES) {
      // One identity fetch per fan per event: at 10,000 fans an event takes tens of seconds,
      // so that selection is measured at the smaller sizes only.
      const selections = (Object.keys(SELECTIONS) as SelectionName[]).filter((s) => n <= DISPLAY_NAME_UP_TO || s === 'presence fields');
      for (const selection of selections) {
        await freshGateway();
        rows.push(await measure(n, selection, hostToken));
        global.gc?.();
      }
    }
  } finally {
    await gateway?.stop();
    await presence.stop();
    await identity.stop();
    await transport.close();
    await kv.close();
    await embedded?.stop();
  }

  async function measure(n: number, selection: SelectionName, hostToken: string): Promise<Row> {
    const pid = gateway.pid!;
    const created = await gql(gateway.url, `mutation($e: ID!) { createParty(eventId: $e) { id } }`, { e: randomUUID() }, hostToken);
    const { id: partyId } = created.data!.createParty;
    // Fans: access tokens from identity (no sign-up needed to subscribe); they join presence directly.
    const fans = await Promise.all(Array.from({ length: n }, async () => {
      const userId = randomUUID();
      const { token } = await identity.tokens.issueAccessToken({ id: userId, roles: ['FAN'] });
      return { userId, token };
    }));
    // Setting up is not what is measured: the members go into presence's table in bulk
    // (joinParty one by one would take minutes at 10,000).
    const conn = presence.em.getConnection();
    for (let i = 0; i < fans.length; i += 1000) {
      const chunk = fans.slice(i, i + 1000);
      await conn.execute(
        `insert into party_member (id, party_id, user_id, role, status, muted, joined_at) values ${chunk.map(() => "(?, ?, ?, 'MEMBER', 'ACTIVE', false, now())").join(', ')}`,
        chunk.flatMap((f) => [randomUUID(), partyId, f.userId]),
        'run',
      );
    }
    global.gc?.();
    const idle = rssMb(pid);

    const query = `subscription($p: ID!) { partyEvents(partyId: $p) { __typename ... on PlaybackChanged { state { version positionMs playing updatedAt } ${SELECTIONS[selection]} } } }`;
    const received = new Map<number, number[]>();
    let waiting: { version: number; count: number; done: () => void } | undefined;
    const clients: Client[] = [];
    const stops: Array<() => void> = [];
    let started = 0;
    let failed = 0;
    await inBatches(fans, 100, async (f) => {
      const client = connect(gateway.url.replace(/^http/, 'ws'), { authorization: `Bearer ${f.token}` });
      clients.push(client);
      await new Promise<void>((resolve) => {
        const off = client.on('connected', () => {
          off();
          resolve();
        });
        stops.push(
          client.subscribe<{ partyEvents: { __typename: string; state?: { version: number } } }>(
            { query, variables: { p: partyId } },
            {
              next: (value) => {
                const e = value.data?.partyEvents;
                if (e?.__typename !== 'PlaybackChanged' || !e.state) {
                  if (value.errors) failed++;
                  return;
                }
                const at = performance.now();
                const list = received.get(e.state.version) ?? [];
                list.push(at);
                received.set(e.state.version, list);
                if (waiting && e.state.version === waiting.version && list.length >= waiting.count) waiting.done();
              },
              error: () => failed++,
              complete: () => undefined,
            },
          ),
        );
      });
      started++;
    });
    // Every stream open at presence before the first event.
    const deadline = Date.now() + 120_000;
    for (;;) {
      const [row] = await presence.em
        .getConnection()
        .execute<Array<{ n: string }>>('select count(*) as n from presence_session where party_id = ?', [partyId]);
      if (Number(row.n) >= n) break;
      if (Date.now() > deadline) throw new Error(`only ${row.n} of ${n} streams opened (${failed} failed)`);
      await new Promise((r) => setTimeout(r, 200));
    }
    global.gc?.();
    const withSubscribers = rssMb(pid);
    let peak = withSubscribers;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 100);

    const latencies: number[] = [];
    let missing = 0;
    let version = 1;
    for (let i = 0; i < EVENTS; i++) {
      const target = version + 1;
      const all = new Promise<void>((resolve) => (waiting = { version: target, count: n, done: resolve }));
      const t0 = performance.now();
      const r = await gql(
        gateway.url,
        `mutation($p: ID!, $c: PlaybackCommand!, $v: Int!) { controlPlayback(partyId: $p, command: $c, expectedVersion: $v) { version } }`,
        { p: partyId, c: { action: 'SEEK', positionMs: (i + 1) * 1000 }, v: version },
        hostToken,
      );
      if (!r.data) throw new Error(`controlPlayback: ${JSON.stringify(r.errors)}`);
      version = r.data.controlPlayback.version;
      await Promise.race([all, new Promise((res) => setTimeout(res, 60_000))]);
      const times = received.get(target) ?? [];
      missing += n - times.length;
      for (const t of times) latencies.push(t - t0);
      waiting = undefined;
    }
    clearInterval(sampler);
    const heap = await heapMb(`http://127.0.0.1:${gatewayPort}/metrics`);
    for (const stop of stops) stop();
    await Promise.all(clients.map((c) => c.dispose()));
    latencies.sort((a, b) => a - b);
    const row: Row = {
      subscribers: n,
      selection,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      max: latencies[latencies.length - 1] ?? NaN,
      missing,
      rssIdleMb: idle,
      rssMb: withSubscribers,
      rssPeakMb: peak,
      heapMb: heap,
    };
    console.log(
      `${String(n).padStart(6)} subscribers, ${selection.padEnd(30)} p50 ${row.p50.toFixed(0)} ms, p99 ${row.p99.toFixed(0)} ms, max ${row.max.toFixed(0)} ms, ` +
        `missing ${missing}; gateway RSS ${idle.toFixed(0)} → ${withSubscribers.toFixed(0)} MB (peak ${peak.toFixed(0)}), heap ${heap.toFixed(0)} MB; ${started} subscribed, ${failed} failed`,
    );
    // Let the streams close before the next round.
    await new Promise((r) => setTimeout(r, 1000));
    return row;
  }

  const backing = databaseUrl ? `PostgreSQL${redisUrl ? ', Redis' : ''}` : 'embedded stand-ins';
  const table = rows
    .map(
      (r) =>
        `| ${r.subscribers.toLocaleString('en')} | ${r.selection} | ${r.p50.toFixed(0)} ms | **${r.p99.toFixed(0)} ms** | ${r.max.toFixed(0)} ms | ${r.missing} | ${r.rssIdleMb.toFixed(0)} MB | **${r.rssMb.toFixed(0)} MB** | ${r.rssPeakMb.toFixed(0)} MB | ${r.heapMb.toFixed(0)} MB |`,
    )
    .join('\n');
  const goal = rows.find((r) => r.subscribers === 10_000 && r.selection === 'presence fields');
  const verdict = goal
    ? `10,000 subscribers, presence fields: p99 ${goal.p99.toFixed(0)} ms (goal ≤ 250 ms: ${goal.p99 <= 250 ? 'met' : '**not met**'}), ${goal.rssPeakMb.toFixed(0)} MB at peak (goal ≤ 300 MB: ${goal.rssPeakMb <= 300 ? 'met' : '**not met**'}).`
    : 'The 10,000-subscriber run was not part of this measurement.';
  writeSection(
    '## Subscriptions: fan-out through one gateway',
    `\`npm run bench -- subscriptions\`: N fans of one party, each with its own access token and
its own graphql-ws connection to one gateway process, subscribe to \`partyEvents\`; the host
seeks ${EVENTS} times through the gateway. Latency is from sending \`controlPlayback\` to a fan
receiving the \`PlaybackChanged\` (the mutation's commit, Redis pub/sub, presence's stream,
the gateway's upstream connection, the fan's socket); all ${EVENTS} × N deliveries are counted.
Each measurement has a fresh gateway process; its memory is the resident set: idle (before the fans connect), with
the N subscriptions open, and the peak while events were delivered; heap is V8's used heap
at the end. The fans (clients), presence and identity share the other process, on the same
2 cores. "With displayName" needs identity for each fan's stream: one entity fetch per fan
per event, with that fan's identity (see docs/decisions/0008-subscriptions-through-the-gateway.md),
so it is measured up to ${DISPLAY_NAME_UP_TO.toLocaleString('en')} fans.
Backing: ${backing}.

| subscribers | selection | p50 | p99 | max | missing | gateway RSS idle | with subscribers | peak | heap |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
${table}

${verdict}

Machine: ${machine()}; ${new Date().toISOString().slice(0, 10)}.`,
  );
  console.log('wrote "## Subscriptions: fan-out through one gateway" in docs/benchmarks.md');
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
