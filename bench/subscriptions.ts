/**
 * Subscription fan-out through one gateway process: N fans of one party subscribe to
 * `partyEvents` over graphql-ws; the host seeks; the time from sending the mutation
 * to each fan receiving the PlaybackChanged is measured, with the gateway process's
 * memory. Two selections: presence's own fields, and with the actor's `displayName`,
 * which the gateway resolves from identity for each fan's stream.
 *
 *   npm run bench -- subscriptions                      (embedded stand-ins)
 *   DATABASE_URL=… REDIS_URL=… npm run bench -- subscriptions
 *   BENCH_SUBSCRIBERS=1000,10000 BENCH_EVENTS=5 BENCH_SELECTIONS=presence   (selections whose name starts so)
 *   BENCH_HEAP_SNAPSHOT=1 SERVICE_NODE_ARGS=--heapsnapshot-signal=SIGUSR2    (a heap snapshot of the gateway with its subscribers)
 *
 * The gateway and presence each run as a process of their own (the gateway's memory is
 * what is measured); identity runs in this process, with the clients.
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createKeyValueStore, createLogger, createTransport, freePort, startEmbeddedPostgres } from '@frontrow/kit';
import { start as startIdentity } from '@frontrow/identity/src/server';
import { ROOT } from '@frontrow/platform/src/launch';
import { ServiceProcess, busNamespaceOf, deleteBusQueues, gatewayProcess, inBatches, presenceProcess } from '@frontrow/platform/test/processes';
import { connect, gql } from '@frontrow/platform/test/party-harness';
import type { Client } from 'graphql-ws';
import pg from 'pg';
import WebSocket from 'ws';
import { machine, percentile, writeSection } from './report';

process.env.LOG_LEVEL ??= 'warn';

const SIZES = (process.env.BENCH_SUBSCRIBERS ?? '1000,10000').split(',').map(Number);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 5);
const SELECTIONS = {
  'presence fields': 'by { id }',
  'with displayName from identity': 'by { id displayName }',
} as const;
type SelectionName = keyof typeof SELECTIONS;
/** The same N sockets served by a plain `ws` server (bench/subscriptions-floor.ts). */
const FLOOR = 'plain ws broadcast (floor)';

interface Row {
  subscribers: number;
  selection: SelectionName | typeof FLOOR;
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

/** The process's resident set now (after a collection here), and its peak until `stop()`, sampled every 100 ms. */
function sampleRss(pid: number): { stop(): { withSubscribers: number; peak: number } } {
  global.gc?.();
  const withSubscribers = rssMb(pid);
  let peak = withSubscribers;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 100);
  return {
    stop() {
      clearInterval(sampler);
      return { withSubscribers, peak };
    },
  };
}

/**
 * BENCH_HEAP_SNAPSHOT=1 with SERVICE_NODE_ARGS=--heapsnapshot-signal=SIGUSR2: a heap snapshot of
 * the gateway with every subscriber connected, before the events (in the repository's root).
 */
async function heapSnapshot(pid: number): Promise<void> {
  const before = new Set(readdirSync(ROOT));
  process.kill(pid, 'SIGUSR2');
  let last = -1;
  for (;;) {
    await new Promise((r) => setTimeout(r, 1_000));
    const file = readdirSync(ROOT).find((f) => f.endsWith('.heapsnapshot') && !before.has(f));
    if (!file) continue;
    const size = statSync(join(ROOT, file)).size;
    if (size > 0 && size === last) {
      console.log(`heap snapshot of the gateway: ${file} (${(size / 2 ** 20).toFixed(0)} MB)`);
      return;
    }
    last = size;
  }
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
  // The fans and identity share this process and 2 cores with the gateway and presence:
  // while thousands of streams open, a name fetch may wait for a connection longer than
  // the default acquire timeout (5 s). What is measured here is fan-out, not admission.
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
    // Its consumer's queue in the bench's namespace, deleted at the end: not production's name.
    busNamespace: busNamespaceOf(`bench_identity_${tag}`),
  });
  const maxSize = Math.max(...SIZES);
  const presenceSchema = `bench_presence_${tag}`;
  const presence = await presenceProcess('presence', {
    secret,
    databaseUrl: databaseUrl ?? embedded!.url,
    schema: presenceSchema,
    env: {
      // As production runs it: @frontrow/register keeps no source maps (decision 0030).
      NODE_ENV: 'production',
      PARTY_MAX_MEMBERS: String(maxSize + 1),
      DATABASE_ACQUIRE_TIMEOUT_MS: String(acquireTimeoutMs),
      ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
      ...(process.env.AMQP_URL ? { AMQP_URL: process.env.AMQP_URL } : {}),
    },
  });
  await presence.start();
  // The bench's own connection to presence's tables: members go in in bulk, sessions are counted.
  const db = new pg.Client({ connectionString: databaseUrl ?? embedded!.url });
  await db.connect();
  const inPresence = (name: string) => `"${presenceSchema}".${name}`;
  // A fresh gateway process for each measurement: its memory is that measurement's alone.
  let gateway!: ServiceProcess;
  let gatewayPort = 0;
  const freshGateway = async (): Promise<void> => {
    await gateway?.stop();
    gateway = await gatewayProcess('gateway', {
      secret,
      identityUrl: identity.url,
      subgraphs: { identity: identity.url, presence: presence.url },
      env: { NODE_ENV: 'production', RATE_LIMIT_PER_MINUTE: '100000', ...(redisUrl ? { REDIS_URL: redisUrl } : {}) },
    });
    gatewayPort = gateway.port;
    await gateway.start();
  };
  const rows: Row[] = [];
  try {
    await freshGateway();
    const host = await gql(gateway.url, `mutation($i: SignUpInput!) { signUp(input: $i) { accessToken user { id } } }`, {
      i: { email: `host-${tag}@example.com`, password: 'a bench password', displayName: 'Bench Host' },
    });
    if (!host.data) throw new Error(`signUp: ${JSON.stringify(host.errors)}`);
    const hostToken: string = host.data.signUp.accessToken;
    for (const n of SIZES) {
      for (const selection of (Object.keys(SELECTIONS) as SelectionName[]).filter((name) => name.startsWith(process.env.BENCH_SELECTIONS ?? ''))) {
        await freshGateway();
        rows.push(await measure(n, selection, hostToken));
        global.gc?.();
      }
      if (!process.env.BENCH_SELECTIONS || FLOOR.startsWith(process.env.BENCH_SELECTIONS)) rows.push(await measureFloor(n));
    }
  } finally {
    await gateway?.stop();
    await presence.stop();
    await db.query(`drop schema if exists "${presenceSchema}" cascade`).catch(() => undefined);
    await deleteBusQueues(transport, busNamespaceOf(presenceSchema));
    await db.end();
    await identity.stop();
    await deleteBusQueues(transport, busNamespaceOf(`bench_identity_${tag}`));
    await transport.close();
    await kv.close();
    await embedded?.stop();
  }

  /**
   * The floor: N plain WebSocket clients of a plain `ws` server process, which sends
   * each of them a message of the size FrontRow sends (a graphql-ws `next` with a
   * PlaybackChanged) when asked. Latency is from asking to each client having parsed it.
   */
  async function measureFloor(n: number): Promise<Row> {
    const port = await freePort();
    const server = new ServiceProcess('ws floor', 'bench/subscriptions-floor.ts', { PORT: String(port) }, port);
    await server.start();
    try {
      const pid = server.pid!;
      global.gc?.();
      const idle = rssMb(pid);
      const received = new Map<number, number[]>();
      let waiting: { version: number; count: number; done: () => void } | undefined;
      const sockets: WebSocket[] = [];
      await inBatches(Array.from({ length: n }, (_, i) => i), 100, async () => {
        const socket = new WebSocket(`ws://127.0.0.1:${port}/ws`);
        sockets.push(socket);
        socket.on('message', (data) => {
          const message = JSON.parse(String(data)) as { payload: { data: { partyEvents: { state: { version: number } } } } };
          const version = message.payload.data.partyEvents.state.version;
          const list = received.get(version) ?? [];
          list.push(performance.now());
          received.set(version, list);
          if (waiting && version === waiting.version && list.length >= waiting.count) waiting.done();
        });
        await new Promise<void>((resolve, reject) => {
          socket.once('open', () => resolve());
          socket.once('error', reject);
        });
      });
      const memory = sampleRss(pid);
      const latencies: number[] = [];
      const perEvent: string[] = [];
      let missing = 0;
      for (let version = 2; version < 2 + EVENTS; version++) {
        const all = new Promise<void>((resolve) => (waiting = { version, count: n, done: resolve }));
        const payload = { data: { partyEvents: { __typename: 'PlaybackChanged', state: { version, positionMs: version * 1000, playing: false, updatedAt: new Date().toISOString() }, by: { id: randomUUID() } } } };
        const t0 = performance.now();
        await fetch(`http://127.0.0.1:${port}/broadcast`, { method: 'POST', body: JSON.stringify({ id: randomUUID(), type: 'next', payload }) });
        await Promise.race([all, new Promise((res) => setTimeout(res, 60_000))]);
        const times = received.get(version) ?? [];
        missing += n - times.length;
        for (const t of times) latencies.push(t - t0);
        perEvent.push(`${(Math.min(...times) - t0).toFixed(0)}–${(Math.max(...times) - t0).toFixed(0)}`);
        waiting = undefined;
      }
      const { withSubscribers, peak } = memory.stop();
      for (const socket of sockets) socket.terminate();
      latencies.sort((a, b) => a - b);
      const row: Row = {
        subscribers: n,
        selection: FLOOR,
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
        max: latencies[latencies.length - 1] ?? NaN,
        missing,
        rssIdleMb: idle,
        rssMb: withSubscribers,
        rssPeakMb: peak,
        heapMb: NaN,
      };
      console.log(
        `${String(n).padStart(6)} subscribers, ${FLOOR.padEnd(30)} p50 ${row.p50.toFixed(0)} ms, p99 ${row.p99.toFixed(0)} ms, max ${row.max.toFixed(0)} ms, ` +
          `missing ${missing} (first–last delivery of each event, ms: ${perEvent.join(', ')}); server RSS ${idle.toFixed(0)} → ${withSubscribers.toFixed(0)} MB (peak ${peak.toFixed(0)})`,
      );
      return row;
    } finally {
      await server.stop();
    }
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
    for (let i = 0; i < fans.length; i += 1000) {
      const chunk = fans.slice(i, i + 1000);
      await db.query(
        `insert into ${inPresence('party_member')} (id, party_id, user_id, role, status, muted, joined_at) values ${chunk.map((_, j) => `($${3 * j + 1}, $${3 * j + 2}, $${3 * j + 3}, 'MEMBER', 'ACTIVE', false, now())`).join(', ')}`,
        chunk.flatMap((f) => [randomUUID(), partyId, f.userId]),
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
                  if (value.errors) {
                    if (!failed++) console.log('first error:', JSON.stringify(value.errors));
                  }
                  return;
                }
                const at = performance.now();
                const list = received.get(e.state.version) ?? [];
                list.push(at);
                received.set(e.state.version, list);
                if (waiting && e.state.version === waiting.version && list.length >= waiting.count) waiting.done();
              },
              error: (err: unknown) => {
                if (!failed++) console.log('first error:', err instanceof Error ? err.message : JSON.stringify(err));
              },
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
      const {
        rows: [row],
      } = await db.query<{ n: string }>(`select count(*) as n from ${inPresence('presence_session')} where party_id = $1`, [partyId]);
      // Counted at presence, and admitted at the gateway: no admission still on its way.
      if (Number(row.n) >= n && (await gateway.metric('gateway_subscriptions_awaiting_admission')) === 0) break;
      if (Date.now() > deadline) throw new Error(`only ${row.n} of ${n} streams opened (${failed} failed)`);
      await new Promise((r) => setTimeout(r, 200));
    }
    if (process.env.BENCH_HEAP_SNAPSHOT) await heapSnapshot(pid);
    const memory = sampleRss(pid);
    const latencies: number[] = [];
    const perEvent: string[] = [];
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
      const last = times.length ? Math.max(...times) - t0 : NaN;
      perEvent.push(`${(Math.min(...times) - t0).toFixed(0)}–${last.toFixed(0)}`);
      waiting = undefined;
    }
    const { withSubscribers, peak } = memory.stop();
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
        `missing ${missing} (first–last delivery of each event, ms: ${perEvent.join(', ')}); gateway RSS ${idle.toFixed(0)} → ${withSubscribers.toFixed(0)} MB (peak ${peak.toFixed(0)}), heap ${heap.toFixed(0)} MB; ${started} subscribed, ${failed} failed`,
    );
    // Let the streams close before the next round.
    await new Promise((r) => setTimeout(r, 1000));
    return row;
  }

  const backing = databaseUrl ? `PostgreSQL${redisUrl ? ', Redis' : ''}` : 'embedded stand-ins';
  const table = rows
    .map(
      (r) =>
        `| ${r.subscribers.toLocaleString('en')} | ${r.selection} | ${r.p50.toFixed(0)} ms | **${r.p99.toFixed(0)} ms** | ${r.max.toFixed(0)} ms | ${r.missing} | ${r.rssIdleMb.toFixed(0)} MB | **${r.rssMb.toFixed(0)} MB** | ${r.rssPeakMb.toFixed(0)} MB | ${Number.isNaN(r.heapMb) ? '–' : `${r.heapMb.toFixed(0)} MB`} |`,
    )
    .join('\n');
  const verdicts = (Object.keys(SELECTIONS) as SelectionName[]).map((selection) => {
    const goal = rows.find((r) => r.subscribers === 10_000 && r.selection === selection);
    if (!goal) return `10,000 subscribers, ${selection}: not part of this measurement.`;
    return `10,000 subscribers, ${selection}: p99 ${goal.p99.toFixed(0)} ms (goal ≤ 250 ms: ${goal.p99 <= 250 ? 'met' : '**not met**'}), ${goal.rssPeakMb.toFixed(0)} MB at peak (goal ≤ 300 MB: ${goal.rssPeakMb <= 300 ? 'met' : '**not met**'}).`;
  });
  const verdict = verdicts.join('\n');
  const floorRatios = SIZES.map((n) => {
    const floor = rows.find((r) => r.subscribers === n && r.selection === FLOOR);
    const own = rows.find((r) => r.subscribers === n && r.selection === 'presence fields');
    if (!floor || !own) return undefined;
    return `${n.toLocaleString('en')}: p99 ${(own.p99 / floor.p99).toFixed(2)}× the floor's, ${((own.rssMb - own.rssIdleMb) / n * 1024).toFixed(1)} kB per subscriber against ${((floor.rssMb - floor.rssIdleMb) / n * 1024).toFixed(1)} kB`;
  }).filter(Boolean);
  writeSection(
    '## Subscriptions: fan-out through one gateway',
    `\`npm run bench -- subscriptions\`: N fans of one party, each with its own access token and
its own graphql-ws connection to one gateway process, subscribe to \`partyEvents\`; the host
seeks ${EVENTS} times through the gateway. Latency is from sending \`controlPlayback\` to a fan
receiving the \`PlaybackChanged\` (the mutation's commit, Redis pub/sub, presence's stream,
the gateway's upstream connection, the fan's socket); all ${EVENTS} × N deliveries are counted.
Each measurement has a fresh gateway process; its memory is the resident set: idle (before the fans connect), with
the N subscriptions open, and the peak while events were delivered; heap is V8's used heap
at the end. Presence runs in a process of its own; the fans (clients) and identity share a
third, all on the same 2 cores. \`partyEvents\` is \`@callerIndependent\`: the gateway takes
each event from one upstream stream and admits each fan through a stream of its own
(docs/decisions/0029-shared-subscription-delivery.md). "With displayName" needs identity: one
entity fetch per event for all fans with the same roles and scopes, since \`displayName\` is
marked \`@callerIndependent\` too.
The floor: a plain \`ws\` server in a process of its own (bench/subscriptions-floor.ts) sends one
prepared graphql-ws \`next\` of the same size to N plain WebSocket clients; its latency is
from asking it to each client having parsed the message, with no mutation, database or
Redis on the way.
Backing: ${backing}.

| subscribers | selection | p50 | p99 | max | missing | gateway RSS idle | with subscribers | peak | heap |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
${table}

${verdict}

FrontRow's gateway (presence fields) against the plain \`ws\` floor, in this run: ${floorRatios.join('; ') || 'the floor was not measured'}.

What the profiles showed (\`SERVICE_NODE_ARGS=--cpu-prof\`, heap snapshots with
\`--heapsnapshot-signal\`, on 2026-12-03):
- Before shared delivery, an event at 10,000 fans was 10,000 upstream messages and, with
  the display name, 10,000 identity fetches: p99 4.5 s at 10,000, 4.8 s at 1,000 with the
  name. Now it is one upstream message and one fetch per access group.
- During delivery the gateway's time goes to writing to the sockets: \`writev\` is a
  quarter of the busy time, the same system call the floor makes. The rest is ws's
  framing, graphql-ws's per-subscription iteration, and the garbage collector. The fans'
  process reads 10,000 messages on the same 2 cores. The floor's p99 shows how near the
  goal the machine itself is.
- Memory: the gateway idled at about 250 MB until \`@swc-node/register\`, which held
  TypeScript's compiler in every process, gave way to \`@frontrow/register\` (decision 0030):
  a warm start loads neither the compiler nor SWC, and with \`NODE_ENV=production\` keeps
  no source maps. It now idles at the figure in the table. A heap snapshot at 2,000 fans
  shows what each one holds: the socket with ws's reader and writer; graphql-ws's
  per-connection and per-subscription closures, about 13 promises and three timers (its
  ping, its pong wait, and the token's expiry); the two tokens (the fan's, and the signed
  caller of its admission stream, about 0.9 kB together); the subscription's text; and the
  admission stream's state. Between deliveries the heap holds garbage until V8 collects
  it, which is what the peak shows.
- On 2026-12-04 the kit's own graphql-ws binding (one keep-alive timer for every
  connection, no promise or callback per message while a socket keeps up; decision 0029)
  and the fans' credentials dropped once verified brought the peak at 10,000 from 441 to
  about 370 MB with presence fields, and from 455 to about 360 MB with the display name,
  in two runs. A heap snapshot of the gateway at 10,000 fans (\`BENCH_HEAP_SNAPSHOT=1\`,
  after a full collection) holds 193 MB, about 13 kB a fan: 335,000 closures (18 MB; the
  admission streams' sinks and graphql-ws's client state, \`next\`, \`error\`, \`complete\`
  and \`releaser\`, are 70,000 of them), 250,000 contexts (12 MB), plain objects and their
  property arrays (35 MB), 120,000 promises and 70,000 reactions (9 MB), strings (38 MB: per
  fan the raw subscribe message, which graphql-ws keeps while the subscription runs, 0.3 kB,
  and the admission's signed caller, 0.36 kB), and the sockets with ws's reader and writer
  (about 1.5 kB). A smaller young generation (\`--max-semi-space-size\` of 4 and 1 MB) lowered
  the idle and subscribed figures by about 20 MB but not the peak, and the p99 rose: not
  adopted. What a delivery allocated for each fan (graphql-ws's stringify of the whole
  message, its iteration's promises, ws's copy and frame) was allocated within one turn of
  the event loop while still referenced, so it outlived a young collection: that was the
  peak.
- Then (same day) an event completed for a group is serialized once and written straight
  to each fan's socket when graphql-ws is waiting for that subscription's next event
  (decision 0029): at 10,000 the peak fell to about the subscribed figure (from about 370 to
  about 312 MB) and the p99 from about 400 to about 300 ms with presence fields, in this
  run. What remains above 300 MB is what each subscription holds while open (about 15 kB
  against the floor's 6), most of it graphql-ws's per-connection and per-subscription state
  on both sides of the gateway; the lever not built is one admission stream for many callers.
- Later that day the gateway's upstream streams (an admission per fan, decision 0029) moved
  from graphql-ws's client to the gateway's own (\`UpstreamConnection\`: a map from each
  stream's id to its sink, where graphql-ws's client kept an async loop with about eight
  promises and a dozen closures per stream, and the whole subscribe payload with its signed
  caller); an admission became one object; a subscription's context a class (an object
  literal with a getter is kept as a dictionary); and the operation text of 10,000
  subscribe messages one string (\`shareQueryText\`). The gateway's heap at 10,000 fans after
  a full collection went from 189 to 141 MB, about 8.3 kB a fan above the idle gateway's
  59 MB. Four runs of 10,000 with presence fields on this code gave a p99 of 187 to 245 ms
  and a peak of 292 to 305 MB; two with the display name 210 and 220 ms, 295 and 302 MB. The
  code before these changes, run twice on the same machine in the same hour, gave 245 and
  255 ms, 313 and 317 MB with presence fields, and 228 and 246 ms, 304 and 308 MB with the
  display name: the machine answered faster that day than when the earlier rows were
  measured, so most of the fall from 305 ms is the machine's, and about 15 MB of peak and
  20 to 40 ms of p99 are these changes'. The goals now sit inside the spread from one run
  to the next. What a fan still
  costs is about 8 kB of heap (graphql-ws's per-connection and per-subscription state and
  its loop waiting on the subscriber, the socket with ws's reader and writer, the timer of
  the token's expiry) and about 6 kB outside it, mostly the young generation (32 MB) and
  old-space pages holding garbage the collector has not yet taken. A young generation of
  8 MB (\`SERVICE_NODE_ARGS=--max-semi-space-size=8\`) gave peaks of 279 and 287 MB with about
  the same p99 in one run; not adopted, since what it costs query throughput is not measured.

Machine: ${machine()}; ${new Date().toISOString().slice(0, 10)}.`,
  );
  console.log('wrote "## Subscriptions: fan-out through one gateway" in docs/benchmarks.md');
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
