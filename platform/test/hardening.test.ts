import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PRINCIPAL_HEADER, SCOPES, operationAccessRules, renderScopesDoc, signCaller } from '@frontrow/kit';
import { gql as request, signIn, signUp as signUpAt, uniqueName, type Account, type GqlReply } from '@frontrow/kit/testing';
import type { GraphQLSchema } from 'graphql';
import type { Platform } from '../src/launch';
import { ROOT } from '../src/launch';
import { allOperations, hasData, ruleOf, subscribeOnce, supergraphApiSchema } from './operations';
import type { Loose, Reply } from './party-harness';
import { startTestPlatform, type TestPlatform } from './test-platform';

/**
 * What an outside probe broke on the whole platform, tried again through the gateway
 * and, where it applies, straight at a subgraph: API-key scopes on every operation of
 * the supergraph, inputs that crashed or froze the platform, errors that leaked.
 */
let world: TestPlatform;
let platform: Platform;
let schema: GraphQLSchema;
const admin = { email: `${uniqueName('admin')}@example.com`, password: 'hardening-admin-password' };
let adminToken: string;
let fan: { id: string; token: string };
let moderator: { id: string; token: string };

async function post(url: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; type: string; text: string; json: Reply | null }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const text = await res.text();
  let json: Reply | null = null;
  try {
    json = JSON.parse(text) as Reply;
  } catch {
    json = null;
  }
  return { status: res.status, type: res.headers.get('content-type') ?? '', text, json };
}

/** The shared test client against the gateway; no request here may cost the platform a 5xx. */
async function gql<T = Loose>(query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<GqlReply<T>> {
  const r = await request<T>(platform.gateway.url, query, variables, { headers });
  expect(r.status).toBeLessThan(500);
  return r;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

const signUp = (name: string): Promise<Account> => signUpAt(platform.gateway.url, name);

async function apiKey(token: string, scopes: string[]): Promise<string> {
  const r = await gql(`mutation($i: ApiKeyInput!) { createApiKey(input: $i) { secret } }`, { i: { name: 'probe', scopes } }, bearer(token));
  if (!r.data) throw new Error(`createApiKey failed: ${JSON.stringify(r.errors)}`);
  return r.data.createApiKey.secret;
}

/** How long /health takes to answer, in ms. */
async function healthMs(): Promise<number> {
  const started = performance.now();
  const res = await fetch(platform.gateway.url.replace(/\/graphql$/, '/health'));
  await res.text();
  expect(res.status).toBe(200);
  return performance.now() - started;
}

beforeAll(async () => {
  world = await startTestPlatform('hardening', { seedAdmin: admin });
  platform = world.platform;
  schema = supergraphApiSchema();
  adminToken = (await gql(`mutation($i: SignInInput!) { signIn(input: $i) { accessToken } }`, { i: admin })).data!.signIn.accessToken;
  const signedUp = await signUp('fan');
  fan = { id: signedUp.user.id, token: signedUp.accessToken };
  const mod = await signUp('moderator');
  const granted = await gql(`mutation($u: ID!) { grantRole(userId: $u, role: MODERATOR) { roles } }`, { u: mod.user.id }, bearer(adminToken));
  expect(granted.data?.grantRole.roles).toContain('MODERATOR');
  // Roles travel in the access token: sign in again to carry the new one.
  const again = await signIn(platform.gateway.url, mod.user.email, mod.password);
  moderator = { id: mod.user.id, token: again.accessToken };
});

afterAll(async () => {
  await world?.stop();
});

// ---------------------------------------------------------------------------
// Every operation of the supergraph, with values that make a valid document.
// ---------------------------------------------------------------------------

const ALL_SCOPES = Object.keys(SCOPES);

describe('API-key scopes on every operation of the supergraph', () => {
  it('every operation declares who may call it, and docs/scopes.md says the same', () => {
    const ops = allOperations(schema);
    expect(ops.length).toBeGreaterThan(50);
    expect(ops.filter((op) => !operationAccessRules().has(op.name)).map((op) => op.name)).toEqual([]);
    // The committed table is what the code declares (`npm run compose` writes it).
    expect(readFileSync(join(ROOT, 'docs', 'scopes.md'), 'utf8')).toBe(renderScopesDoc());
  });

  it('reproduces the probe: a moderator\'s key without moderation scopes reads no reports and dismisses nothing', async () => {
    const eventsOnly = await apiKey(moderator.token, ['profile:read']);
    const queue = await gql(`{ moderationQueue { edges { node { id } } } }`, {}, { 'x-api-key': eventsOnly });
    expect(queue.data ?? null).toBeNull();
    expect(queue.errors?.[0]).toMatchObject({ extensions: { code: 'FORBIDDEN' } });
    expect(queue.errors?.[0].message).toMatch(/lacks the scope "moderation:read"/);
    const dismiss = await gql(`mutation($r: ID!) { dismissReport(reportId: $r) }`, { r: randomUUID() }, { 'x-api-key': eventsOnly });
    expect(dismiss.errors?.[0].message).toMatch(/lacks the scope "moderation:write"/);
    // The same moderator's key with the scope does read the queue, and a fan's key with it does not.
    const withScope = await apiKey(moderator.token, ['moderation:read']);
    expect((await gql(`{ moderationQueue { edges { node { id } } } }`, {}, { 'x-api-key': withScope })).data?.moderationQueue).toEqual({ edges: [] });
    const fansKey = await apiKey(fan.token, ['moderation:read']);
    expect((await gql(`{ moderationQueue { edges { node { id } } } }`, {}, { 'x-api-key': fansKey })).errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });

  it('refuses, for every operation, a key that lacks its scope, a key where only people may act, anonymous callers and fans without the role', async () => {
    const outcomes: Array<{ op: string; as: string; got: string }> = [];
    const keysWithout = new Map<string, string>();
    const everyScope = await apiKey(moderator.token, ALL_SCOPES);
    for (const op of allOperations(schema)) {
      const rule = ruleOf(op);
      if ('public' in rule) continue;
      const expect1 = (as: string, got: Reply, code: string, message?: RegExp) => {
        const error = got.errors?.[0];
        const ok = error?.extensions?.code === code && (!message || message.test(error.message)) && !hasData(got);
        outcomes.push({ op: op.name, as, got: ok ? 'refused as expected' : JSON.stringify(got).slice(0, 300) });
      };
      const call = async (headers: Record<string, string>): Promise<Reply> =>
        op.kind === 'subscription' ? subscribeOnce(platform.gateway.wsUrl, op, headers) : gql(op.document, op.variables, headers);

      if (!rule.anonymous) expect1('anonymous', await call({}), 'UNAUTHENTICATED');
      if (rule.usersOnly || !rule.scope) {
        expect1('a key with every scope', await call({ 'x-api-key': everyScope }), 'FORBIDDEN', /signed-in user|cannot call/);
      } else {
        let key = keysWithout.get(rule.scope);
        if (!key) {
          key = await apiKey(moderator.token, ALL_SCOPES.filter((s) => s !== rule.scope));
          keysWithout.set(rule.scope, key);
        }
        expect1(`a moderator's key without ${rule.scope}`, await call({ 'x-api-key': key }), 'FORBIDDEN', new RegExp(`lacks the scope "${rule.scope}"`));
      }
      if (rule.roles?.length) expect1('a fan', await call(bearer(fan.token)), 'FORBIDDEN');
    }
    expect(outcomes.filter((o) => o.got !== 'refused as expected')).toEqual([]);
    expect(outcomes.length).toBeGreaterThan(60);
  });
});

// ---------------------------------------------------------------------------
// Inputs that crashed or froze the platform.
// ---------------------------------------------------------------------------

describe('inputs that crashed or froze the platform', () => {
  it('refuses a 200 KB reaction at once, through the gateway and straight at presence, and stays healthy', async () => {
    const host = await signUp('reactor');
    const venue = await gql(`mutation { createVenue(input: { name: "Probe Arena", city: "Lyon", country: "FR", timezone: "Europe/Paris" }) { id } }`, {}, bearer(adminToken));
    const event = await gql(
      `mutation($v: ID!) { createEvent(input: { title: "Probe game", sport: "football", homeTeam: "A", awayTeam: "B", venueId: $v,
         startsAt: "2031-03-01T20:00:00Z", endsAt: "2031-03-01T22:00:00Z" }) { id } }`,
      { v: venue.data!.createVenue.id },
      bearer(adminToken),
    );
    const party = await gql(`mutation($e: ID!) { createParty(eventId: $e) { id } }`, { e: event.data!.createEvent.id }, bearer(host.accessToken));
    const partyId = party.data!.createParty.id as string;
    const huge = '😀'.repeat(100_000);
    const started = performance.now();
    const viaGateway = await gql(`mutation($p: ID!, $e: String!) { react(partyId: $p, emoji: $e) }`, { p: partyId, e: huge }, bearer(host.accessToken));
    expect(viaGateway.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    // Under the edge's length limit, the reaction's own limit answers before any segmenting.
    const long = await gql(`mutation($p: ID!, $e: String!) { react(partyId: $p, emoji: $e) }`, { p: partyId, e: '😀'.repeat(4_000) }, bearer(host.accessToken));
    expect(long.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'emoji' } });
    const direct = await post(
      platform.services.presence.url,
      JSON.stringify({ query: `mutation($p: ID!, $e: String!) { react(partyId: $p, emoji: $e) }`, variables: { p: partyId, e: huge } }),
      { [PRINCIPAL_HEADER]: await signCaller({ principal: { kind: 'user', userId: host.user.id, roles: ['FAN'], scopes: [] } }, world.principalSecret) },
    );
    expect(direct.json?.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(performance.now() - started).toBeLessThan(5_000);
    expect((await gql(`mutation($p: ID!) { react(partyId: $p, emoji: "👍🏽") }`, { p: partyId }, bearer(host.accessToken))).data).toEqual({ react: true });
  });

  const deepQuery = `query { events { edges { node { ${'feeds { event { '.repeat(26)} id ${'} } '.repeat(26)} } } } }`;

  it('refuses a depth-53 query straight at a subgraph: unsigned with 401, signed with the gateway\'s limits', async () => {
    const unsigned = await post(platform.services.events.url, JSON.stringify({ query: deepQuery }));
    expect(unsigned.status).toBe(401);
    expect(unsigned.json?.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    const signed = await post(platform.services.events.url, JSON.stringify({ query: deepQuery }), {
      [PRINCIPAL_HEADER]: await signCaller({ principal: null }, world.principalSecret),
    });
    expect(signed.status).toBe(400);
    expect(signed.json?.errors?.[0].message).toMatch(/levels deep/);
    const aliases = `query { ${Array.from({ length: 1000 }, (_, i) => `a${i}: venues { id }`).join(' ')} }`;
    const many = await post(platform.services.events.url, JSON.stringify({ query: aliases }), {
      [PRINCIPAL_HEADER]: await signCaller({ principal: null }, world.principalSecret),
    });
    expect(many.json?.errors?.[0].message).toMatch(/aliases/);
    expect((await gql(deepQuery)).errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('refuses three fragment fan-outs at once while /health answers within 100 ms', async () => {
    let fragments = 'fragment F0 on Event { id title }\n';
    for (let i = 1; i <= 20; i++) fragments += `fragment F${i} on Event { ...F${i - 1} ... on Event { ...F${i - 1} } }\n`;
    const bomb = JSON.stringify({ query: `query { event(id: "${randomUUID()}") { ...F20 } }\n${fragments}` });
    await healthMs(); // a warm connection, as a load balancer keeps
    const attacks = Array.from({ length: 3 }, () => post(platform.gateway.url, bomb));
    const health: number[] = [];
    let done = false;
    const all = Promise.all(attacks).finally(() => (done = true));
    while (!done) health.push(await healthMs());
    health.push(await healthMs());
    for (const r of await all) {
      expect(r.status).toBe(400);
      expect(r.json?.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
      expect(r.json?.errors?.[0].message).toMatch(/fields once its fragments are expanded/);
    }
    expect(Math.max(...health)).toBeLessThan(100);
  });

  it('answers a document with two operations and no operationName with 400, not 500', async () => {
    const r = await post(platform.gateway.url, JSON.stringify({ query: 'query A { venues { id } } query B { venues { name } }' }));
    expect(r.status).toBe(400);
    expect(r.json?.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    const named = await post(platform.gateway.url, JSON.stringify({ query: 'query A { venues { id } } query B { venues { name } }', operationName: 'C' }));
    expect(named.status).toBe(400);
  });
});

describe('text and dates that PostgreSQL refuses are refused at the edge', () => {
  const NUL = 'a\u0000b';
  const SURROGATE = 'a\ud800b';
  const cases: Array<[string, string, (bad: string) => Record<string, unknown>, 'anonymous' | 'fan' | 'admin']> = [
    ['signUp', `mutation($i: SignUpInput!) { signUp(input: $i) { accessToken } }`, (b) => ({ i: { email: 'x@example.com', password: 'a long password', displayName: b } }), 'anonymous'],
    ['signIn', `mutation($i: SignInInput!) { signIn(input: $i) { accessToken } }`, (b) => ({ i: { email: `${b}@example.com`, password: 'a long password' } }), 'anonymous'],
    ['createApiKey', `mutation($i: ApiKeyInput!) { createApiKey(input: $i) { secret } }`, (b) => ({ i: { name: b, scopes: ['profile:read'] } }), 'fan'],
    ['startDevicePairing', `mutation($i: DevicePairingInput!) { startDevicePairing(input: $i) { userCode } }`, (b) => ({ i: { deviceName: b, platform: 'quest' } }), 'anonymous'],
    ['approveDevicePairing', `mutation($c: String!) { approveDevicePairing(userCode: $c) { id } }`, (b) => ({ c: b }), 'fan'],
    ['events search', `query($s: String) { events(filter: { search: $s }) { edges { cursor } } }`, (b) => ({ s: b }), 'anonymous'],
    ['events sport', `query($s: String) { events(filter: { sport: $s }) { edges { cursor } } }`, (b) => ({ s: b }), 'anonymous'],
    ['checkout idempotencyKey', `mutation($i: CheckoutInput!) { checkout(input: $i) { id } }`, (b) => ({ i: { productId: randomUUID(), quantity: 1, idempotencyKey: b } }), 'fan'],
    ['createVenue', `mutation($i: VenueInput!) { createVenue(input: $i) { id } }`, (b) => ({ i: { name: b, city: 'Lyon', country: 'FR', timezone: 'Europe/Paris' } }), 'admin'],
    ['createEvent', `mutation($i: EventInput!) { createEvent(input: $i) { id } }`, (b) => ({ i: { title: b, sport: 'football', homeTeam: 'A', awayTeam: 'B', venueId: randomUUID(), startsAt: '2031-01-01T00:00:00Z', endsAt: '2031-01-01T02:00:00Z' } }), 'admin'],
    ['joinParty', `mutation($c: String!) { joinParty(inviteCode: $c) { id } }`, (b) => ({ c: b }), 'fan'],
  ];

  it.each(cases)('%s: NUL, unpaired surrogates and 200 KB strings are BAD_USER_INPUT, never echoed', async (_name, query, vars, who) => {
    const headers = who === 'fan' ? bearer(fan.token) : who === 'admin' ? bearer(adminToken) : {};
    for (const bad of [NUL, SURROGATE, 'x'.repeat(200_000)]) {
      const r = await post(platform.gateway.url, JSON.stringify({ query, variables: vars(bad) }), headers);
      expect(r.status).toBe(400);
      expect(r.json?.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(r.text.length).toBeLessThan(1_000);
    }
  });

  it('refuses year 275760 and year 1800 in event dates and filters', async () => {
    const far = await gql(`query($d: DateTime) { events(filter: { from: $d }) { edges { cursor } } }`, { d: '+275760-09-13T00:00:00.000Z' });
    expect(far.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const old = await gql(
      `mutation($v: ID!) { createEvent(input: { title: "Old", sport: "football", homeTeam: "A", awayTeam: "B", venueId: $v,
         startsAt: "1800-01-01T00:00:00Z", endsAt: "1800-01-01T02:00:00Z" }) { id } }`,
      { v: randomUUID() },
      bearer(adminToken),
    );
    // A literal in the document that its scalar refuses fails validation, in Apollo's words.
    expect(old.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('limits sport in the filter like everywhere else', async () => {
    const r = await gql(`query($s: String) { events(filter: { sport: $s }) { edges { cursor } } }`, { s: 'f'.repeat(61) });
    expect(r.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'sport' } });
  });
});

describe('bodies that never reach GraphQL', () => {
  it('answers malformed JSON, a JSON null, a 10 MB body and an unknown path with JSON errors, on the gateway and on a subgraph', async () => {
    const targets = [platform.gateway.url, platform.services.commerce.url];
    for (const url of targets) {
      for (const [body, status] of [
        ['{"query":', 400],
        ['null', 400],
        [JSON.stringify({ query: `{ venues { id } }`, pad: 'x'.repeat(10 * 1024 * 1024) }), 413],
      ] as const) {
        const r = await post(url, body);
        expect({ url, status: r.status, type: r.type.split(';')[0] }).toEqual({ url, status, type: 'application/json' });
        expect(r.json?.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
        expect(r.text).not.toMatch(/ at |node_modules|\.ts|<html|SyntaxError/i);
      }
      const missing = await fetch(new URL('/no/such/path', url));
      expect(missing.status).toBe(404);
      expect(missing.headers.get('content-type')).toContain('application/json');
    }
  });
});

describe('links point where a person can follow them', () => {
  it('serves the finance export through the gateway\'s public URL, signature checked by commerce', async () => {
    const r = await gql(`{ financeExportUrl(from: "2026-01-01T00:00:00Z", to: "2026-12-31T00:00:00Z") }`, {}, bearer(adminToken));
    const link = new URL(r.data!.financeExportUrl as string);
    const gateway = new URL(platform.gateway.url);
    expect(link.origin).toBe(gateway.origin);
    expect(link.pathname).toBe('/files/commerce/exports/orders.csv');
    const csv = await fetch(link);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect((await csv.text()).split('\r\n')[0]).toBe('id,created_at,user_id,status,currency,amount');
    const tampered = new URL(link);
    tampered.searchParams.set("to", "2026-12-31T12:00:00.000Z");
    expect((await fetch(tampered)).status).toBeGreaterThanOrEqual(400);
    // Nothing but a subgraph's downloads is reachable through /files.
    for (const path of ['/files/commerce/internal/anything', '/files/identity/internal/api-keys/verify', '/files/commerce/metrics', '/files/nowhere/exports/x']) {
      const res = await fetch(new URL(path, gateway));
      expect({ path, status: res.status }).toEqual({ path, status: 404 });
    }
  });

  it('sends a headset to the web portal\'s /pair', async () => {
    const r = await gql(`mutation { startDevicePairing(input: { deviceName: "Quest", platform: "quest" }) { verificationUri } }`);
    expect(r.data?.startDevicePairing.verificationUri).toBe('http://localhost:3000/pair');
  });
});
