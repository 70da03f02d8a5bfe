/**
 * Query throughput of gateways side by side (issue 14): the same subgraphs and the same
 * operation behind each gateway under test, each gateway in a process of its own, loaded
 * in turn by autocannon (50 connections, BENCH_SECONDS per round, BENCH_ROUNDS rounds
 * alternating the gateways: A, B, C, A, B, C), after a warm-up (BENCH_WARMUP seconds).
 *
 * Gateways: FrontRow's (`startGateway`, per-caller rate limits raised), Apollo's gateway
 * with Apollo Server's defaults (bench/gateway/vanilla-gateway.ts) and Hive Gateway from
 * npm (installed apart, `npm ci --prefix bench/gateway/hive`), plain and with its inbound
 * in-flight deduplication. Workloads:
 *   - guild: four in-memory subgraphs in the shape of The Guild's federation gateways
 *     benchmark and its nested query (bench/gateway/guild-schema.ts); one subgraph alone too.
 *   - event-page: the web portal's EventPage query against FrontRow's seven subgraphs with
 *     the demo season seeded, anonymous and as a signed-up fan.
 *
 *   npm run bench -- gateway
 *   DATABASE_URL=… REDIS_URL=… AMQP_URL=… BENCH_SECONDS=20 BENCH_ROUNDS=2 npm run bench -- gateway
 *   BENCH_WORKLOADS=guild BENCH_SECONDS=5 BENCH_WARMUP=1 BENCH_ROUNDS=1   (a smoke run; writes no doc)
 *   BENCH_PROFILE=1   (after the guild rounds, FrontRow's gateway once more under --cpu-prof)
 *   BENCH_PROFILE=event-page   (the same after the event page's rounds, anonymous; printed only)
 *
 * Writes the "## Gateway throughput" section of docs/benchmarks.md after a run of both workloads.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { composeServices } from '@apollo/composition';
import { composeSupergraph, readSupergraphConfig } from '@frontrow/gateway/src/compose';
import { PRINCIPAL_HEADER, freePort, signCaller } from '@frontrow/kit';
import { EventPageDocument } from '@frontrow/sdk/src/generated/graphql';
import { parse, print } from 'graphql';
import Redis from 'ioredis';
import { Child, ROOT, SUBGRAPHS_LINE, answers, tsEntry } from './gateway/children';
import { GUILD_QUERY, GUILD_SDL, GUILD_SUBGRAPHS, SINGLE_SUBGRAPH_QUERY } from './gateway/guild-schema';
import { CONNECTIONS, drive, type Phase, type Target } from './gateway/load';
import { formatSummary, profileMarkdown, summarizeProfile, type ProfileSummary } from './gateway/profile-summary';
import { machine, percentile, readSection, writeSection } from './report';

process.env.LOG_LEVEL ??= 'warn';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const WORKLOADS = (process.env.BENCH_WORKLOADS ?? 'guild,event-page').split(',').map((w) => w.trim());
const PROFILES = (process.env.BENCH_PROFILE ?? '').split(',').map((p) => (p.trim() === '1' ? 'guild' : p.trim()));
const HEADING = '## Gateway throughput';
const PROFILE_HEADING = '### Where the time goes';
const HIVE_PACKAGE = join(__dirname, 'gateway', 'hive', 'node_modules', '@graphql-hive', 'gateway');
const HIVE_BIN = join(HIVE_PACKAGE, 'dist', 'bin.js');
const HIVE_VERSION = existsSync(HIVE_PACKAGE) ? (JSON.parse(readFileSync(join(HIVE_PACKAGE, 'package.json'), 'utf8')) as { version: string }).version : '(not installed)';
const REDIS_URL = process.env.REDIS_URL || undefined;

interface Row {
  target: Target;
  phases: Phase[];
}

interface Workload {
  title: string;
  rows: Row[];
  /** The gateways that could not be measured, and why. */
  missing: string[];
  notes: string[];
}

/** The run's scratch files (supergraphs, Hive's config), removed at the end; the profile is kept. */
const scratch = mkdtempSync(join(os.tmpdir(), 'frontrow-bench-gateway-'));
const secret = randomBytes(32).toString('base64url');
const tag = Date.now().toString(36);
const stops: Array<() => Promise<void>> = [];
/** Every Redis key of the run (rate-limit counters, the subgraphs' keys) starts with this. */
const KV_PREFIX = `bench-gateway-${tag}:`;

function started(child: Child): Child {
  stops.push(() => child.stop());
  return child;
}

/**
 * Run as production runs it (`node -r @frontrow/register` with NODE_ENV=production: no
 * source maps); `env` adds to its environment.
 */
async function frontRowGateway(
  supergraphPath: string,
  subgraphUrls: Record<string, string>,
  opts: { nodeFlags?: string[]; env?: Record<string, string> } = {},
): Promise<{ child: Child; url: string }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/graphql`;
  const child = started(
    new Child({
      name: 'FrontRow gateway',
      args: tsEntry('frontrow-gateway.ts', opts.nodeFlags),
      env: {
        NODE_ENV: 'production',
        PORT: String(port),
        SUPERGRAPH_PATH: supergraphPath,
        PRINCIPAL_SECRET: secret,
        SUBGRAPH_URLS: JSON.stringify(subgraphUrls),
        KV_PREFIX,
        ...(REDIS_URL ? { REDIS_URL } : {}),
        ...opts.env,
      },
    }),
  );
  await child.start(() => answers(url, '{ __typename }'));
  return { child, url };
}

/**
 * Its few lines are TypeScript, compiled once into @frontrow/register's cache; it runs as
 * a JavaScript file would (NODE_ENV=production: no source maps, no compiler loaded).
 */
async function vanillaGateway(supergraphPath: string, forwardHeader?: string): Promise<{ child: Child; url: string }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  const child = started(
    new Child({
      name: 'Apollo gateway',
      args: tsEntry('vanilla-gateway.ts'),
      env: {
        NODE_ENV: 'production',
        PORT: String(port),
        SUPERGRAPH_PATH: supergraphPath,
        ...(forwardHeader ? { FORWARD_HEADER: forwardHeader } : {}),
      },
    }),
  );
  await child.start(() => answers(url, '{ __typename }'));
  return { child, url };
}

/** Hive Gateway's CLI on the supergraph file, with a config file written for the run. */
async function hiveGateway(supergraphPath: string, opts: { dedup: boolean; forwardHeader?: string }): Promise<{ child: Child; url: string }> {
  if (!existsSync(HIVE_BIN)) throw new Error('Hive Gateway is not installed: npm ci --prefix bench/gateway/hive');
  const dir = join(scratch, `hive-${opts.dedup ? 'dedup' : 'plain'}-${opts.forwardHeader ? 'forward' : 'none'}`);
  mkdirSync(dir, { recursive: true });
  const forward = opts.forwardHeader
    ? `propagateHeaders: { fromClientToSubgraphs: ({ request }) => { const v = request.headers.get(${JSON.stringify(opts.forwardHeader)}); return v ? { ${JSON.stringify(opts.forwardHeader)}: v } : {}; } },`
    : '';
  writeFileSync(join(dir, 'gateway.config.mjs'), `export const gatewayConfig = { inboundInflightRequestDeduplication: ${opts.dedup}, ${forward} };\n`);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/graphql`;
  const child = started(
    new Child({
      name: `Hive Gateway${opts.dedup ? ' (dedup)' : ''}`,
      args: [HIVE_BIN, 'supergraph', supergraphPath, '--port', String(port), '--host', '127.0.0.1', '--config-path', join(dir, 'gateway.config.mjs')],
      cwd: dir,
      env: { NODE_ENV: 'production' },
    }),
  );
  await child.start(() => answers(url, '{ __typename }'));
  return { child, url };
}

async function dropKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url);
  try {
    for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 500 }) as AsyncIterable<string[]>) if (keys.length) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}

async function post(url: string, query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<{ data?: Record<string, unknown> | null; errors?: unknown[] }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }) });
  return (await res.json()) as { data?: Record<string, unknown> | null; errors?: unknown[] };
}

/** A whole answer: data, and no errors anywhere in the body. */
const wholeAnswer = (field: string) => (body: string) => body.startsWith('{"data":{') && !body.includes('"errors"') && body.includes(`"${field}"`);

/** The size of each target's answer, by label. */
const answerBytes = new Map<string, number>();

/**
 * Hive Gateway plain and with inbound dedup, added to the targets; when it cannot start
 * (not installed), why is added to `missing` and the run goes on without it.
 */
async function addHive(
  targets: Target[],
  missing: string[],
  supergraphPath: string,
  opts: Pick<Target, 'body' | 'headers' | 'ok'> & { suffix: string; forwardHeader?: string },
): Promise<void> {
  for (const dedup of [false, true]) {
    const label = `${dedup ? 'Hive Gateway, inbound dedup' : 'Hive Gateway'}${opts.suffix}`;
    try {
      const hive = await hiveGateway(supergraphPath, { dedup, forwardHeader: opts.forwardHeader });
      targets.push({ label, url: hive.url, body: opts.body, headers: opts.headers, ok: opts.ok, process: hive.child });
    } catch (e) {
      missing.push(`${label}: ${e instanceof Error ? e.message.split('\n').slice(0, 6).join(' ') : String(e)}`);
      console.error(`  ${label} could not be started: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}

/** Every gateway answers the operation exactly as the first one does, before anything is measured. */
async function sameAnswers(targets: Target[]): Promise<void> {
  let reference: unknown;
  for (const t of targets) {
    const res = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json', ...(await t.headers()) }, body: t.body });
    const text = await res.text();
    if (!t.ok(text)) throw new Error(`${t.label} does not answer the operation: ${res.status} ${text.slice(0, 500)}`);
    const data = (JSON.parse(text) as { data: unknown }).data;
    answerBytes.set(t.label, Buffer.byteLength(text));
    if (reference === undefined) reference = data;
    else if (!isDeepStrictEqual(data, reference)) throw new Error(`${t.label} answers differently from ${targets[0].label}`);
  }
}

/** Warm-up of each target, then ROUNDS rounds in which each target is loaded in turn. */
async function measureAll(name: string, targets: Target[], subgraphs: Child): Promise<Row[]> {
  const rows: Row[] = targets.map((target) => ({ target, phases: [] }));
  for (const t of targets) {
    console.log(`  ${name}: warming up ${t.label} (${WARMUP} s)`);
    await drive(t, WARMUP, subgraphs);
  }
  for (let round = 1; round <= ROUNDS; round++) {
    for (const row of rows) {
      const p = await drive(row.target, SECONDS, subgraphs);
      row.phases.push(p);
      const sorted = [...p.latencies].sort((a, b) => a - b);
      console.log(
        `  ${name} round ${round}/${ROUNDS} ${row.target.label.padEnd(34)} ${(p.good / p.seconds).toFixed(0).padStart(6)} req/s  p50 ${percentile(sorted, 50).toFixed(0)} ms  p99 ${percentile(sorted, 99).toFixed(0)} ms  failed ${p.responses - p.good + p.errors} (non-2xx ${p.non2xx})  CPU ${p.cpuSeconds.toFixed(1)} s (subgraphs ${p.subgraphCpuSeconds.toFixed(1)} s)  RSS peak ${p.rssPeakMb.toFixed(0)} MB`,
      );
    }
  }
  return rows;
}

async function guildWorkload(): Promise<{ workload: Workload; profile?: ProfileSummary }> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const subgraphs = started(new Child({ name: 'guild subgraphs', args: tsEntry('guild-subgraphs.ts'), env: { NODE_ENV: 'production', PORT: String(port) } }));
  await subgraphs.start(() => answers(`${base}/accounts`, SINGLE_SUBGRAPH_QUERY));
  const composed = composeServices(GUILD_SUBGRAPHS.map((name) => ({ name, url: `${base}/${name}`, typeDefs: parse(GUILD_SDL[name]) })));
  if (composed.errors?.length || !composed.supergraphSdl) throw new Error(`composition failed: ${composed.errors?.map((e) => e.message).join('; ')}`);
  const supergraphPath = join(scratch, 'guild.graphql');
  writeFileSync(supergraphPath, composed.supergraphSdl);

  const body = JSON.stringify({ query: GUILD_QUERY, operationName: 'TestQuery' });
  const noHeaders = async () => ({});
  const ok = wholeAnswer('topProducts');
  const missing: string[] = [];
  // The TestQuery costs 107,812 in FrontRow's cost model (lists inside lists inside
  // lists), over its default limit of 20,000: the benchmark's query is answered with the
  // limit raised, as a deployment that serves such queries would set it.
  const guildCost = { MAX_OPERATION_COST: '1000000' };
  const frontrow = await frontRowGateway(supergraphPath, {}, { env: guildCost });
  // The same with its inbound in-flight deduplication off: what the gateway does alone.
  const undeduplicated = await frontRowGateway(supergraphPath, {}, { env: { ...guildCost, INFLIGHT_DEDUPLICATION: 'false' } });
  const vanilla = await vanillaGateway(supergraphPath);
  const targets: Target[] = [
    { label: 'FrontRow gateway', url: frontrow.url, body, headers: noHeaders, ok, process: frontrow.child },
    { label: '@apollo/gateway + @apollo/server', url: vanilla.url, body, headers: noHeaders, ok, process: vanilla.child },
    { label: 'FrontRow gateway, no inbound dedup', url: undeduplicated.url, body, headers: noHeaders, ok, process: undeduplicated.child },
  ];
  await addHive(targets, missing, supergraphPath, { body, headers: noHeaders, ok, suffix: '' });
  await sameAnswers(targets);
  targets.push({
    label: 'accounts subgraph alone',
    url: `${base}/accounts`,
    body: JSON.stringify({ query: SINGLE_SUBGRAPH_QUERY }),
    headers: noHeaders,
    ok: wholeAnswer('users'),
    process: subgraphs,
  });
  const rows = await measureAll('guild', targets, subgraphs);
  for (const t of targets) if (t.process !== subgraphs) await t.process.stop();

  const profile = PROFILES.includes('guild')
    ? await profiledRun('guild', () => frontRowGateway(supergraphPath, {}, { nodeFlags: profileFlags('guild'), env: guildCost }), { body, headers: noHeaders, ok }, subgraphs)
    : undefined;
  await subgraphs.stop();
  return {
    workload: {
      title: "Guild-shaped: four in-memory subgraphs, the nested TestQuery",
      rows,
      missing,
      notes: [],
    },
    profile,
  };
}

function profileFlags(name: string): string[] {
  return ['--cpu-prof', `--cpu-prof-dir=${join(os.tmpdir(), `frontrow-gateway-profile-${tag}-${name}`)}`];
}

/** FrontRow's gateway, started by `start` with profileFlags(name), loaded for WARMUP + SECONDS, its profile summarized. */
async function profiledRun(
  name: string,
  start: () => Promise<{ child: Child; url: string }>,
  load: Pick<Target, 'body' | 'headers' | 'ok'>,
  subgraphs: Child,
): Promise<ProfileSummary> {
  const profiled = await start();
  const target: Target = { label: 'FrontRow gateway (profiled)', url: profiled.url, ...load, process: profiled.child };
  console.log(`  ${name}: FrontRow gateway under --cpu-prof, ${WARMUP + SECONDS} s`);
  await drive(target, WARMUP + SECONDS, subgraphs);
  await profiled.child.stop();
  const dir = join(os.tmpdir(), `frontrow-gateway-profile-${tag}-${name}`);
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no .cpuprofile in ${dir}`);
  // The start-up (loading and compiling modules, planning nothing yet) is left out.
  const profile = summarizeProfile(join(dir, file), 10, profiled.child.readyMs);
  console.log(`  profile: ${join(dir, file)}\n${formatSummary(profile).replace(/^/gm, '    ')}`);
  return profile;
}

/**
 * The gateways without deduplication once more, each started afresh and loaded at the
 * same rate: 80% of what vanilla @apollo/gateway answered as fast as it could, so that
 * every one keeps up. A process's memory at full speed grows with its speed (more
 * requests in flight when the young generation is collected, so more garbage promoted
 * to the old one) and is not given back after; at one rate it is what each gateway
 * needs for the same work.
 */
async function atSameRate(
  vanillaRps: number,
  gateways: Array<{ label: string; start: () => Promise<{ child: Child; url: string }>; headers: Target['headers'] }>,
  load: Pick<Target, 'body' | 'ok'>,
  subgraphs: Child,
): Promise<string> {
  const rate = Math.max(10, Math.floor((vanillaRps * 0.8) / 10) * 10);
  const lines: string[] = [];
  const measured: Array<{ label: string; phase: Phase }> = [];
  for (const g of gateways) {
    const started = await g.start();
    const target: Target = { label: g.label, url: started.url, headers: g.headers, ...load, process: started.child };
    await drive(target, WARMUP, subgraphs, rate);
    const phase = await drive(target, SECONDS, subgraphs, rate);
    await started.child.stop();
    measured.push({ label: g.label, phase });
    const sorted = [...phase.latencies].sort((a, b) => a - b);
    const cpu = ((phase.cpuSeconds / phase.good) * 1000).toFixed(2);
    console.log(`  event page at ${rate} req/s: ${g.label.padEnd(44)} p99 ${percentile(sorted, 99).toFixed(0)} ms  RSS peak ${phase.rssPeakMb.toFixed(0)} MB  CPU ${cpu} s / 1,000`);
    lines.push(`| ${g.label} | ${n0(phase.good / phase.seconds)} | ${percentile(sorted, 50).toFixed(0)} | ${percentile(sorted, 99).toFixed(0)} | ${cpu} | ${n0(phase.rssPeakMb)} | ${n0(phase.rssEndMb)} |`);
  }
  const [ours, theirs] = measured;
  const perRequest = (m: { phase: Phase }) => m.phase.cpuSeconds / m.phase.good;
  return (
    `At the same rate: the gateways without deduplication, each started afresh and loaded at ${rate} requests a second in all (80% of vanilla's req/s above), ${WARMUP} s of warm-up, then ${SECONDS} s measured.\n\n` +
    '| gateway | req/s | p50 ms | p99 ms | gateway CPU s / 1,000 req | RSS peak MB | RSS end MB |\n| --- | --- | --- | --- | --- | --- | --- |\n' +
    lines.join('\n') +
    `\n\nFrontRow / vanilla at ${rate} req/s: RSS peak **${(ours.phase.rssPeakMb / theirs.phase.rssPeakMb).toFixed(2)}×**, CPU per request ${(perRequest(ours) / perRequest(theirs)).toFixed(2)}×.`
  );
}

async function eventPageWorkload(): Promise<Workload> {
  const subgraphs = new Child({ name: 'FrontRow subgraphs', args: tsEntry('frontrow-subgraphs.ts'), env: { PRINCIPAL_SECRET: secret, KV_PREFIX: `${KV_PREFIX}subgraphs:` } });
  stops.push(async () => {
    const pid = subgraphs.started ? subgraphs.pid : undefined;
    await subgraphs.stop();
    // Creative serves its objects from a temporary folder named after its process.
    if (pid) for (const f of readdirSync(os.tmpdir()).filter((f) => f.startsWith(`frontrow-objects-${pid}-`))) rmSync(join(os.tmpdir(), f), { recursive: true, force: true });
  });
  let info: { subgraphUrls: Record<string, string>; eventId: string } | undefined;
  void subgraphs.line((l) => l.startsWith(`${SUBGRAPHS_LINE} `)).then((l) => (info = JSON.parse(l.slice(SUBGRAPHS_LINE.length + 1)) as typeof info));
  await subgraphs.start(async () => info, 300_000);
  const { subgraphUrls, eventId } = info!;
  // The committed supergraph's subgraphs, composed with the routing URLs of this run.
  const entries = readSupergraphConfig(join(ROOT, 'supergraph.yaml')).map((e) => ({ ...e, routingUrl: subgraphUrls[e.name] ?? e.routingUrl }));
  const supergraphPath = join(scratch, 'frontrow.graphql');
  writeFileSync(supergraphPath, composeSupergraph(entries));

  const body = JSON.stringify({ query: print(EventPageDocument), variables: { id: eventId }, operationName: 'EventPage' });
  const ok = wholeAnswer('event');
  const missing: string[] = [];
  const frontrow = await frontRowGateway(supergraphPath, subgraphUrls);
  // A fan signed up through the gateway; a fresh access token for each phase.
  const fan = { email: `bench-gateway-${tag}@example.com`, password: 'a bench password' };
  const signedUp = await post(frontrow.url, 'mutation($i: SignUpInput!) { signUp(input: $i) { accessToken } }', { i: { ...fan, displayName: 'Bench Fan' } });
  if (!signedUp.data) throw new Error(`signUp: ${JSON.stringify(signedUp.errors)}`);
  const fanHeaders = async () => {
    const r = await post(frontrow.url, 'mutation($i: SignInInput!) { signIn(input: $i) { accessToken } }', { i: fan });
    const token = (r.data?.signIn as { accessToken?: string } | undefined)?.accessToken;
    if (!token) throw new Error(`signIn: ${JSON.stringify(r.errors)}`);
    return { authorization: `Bearer ${token}` };
  };
  // The same fan's API key, as a developer's integration calls: the gateway holds a
  // verified key for a short time and checks its revocation mark on every request.
  const keyOf = async () => {
    const { authorization } = await fanHeaders();
    const r = await post(frontrow.url, 'mutation($i: ApiKeyInput!) { createApiKey(input: $i) { secret } }', { i: { name: 'bench', scopes: ['profile:read'] } }, { authorization });
    const secretOfKey = (r.data?.createApiKey as { secret?: string } | undefined)?.secret;
    if (!secretOfKey) throw new Error(`createApiKey: ${JSON.stringify(r.errors)}`);
    return secretOfKey;
  };
  const apiKey = await keyOf();
  const keyHeaders = async () => ({ 'x-api-key': apiKey });
  // The other gateways pass on a caller header signed for an anonymous caller, as FrontRow's gateway would sign it.
  const presigned = async () => ({ [PRINCIPAL_HEADER]: await signCaller({ principal: null, clientIp: '127.0.0.1' }, secret) });
  const anonymous = async () => ({});
  const vanilla = await vanillaGateway(supergraphPath, PRINCIPAL_HEADER);
  const undeduplicated = await frontRowGateway(supergraphPath, subgraphUrls, { env: { INFLIGHT_DEDUPLICATION: 'false' } });
  const targets: Target[] = [
    { label: 'FrontRow gateway, anonymous', url: frontrow.url, body, headers: anonymous, ok, process: frontrow.child },
    { label: 'FrontRow gateway, fan', url: frontrow.url, body, headers: fanHeaders, ok, process: frontrow.child },
    { label: "FrontRow gateway, the fan's API key", url: frontrow.url, body, headers: keyHeaders, ok, process: frontrow.child },
    { label: 'FrontRow gateway, no inbound dedup, anonymous', url: undeduplicated.url, body, headers: anonymous, ok, process: undeduplicated.child },
    { label: '@apollo/gateway + @apollo/server, anonymous', url: vanilla.url, body, headers: presigned, ok, process: vanilla.child },
  ];
  await addHive(targets, missing, supergraphPath, { body, headers: presigned, ok, suffix: ', anonymous', forwardHeader: PRINCIPAL_HEADER });
  const signedIn = (t: Target) => t.label === 'FrontRow gateway, fan' || t.label === "FrontRow gateway, the fan's API key";
  await sameAnswers(targets.filter((t) => !signedIn(t)));
  await sameAnswers(targets.filter(signedIn));
  const rows = await measureAll('event page', targets, subgraphs);
  for (const t of targets) await t.process.stop();
  const vanillaRow = rows.find((r) => r.target.process === vanilla.child)!;
  const sameRate = await atSameRate(
    totals(vanillaRow).rps,
    [
      { label: 'FrontRow gateway, no inbound dedup, anonymous', start: () => frontRowGateway(supergraphPath, subgraphUrls, { env: { INFLIGHT_DEDUPLICATION: 'false' } }), headers: anonymous },
      { label: '@apollo/gateway + @apollo/server, anonymous', start: () => vanillaGateway(supergraphPath, PRINCIPAL_HEADER), headers: presigned },
      ...(existsSync(HIVE_BIN) ? [{ label: 'Hive Gateway, anonymous', start: () => hiveGateway(supergraphPath, { dedup: false, forwardHeader: PRINCIPAL_HEADER }), headers: presigned }] : []),
    ],
    { body, ok },
    subgraphs,
  );
  if (PROFILES.includes('event-page')) {
    await profiledRun('event-page', () => frontRowGateway(supergraphPath, subgraphUrls, { nodeFlags: profileFlags('event-page') }), { body, headers: anonymous, ok }, subgraphs);
  }
  await subgraphs.stop();
  return {
    title: "FrontRow's event page: the web portal's EventPage query, FrontRow's seven subgraphs",
    rows,
    missing,
    notes: [sameRate],
  };
}

interface Totals {
  rps: number;
  p50: number;
  p99: number;
  failed: number;
  non2xx: number;
  cpuPer1k: number;
  subgraphCpuPer1k: number;
  rssPeakMb: number;
  rssEndMb: number;
  perRound: number[];
}

function totals(row: Row): Totals {
  const sum = (f: (p: Phase) => number) => row.phases.reduce((s, p) => s + f(p), 0);
  const good = sum((p) => p.good);
  const latencies = row.phases.flatMap((p) => p.latencies).sort((a, b) => a - b);
  return {
    rps: good / sum((p) => p.seconds),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    failed: sum((p) => p.responses - p.good + p.errors),
    non2xx: sum((p) => p.non2xx),
    cpuPer1k: good ? (sum((p) => p.cpuSeconds) / good) * 1000 : NaN,
    subgraphCpuPer1k: good ? (sum((p) => p.subgraphCpuSeconds) / good) * 1000 : NaN,
    rssPeakMb: Math.max(...row.phases.map((p) => p.rssPeakMb)),
    rssEndMb: row.phases[row.phases.length - 1]?.rssEndMb ?? NaN,
    perRound: row.phases.map((p) => p.good / p.seconds),
  };
}

const n0 = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '–');

function table(w: Workload): string {
  const head =
    '| gateway | req/s | rounds (req/s) | p50 ms | p99 ms | failed (non-2xx) | gateway CPU s / 1,000 req | subgraphs CPU s / 1,000 req | RSS peak MB | RSS end MB |\n' +
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |';
  const lines = w.rows.map((r) => {
    const t = totals(r);
    return `| ${r.target.label} | **${n0(t.rps)}** | ${t.perRound.map(n0).join(' / ')} | ${t.p50.toFixed(0)} | ${t.p99.toFixed(0)} | ${t.failed} (${t.non2xx}) | ${t.cpuPer1k.toFixed(2)} | ${t.subgraphCpuPer1k.toFixed(2)} | ${n0(t.rssPeakMb)} | ${n0(t.rssEndMb)} |`;
  });
  const find = (test: (label: string) => boolean) => w.rows.find((r) => test(r.target.label));
  const theirs = find((l) => l.startsWith('@apollo/gateway'));
  const hiveBest = w.rows
    .filter((r) => r.target.label.startsWith('Hive Gateway'))
    .sort((x, y) => totals(y).rps - totals(x).rps)[0];
  const ratio = (ours: Row | undefined, other: Row | undefined, what: string) => {
    if (!ours || !other) return '';
    const a = totals(ours);
    const b = totals(other);
    return `\n\nFrontRow / ${what} (${ours.target.label} against ${other.target.label}): req/s **${(a.rps / b.rps).toFixed(2)}×**, p99 **${(a.p99 / b.p99).toFixed(2)}×**, RSS peak **${(a.rssPeakMb / b.rssPeakMb).toFixed(2)}×**, CPU per request ${(a.cpuPer1k / b.cpuPer1k).toFixed(2)}×.`;
  };
  const ratios =
    ratio(find((l) => l.startsWith('FrontRow gateway, no inbound dedup')), theirs, 'vanilla, neither deduplicating') +
    ratio(find((l) => l.startsWith('FrontRow gateway') && !l.includes('no inbound dedup') && !l.includes(', fan')), hiveBest, "Hive Gateway's best, both deduplicating");
  const missing = w.missing.length ? `\n\nNot measured: ${w.missing.map((m) => `${m}.`).join(' ')}` : '';
  const size = answerBytes.get(w.rows[0]?.target.label ?? '');
  const answer = size ? ` The answer is ${(size / 1024).toFixed(1)} kB of JSON.` : '';
  const notes = w.notes.map((n) => `\n\n${n}`).join('');
  return `### ${w.title}\n\n${head}\n${lines.join('\n')}${ratios}${answer}${missing}${notes}`;
}

function profileText(p: ProfileSummary): string {
  return `${PROFILE_HEADING}\n\n${profileMarkdown(
    p,
    `FrontRow's gateway under \`--cpu-prof\` for ${WARMUP + SECONDS} s of the Guild-shaped load (${CONNECTIONS} connections), after the measured rounds.`,
  )}`;
}

async function main(): Promise<void> {
  const loadStart = os.loadavg();
  const date = new Date().toISOString().slice(0, 10);
  const workloads: Workload[] = [];
  let profile: ProfileSummary | undefined;
  try {
    if (WORKLOADS.includes('guild')) {
      const g = await guildWorkload();
      workloads.push(g.workload);
      profile = g.profile;
    }
    if (WORKLOADS.includes('event-page')) workloads.push(await eventPageWorkload());
  } finally {
    for (const stop of stops.reverse()) await stop().catch((e: unknown) => console.error(e));
    rmSync(scratch, { recursive: true, force: true });
    if (REDIS_URL) await dropKeys(REDIS_URL, KV_PREFIX);
  }
  const loadEnd = os.loadavg();
  const tables = workloads.map(table).join('\n\n');
  console.log(`\n${tables}\n`);
  if (!WORKLOADS.includes('guild') || !WORKLOADS.includes('event-page')) {
    console.log(`a partial run (BENCH_WORKLOADS=${WORKLOADS.join(',')}): "${HEADING}" in docs/benchmarks.md is left as it was`);
    return;
  }
  // Without a profile in this run, the last one stays.
  const previous = readSection(HEADING);
  const kept = previous.indexOf(PROFILE_HEADING) === -1 ? '' : previous.slice(previous.indexOf(PROFILE_HEADING)).trim();
  const whereTimeGoes = profile ? profileText(profile) : kept || `${PROFILE_HEADING}\n\nNot profiled yet: \`BENCH_PROFILE=1 npm run bench -- gateway\`.`;
  const backing = process.env.DATABASE_URL ? `PostgreSQL${REDIS_URL ? ', Redis' : ''}${process.env.AMQP_URL ? ', RabbitMQ' : ''}` : 'embedded stand-ins';
  writeSection(
    HEADING,
    `\`npm run bench -- gateway\` (bench/gateway.ts), ${date}: each gateway in a process of its own, in
front of the same subgraphs (one more process), loaded by autocannon from the harness's process with
${CONNECTIONS} connections sending one operation, ${SECONDS} s a round, ${ROUNDS} rounds alternating the gateways
(A, B, C, A, B, C) after a ${WARMUP} s warm-up of each. req/s counts whole answers (data, no errors); the
latencies are every response's, all rounds merged; CPU is the process's user + system time from /proc
over the rounds, per 1,000 answers; RSS is sampled every 100 ms. Before the first round every gateway
must give the same answer as FrontRow's. Everything shares the machine's cores: the load generator, the
subgraphs and the gateway compete for them, as in the published figures below. Rounds of one gateway
that differ much mean the machine had other work too (see the load below); CPU per answer is the
steadier figure.

Gateways, all with \`NODE_ENV=production\`: FrontRow's (\`startGateway\`, per-caller rate limits raised,
counters in ${REDIS_URL ? 'Redis' : 'memory'}), run as production runs it, \`node -r @frontrow/register\`, with its
inbound in-flight deduplication (identical queries of one caller, or of anonymous callers, in flight at
once share one execution; its default) and without it (\`INFLIGHT_DEDUPLICATION=false\`); for the
Guild-shaped query, whose cost in FrontRow's model (107,812) is over the gateway's default limit
(20,000), with \`MAX_OPERATION_COST\` raised.
\`@apollo/gateway\` with \`@apollo/server\`'s standalone server and default settings
(bench/gateway/vanilla-gateway.ts, run as a JavaScript file runs: no source maps, no compiler loaded). Hive Gateway
\`@graphql-hive/gateway\` ${HIVE_VERSION} from npm (bench/gateway/hive; its CLI's \`supergraph\` command on the
same file), plain (its defaults, which deduplicate identical in-flight requests to subgraphs) and with
\`inboundInflightRequestDeduplication: true\` (identical in-flight client requests share one execution).

- **Guild-shaped**: four subgraphs (accounts, inventory, products, reviews) written here from the
  published description of The Guild's federation gateways benchmark, Federation 2 \`@key\` entities
  with a \`@requires\` and a \`@provides\`, fixed in-memory data, \`@apollo/subgraph\` behind a plain Node
  HTTP server in one process; the nested TestQuery (users and top products, down through reviews,
  products, authors and their reviews). "accounts subgraph alone" is \`${SINGLE_SUBGRAPH_QUERY}\` straight
  into that subgraph.
- **Event page**: the web portal's \`EventPage\` query (clients/sdk, events, venue, media's feeds,
  commerce's products and entitlement; the page asks nothing of creative) for the first demo event,
  FrontRow's seven subgraphs in one process (${backing}). Anonymous, and as a fan who signed up through
  identity (bearer token verified by the gateway). FrontRow's subgraphs answer only requests with the
  signed caller header only FrontRow's gateway makes; for \`@apollo/gateway\` and Hive the load generator
  sends a caller header signed for an anonymous caller (\`signCaller\`, made again every 20 s) and the
  gateway passes it on unchanged (a \`RemoteGraphQLDataSource.willSendRequest\`; Hive's
  \`propagateHeaders\`): they are measured anonymous only, without the signing FrontRow's gateway does
  for each request.

${tables}

Published anchors (issue 14, The Guild's benchmark on a machine of this kind, 50 virtual users):
\`@apollo/gateway\` ~70 req/s, Hive Gateway (Node) 86, Hive Gateway with JIT 104, Hive Gateway with
in-flight deduplication ~1,465; one subgraph alone ~11,000.

${whereTimeGoes}

Machine: ${machine()}; load ${loadStart[0].toFixed(1)} at start, ${loadEnd[0].toFixed(1)} at the end.`,
  );
  console.log(`wrote "${HEADING}" in docs/benchmarks.md`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
