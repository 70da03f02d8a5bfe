import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { freePort } from '@frontrow/kit';
import { codeOf, signUp } from '@frontrow/kit/testing';
import { startStack, type Stack } from './stack';

let stack: Stack;
let base: string;

beforeAll(async () => {
  stack = await startStack({ gateway: { rateLimits: { anonymousPerMinute: 1000, perPrincipalPerMinute: 1000 } } });
  base = stack.gateway.url.replace(/\/graphql$/, '');
});
afterAll(() => stack.close());

describe('operations', () => {
  it('serves /health and Prometheus /metrics', async () => {
    expect((await fetch(`${base}/health`)).status).toBe(200);
    await stack.gql(`query Probe { me { id } }`);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/graphql_operations_total\{[^}]*operation="Probe"[^}]*\} \d+/);
    expect((await fetch(new URL('/health', stack.identity.url))).status).toBe(200);
  });

  it('refuses an operation deeper than the limit before asking any subgraph', async () => {
    let shallow = 'name';
    for (let i = 0; i < 6; i++) shallow = `ofType { ${shallow} }`;
    expect((await stack.gql(`{ __type(name: "User") { fields { type { ${shallow} } } } }`)).errors).toBeUndefined();
    // ofType unwraps one wrapper at a time (bounded by the schema) and costs no depth;
    // fields of the types of fields do, each level a whole list.
    let introspection = 'name';
    for (let i = 0; i < 7; i++) introspection = `fields { type { ${introspection} } }`;
    const r = await stack.gql(`{ __type(name: "User") { ${introspection} } }`);
    expect(codeOf(r)).toBe('BAD_USER_INPUT');
    expect(r.errors?.[0].message).toMatch(/levels deep/);
    const aliases = Array.from({ length: 31 }, (_, i) => `a${i}: __typename`).join(' ');
    expect((await stack.gql(`{ ${aliases} }`)).errors?.[0].message).toMatch(/aliases/);
  });

  it('rate-limits per caller with RATE_LIMITED and HTTP 429', async () => {
    const limited = await startStack({ gateway: { rateLimits: { anonymousPerMinute: 3, perPrincipalPerMinute: 5 } } });
    try {
      for (let i = 0; i < 3; i++) expect((await limited.gql(`{ __typename }`)).status).toBe(200);
      const r = await limited.gql(`{ __typename }`);
      expect(r.status).toBe(429);
      expect(codeOf(r)).toBe('RATE_LIMITED');
      expect(r.errors?.[0].extensions?.retryAfterSeconds).toBeGreaterThan(0);
    } finally {
      await limited.close();
    }
  });

  it('answers a malformed query with Apollo\'s parse and validation codes and no internals', async () => {
    const r = await stack.gql(`{ me { id `);
    expect(codeOf(r)).toBe('GRAPHQL_PARSE_FAILED');
    const unknown = await stack.gql(`{ nope }`);
    expect(codeOf(unknown)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(JSON.stringify(unknown)).not.toMatch(/stacktrace|at \w+ \(/);
  });

  it('says a subgraph is down without showing where it lives', async () => {
    const port = await freePort();
    const broken = await startStack({ gateway: { subgraphUrls: { identity: `http://127.0.0.1:${port}/graphql` } } });
    try {
      const r = await broken.gql(`{ me { id } }`);
      expect(r.errors?.length).toBeGreaterThan(0);
      expect(JSON.stringify(r)).not.toMatch(new RegExp(`127\\.0\\.0\\.1|${port}|ECONNREFUSED`));
      expect(r.errors?.[0]).toMatchObject({ message: 'The identity service is unavailable right now; try again shortly.', extensions: { code: 'SERVICE_UNAVAILABLE', serviceName: 'identity' } });
    } finally {
      await broken.close();
    }
  });

  it('forwards the principal to subgraphs only through its signature', async () => {
    const fan = await signUp(stack.url, 'forwarded');
    // A client cannot smuggle its own principal header through the gateway.
    const r = await stack.gql<{ me: { id: string } | null }>(`{ me { id } }`, {}, { headers: { 'x-frontrow-principal': 'forged' } });
    expect(r.data?.me).toBeNull();
    const ok = await stack.gql<{ me: { id: string } }>(`{ me { id } }`, {}, { token: fan.accessToken, headers: { 'x-frontrow-principal': 'forged' } });
    expect(ok.data?.me.id).toBe(fan.user.id);
  });

  it('supports automatic persisted queries', async () => {
    const query = '{ __typename }';
    const sha256Hash = createHash('sha256').update(query).digest('hex');
    const ext = encodeURIComponent(JSON.stringify({ persistedQuery: { version: 1, sha256Hash } }));
    const miss = (await (await fetch(`${stack.gateway.url}?extensions=${ext}`, { headers: { 'apollo-require-preflight': 'true' } })).json()) as {
      errors: Array<{ extensions: { code: string } }>;
    };
    // The code Apollo's persisted-query links act on: they send the query again.
    expect(miss.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    const register = await fetch(stack.gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, extensions: { persistedQuery: { version: 1, sha256Hash } } }),
    });
    expect(register.status).toBe(200);
    const hit = await (await fetch(`${stack.gateway.url}?extensions=${ext}`, { headers: { 'apollo-require-preflight': 'true' } })).json();
    expect(hit).toEqual({ data: { __typename: 'Query' } });
  });
});

describe('the explorer', () => {
  it('is served entirely from the gateway, with nothing fetched from elsewhere', async () => {
    const res = await fetch(`${base}/explorer`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('FrontRow API explorer');
    const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(refs.length).toBeGreaterThanOrEqual(5);
    for (const ref of refs) {
      expect(ref.startsWith('/explorer/')).toBe(true);
      const asset = await fetch(`${base}${ref}`);
      expect(asset.status).toBe(200);
      const body = await asset.text();
      expect(body.length).toBeGreaterThan(100);
    }
    expect(res.headers.get('content-security-policy')).toContain("connect-src 'self'");
  });
});

describe('start-up configuration', () => {
  it('stops with a message naming a missing setting', () => {
    const env = { ...process.env, PRINCIPAL_SECRET: '', PORT: '0', LOG_LEVEL: 'info' };
    const run = spawnSync(process.execPath, ['-r', '@frontrow/register', join(__dirname, '..', 'src', 'index.ts')], {
      env,
      cwd: join(__dirname, '..'),
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.status).toBe(2);
    expect(run.stdout + run.stderr).toMatch(/PRINCIPAL_SECRET is required/);
    const bad = spawnSync(process.execPath, ['-r', '@frontrow/register', join(__dirname, '..', 'src', 'index.ts')], {
      env: { ...env, PRINCIPAL_SECRET: 'x'.repeat(40), PORT: 'eighty' },
      cwd: join(__dirname, '..'),
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(bad.status).toBe(2);
    expect(bad.stdout + bad.stderr).toMatch(/PORT must be an integer/);
  });
});
