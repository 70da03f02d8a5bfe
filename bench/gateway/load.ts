/**
 * One measurement of one gateway: autocannon's connections sending the same request for a
 * fixed time, every latency kept (so that rounds merge exactly), the process's CPU time
 * and resident memory read from /proc before, during (every 100 ms) and after.
 */
import autocannon from 'autocannon';
import type { Child } from './children';

export const CONNECTIONS = 50;
/** How often headers with a limited life (a signed caller header lives 60 s) are made again during a phase. */
const REFRESH_HEADERS_MS = 20_000;

export interface Target {
  label: string;
  url: string;
  body: string;
  /** Request headers, made again before each phase and every 20 s of it. */
  headers(): Promise<Record<string, string>>;
  /** True for a response body that is a whole answer (data, no errors). */
  ok(body: string): boolean;
  /** The process whose CPU and memory are this target's. */
  process: Child;
}

export interface Phase {
  seconds: number;
  responses: number;
  /** Responses whose body was a whole answer (data, no errors). */
  good: number;
  latencies: number[];
  /** Connection errors and timeouts. */
  errors: number;
  non2xx: number;
  cpuSeconds: number;
  subgraphCpuSeconds: number;
  rssPeakMb: number;
  rssEndMb: number;
}

/** Loads `target` for `seconds`: as fast as it answers, or at `rate` requests a second in all when given. */
export async function drive(target: Target, seconds: number, subgraphs: Child, rate?: number): Promise<Phase> {
  let headers = { 'content-type': 'application/json', ...(await target.headers()) };
  const clients: autocannon.Client[] = [];
  const latencies: number[] = [];
  let good = 0;
  const before = target.process.usage();
  const subgraphsBefore = subgraphs.usage();
  let peak = before.rssMb;
  const sampler = setInterval(() => (peak = Math.max(peak, target.process.usage().rssMb)), 100);
  const refresh = setInterval(() => {
    void target.headers().then((h) => {
      headers = { 'content-type': 'application/json', ...h };
      for (const c of clients) c.setHeaders(headers);
    });
  }, REFRESH_HEADERS_MS);
  try {
    const result = await new Promise<autocannon.Result>((resolve, reject) => {
      const instance = autocannon(
        {
          url: target.url,
          method: 'POST',
          headers,
          body: target.body,
          connections: CONNECTIONS,
          duration: seconds,
          timeout: 30,
          ...(rate ? { overallRate: rate } : {}),
          verifyBody: (body) => {
            const ok = target.ok(String(body));
            if (ok) good++;
            return ok;
          },
          setupClient: (client) => clients.push(client),
        },
        (err: unknown, r: autocannon.Result) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(r)),
      );
      instance.on('response', (_client: unknown, _status: number, _bytes: number, ms: number) => latencies.push(ms));
    });
    const after = target.process.usage();
    const subgraphsAfter = subgraphs.usage();
    return {
      seconds: result.duration,
      responses: latencies.length,
      good,
      latencies,
      errors: result.errors,
      non2xx: result.non2xx,
      cpuSeconds: after.cpuSeconds - before.cpuSeconds,
      subgraphCpuSeconds: subgraphsAfter.cpuSeconds - subgraphsBefore.cpuSeconds,
      rssPeakMb: Math.max(peak, after.rssMb),
      rssEndMb: after.rssMb,
    };
  } finally {
    clearInterval(sampler);
    clearInterval(refresh);
  }
}
