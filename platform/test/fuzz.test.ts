import { signIn, signUp, uniqueName } from '@frontrow/kit/testing';
import fc from 'fast-check';
import { fuzzCases, requestBody, type FuzzCase } from './fuzz-arbitraries';
import { fault } from './oracle';
import { supergraphApiSchema } from './operations';
import { startTestPlatform, type TestPlatform } from './test-platform';

/**
 * The property-based fuzzer: fast-check draws queries and mutations of the supergraph
 * with arguments built from their input types (fuzz-arbitraries.ts) and sends each
 * through the gateway as an admin or as a fan. Property: every answer is clean (the
 * oracle of oracle.ts: below 500, JSON, coded errors, no stack trace, path or SQL), and
 * every service is healthy afterwards. The seed and the number of runs are fixed, so a
 * run is repeatable; FUZZ_SEED and FUZZ_RUNS change them. A failure names fast-check's
 * shrunk counterexample, its seed and its path.
 */

const SEED = Number(process.env.FUZZ_SEED ?? 20261203);
const RUNS = Number(process.env.FUZZ_RUNS ?? 2000);

let world: TestPlatform;
const tokens: Record<FuzzCase['caller'], string> = { admin: '', fan: '' };
const admin = { email: `${uniqueName('admin')}@example.com`, password: 'fuzz-admin-password' };

beforeAll(async () => {
  // Both callers send a thousand requests or more: the gateway's per-caller limit is raised.
  world = await startTestPlatform('fuzz', { seedAdmin: admin, gateway: { rateLimits: { perPrincipalPerMinute: 1_000_000 } } });
  tokens.admin = (await signIn(world.platform.gateway.url, admin.email, admin.password)).accessToken;
  tokens.fan = (await signUp(world.platform.gateway.url, 'Fuzzed Fan')).accessToken;
});

afterAll(async () => {
  await world?.stop();
});

describe('the property-based fuzzer', () => {
  /** Answers by the first error's code ('data' without errors), counted over every run. */
  const outcomes = new Map<string, number>();
  let runs = 0;
  let refusedAtTheEdge = 0;

  it('gets a clean answer to every drawn call through the gateway', async () => {
    const property = fc.asyncProperty(fuzzCases(supergraphApiSchema()), async (c) => {
      runs++;
      const res = await fetch(world.platform.gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[c.caller]}` },
        body: requestBody(c.operation.document, c.operation.variables),
      });
      const text = await res.text();
      // GraphQL's coercion of the variables refuses at the edge; the rest reach the resolvers.
      if (text.includes('Variable \\"$')) refusedAtTheEdge++;
      const f = fault(res.status, text, outcomes);
      if (f) throw new Error(`${c.operation.name} as ${c.caller}: ${f}`);
    });
    // fast-check's report (the shrunk counterexample, the seed and the path to replay it) is the failure's message.
    await fc.assert(property, { seed: SEED, numRuns: RUNS, includeErrorInReport: true });
    const byCode = [...outcomes.entries()].sort((a, b) => b[1] - a[1]).map(([code, n]) => `${code} ${n}`);
    console.log(`fuzzer: seed ${SEED}, ${runs} cases, ${refusedAtTheEdge} refused by the coercion of their variables; by the first error's code: ${byCode.join(', ')}`);
    expect(runs).toBe(RUNS);
    // Refused at the edge, refused by the resolvers, and carried out: the draws reach all three.
    expect(outcomes.get('BAD_USER_INPUT') ?? 0).toBeGreaterThan(RUNS / 10);
    expect((outcomes.get('data') ?? 0) + (outcomes.get('NOT_FOUND') ?? 0)).toBeGreaterThan(RUNS / 20);
  });

  it('names the shrunk counterexample, the seed and the path when the property fails', async () => {
    // A planted fault, with no server: any text of a thousand characters or more "breaks" it.
    const long = (v: unknown): boolean => (typeof v === 'string' ? v.length >= 1000 : v !== null && typeof v === 'object' && Object.values(v).some(long));
    const planted = fc.asyncProperty(fuzzCases(supergraphApiSchema()), async (c) => {
      if (long(c.operation.variables)) throw new Error(`${c.operation.name}: planted fault`);
    });
    const failure = await fc.assert(planted, { seed: SEED, numRuns: 1000, includeErrorInReport: true }).then(
      () => 'no failure',
      (e: Error) => e.message,
    );
    expect(failure).toMatch(/Counterexample: \[/);
    expect(failure).toMatch(/Shrunk \d+ time/);
    expect(failure).toMatch(new RegExp(`seed: ${SEED}, path: "[\\d:]+"`));
    // Shrunk to the smallest text that still fails.
    expect(failure).toContain(`"${'x'.repeat(1000)}"`);
    expect(failure).toMatch(/planted fault/);
  });

  it('leaves every service healthy', async () => {
    const urls = [world.platform.gateway.url, ...Object.values(world.platform.services as unknown as Record<string, { url: string }>).map((s) => s.url)];
    for (const url of urls) {
      const res = await fetch(url.replace(/\/graphql$/, '/health'));
      expect({ url, status: res.status }).toEqual({ url, status: 200 });
    }
  });
});
