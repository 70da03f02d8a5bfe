import { randomUUID } from 'node:crypto';
import { freePort } from '@frontrow/kit';
import { eventually, testSecret, uniqueName } from '@frontrow/kit/testing';
import { findOnPath, launchJanus, type RunningJanus } from '@frontrow/media-plane/src/janus';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { Platform } from '../src/launch';
import { startTestPlatform, type TestPlatform } from './test-platform';

/**
 * Telemetry through the gateway: GraphQL, the sendBeacon endpoint, and the audit log of
 * every other subgraph's admin actions. startIngest needs a media server: a Janus is
 * started when one is on PATH (CI installs it); without one that action is skipped, said.
 */
let platform: Platform;
let janus: RunningJanus | undefined;
let world: TestPlatform;
let base: string;
const admin = { email: `${uniqueName('admin')}@example.com`, password: 'telemetry-admin-password' };
let fan: { id: string; token: string; email: string };

type Gql<T> = { data?: T; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };

async function gql<T = Record<string, unknown>>(query: string, variables: Record<string, unknown> = {}, token?: string): Promise<Gql<T>> {
  const res = await fetch(platform.gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as Gql<T>;
}

async function signUp(): Promise<{ id: string; token: string; email: string }> {
  const email = `${uniqueName('fan')}@example.com`;
  const r = await gql<{ signUp: { accessToken: string; user: { id: string } } }>(
    `mutation($i: SignUpInput!) { signUp(input: $i) { accessToken user { id } } }`,
    { i: { email, password: 'a fan password', displayName: 'Fan' } },
  );
  return { id: r.data!.signUp.user.id, token: r.data!.signUp.accessToken, email };
}

/** What navigator.sendBeacon sends: a text/plain POST with no headers of its own. */
async function beacon(body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(`${base}/telemetry`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain;charset=UTF-8', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers };
}

function heartbeats(eventId: string, sessionId: string, n: number): Record<string, unknown>[] {
  return Array.from({ length: n }, (_, i) => ({ kind: 'HEARTBEAT', eventId, sessionId, at: new Date(Date.now() - 1000 - i).toISOString() }));
}

async function stored(eventId: string): Promise<number> {
  const rows = await platform.services.telemetry.em.getConnection().execute<{ n: string }[]>(`select count(*) as n from telemetry_event where event_id = ?`, [eventId]);
  return Number(rows[0].n);
}

beforeAll(async () => {
  let janusSettings;
  if (findOnPath('janus')) {
    const keys = { adminSecret: testSecret(), streamingAdminKey: testSecret() };
    janus = await launchJanus({ httpPort: await freePort(), adminPort: await freePort(), wsPort: await freePort(), ...keys, debugLevel: 2 });
    janusSettings = { url: janus.url, adminUrl: janus.adminUrl, ...keys };
  } else {
    console.warn('telemetry.test: no janus binary on PATH, so startIngest is left out of the audit test (apt install janus runs it)');
  }
  world = await startTestPlatform('telem', { seedAdmin: admin, janus: janusSettings, telemetrySettings: { rollupIntervalMs: 200, rollupSettleMs: 0, alertIntervalMs: 500 } });
  platform = world.platform;
  base = platform.gateway.url.replace(/\/graphql$/, '');
  fan = await signUp();
});

afterAll(async () => {
  await world?.stop();
  await janus?.stop();
});

describe('recordTelemetry through the gateway', () => {
  it('records a fan’s events over GraphQL and refuses anonymous callers', async () => {
    const eventId = randomUUID();
    const events = heartbeats(eventId, `gql-${randomUUID()}`, 3);
    const q = `mutation($e: [TelemetryEventInput!]!) { recordTelemetry(events: $e) { accepted rejected } }`;
    expect(await gql(q, { e: events }, fan.token)).toEqual({ data: { recordTelemetry: { accepted: 3, rejected: 0 } } });
    expect((await gql(q, { e: events })).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect(await stored(eventId)).toBe(3);
  });
});

describe('POST /telemetry (sendBeacon)', () => {
  it('takes the access token from the body, as sendBeacon cannot set headers', async () => {
    const eventId = randomUUID();
    const events = [...heartbeats(eventId, `b-${randomUUID()}`, 4), { kind: 'REBUFFER', eventId, sessionId: 'x', value: -1, at: new Date().toISOString() }];
    const r = await beacon({ events, accessToken: fan.token });
    expect(r).toMatchObject({ status: 200, body: { accepted: 4, rejected: 1 } });
    expect(await stored(eventId)).toBe(4);
  });

  it('takes the Authorization header too', async () => {
    const eventId = randomUUID();
    const r = await beacon({ events: heartbeats(eventId, `h-${randomUUID()}`, 2) }, { authorization: `Bearer ${fan.token}` });
    expect(r).toMatchObject({ status: 200, body: { accepted: 2, rejected: 0 } });
  });

  it('refuses anonymous beacons, bad tokens, and another fan’s session, with the status their code means', async () => {
    const eventId = randomUUID();
    const anon = await beacon({ events: heartbeats(eventId, 'anon', 1) });
    expect(anon.status).toBe(401);
    expect((anon.body.errors as Array<{ extensions: { code: string } }>)[0].extensions.code).toBe('UNAUTHENTICATED');
    const forged = await beacon({ events: heartbeats(eventId, 'forged', 1), accessToken: 'not.a.token' });
    expect(forged.status).toBe(401);
    const session = `mine-${randomUUID()}`;
    expect((await beacon({ events: heartbeats(eventId, session, 1), accessToken: fan.token })).status).toBe(200);
    const other = await signUp();
    const stolen = await beacon({ events: heartbeats(eventId, session, 1), accessToken: other.token });
    expect(stolen.status).toBe(403);
    expect((stolen.body.errors as Array<{ extensions: { code: string } }>)[0].extensions.code).toBe('FORBIDDEN');
    expect(await stored(eventId)).toBe(1);
  });

  it('refuses what is not a beacon: not JSON, no events, too many, too large', async () => {
    expect((await beacon('{not json')).status).toBe(400);
    expect((await beacon({ accessToken: fan.token })).status).toBe(400);
    const many = await beacon({ events: heartbeats(randomUUID(), `m-${randomUUID()}`, 1001), accessToken: fan.token });
    expect(many.status).toBe(400);
    expect((many.body.errors as Array<{ extensions: { code: string; field?: string } }>)[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'events' });
    const huge = await beacon({ events: [], accessToken: fan.token, padding: 'x'.repeat(600 * 1024) });
    expect(huge.status).toBe(413);
    expect(JSON.stringify(huge.body)).not.toMatch(/at |node_modules/);
  });
});

describe('the audit log through the gateway', () => {
  type Entry = { action: string; subgraph: string; targetType: string; targetId: string | null; actor: { id: string; displayName: string } | null };
  const LOG = `query($f: AuditFilter, $after: String) { auditLog(filter: $f, first: 100, after: $after) {
    edges { node { action subgraph targetType targetId actor { id displayName } } } pageInfo { hasNextPage endCursor } } }`;

  async function entries(token: string, filter: Record<string, unknown>): Promise<Entry[]> {
    const out: Entry[] = [];
    let after: string | null = null;
    for (;;) {
      const r: Gql<{ auditLog: { edges: Array<{ node: Entry }>; pageInfo: { hasNextPage: boolean; endCursor: string | null } } }> = await gql(LOG, { f: filter, after }, token);
      if (r.errors?.length || !r.data) throw new Error(JSON.stringify(r.errors));
      out.push(...r.data.auditLog.edges.map((e) => e.node));
      if (!r.data.auditLog.pageInfo.hasNextPage) return out;
      after = r.data.auditLog.pageInfo.endCursor;
    }
  }

  async function must<T>(query: string, variables: Record<string, unknown>, token: string): Promise<T> {
    const r = await gql<T>(query, variables, token);
    if (r.errors?.length || !r.data) throw new Error(`${query.slice(0, 60)}: ${JSON.stringify(r.errors)}`);
    return r.data;
  }

  it('has every admin mutation of the other subgraphs, with its actor, and only admins may read it', async () => {
    const token = (await must<{ signIn: { accessToken: string; user: { id: string } } }>(
      `mutation($i: SignInInput!) { signIn(input: $i) { accessToken user { id } } }`,
      { i: admin },
      '',
    )).signIn;
    const adminId = token.user.id;
    const t = token.accessToken;
    const since = new Date(Date.now() - 1000).toISOString();
    const expected: Array<[string, string, string | null]> = [];

    // events: createVenue, createEvent, addFeed, setEventStatus
    const venue = (await must<{ createVenue: { id: string } }>(`mutation { createVenue(input: { name: "Audit Arena", city: "Oslo", country: "NO", timezone: "Europe/Oslo" }) { id } }`, {}, t)).createVenue;
    expected.push(['events.venue.created', 'Venue', venue.id]);
    const start = new Date(Date.now() + 3_600_000);
    const event = (await must<{ createEvent: { id: string } }>(
      `mutation($v: ID!, $s: DateTime!, $e: DateTime!) { createEvent(input: { title: "Audit Cup", sport: "hockey", homeTeam: "A", awayTeam: "B", venueId: $v, startsAt: $s, endsAt: $e }) { id } }`,
      { v: venue.id, s: start.toISOString(), e: new Date(start.getTime() + 7_200_000).toISOString() },
      t,
    )).createEvent;
    const feed = (await must<{ addFeed: { id: string } }>(`mutation($e: ID!) { addFeed(input: { eventId: $e, label: "Rink", projection: EQUIRECT_MONO, isDefault: true }) { id } }`, { e: event.id }, t)).addFeed;
    // media: startIngest (once media has heard of the feed; before the event is live,
    // as going live starts the ingest by itself)
    if (janus) {
      await eventually(async () => {
        const r = await gql(`mutation($f: ID!) { startIngest(feedId: $f, presetId: "equirect-2k-vp8") { status } }`, { f: feed.id }, t);
        return r.errors?.length ? undefined : r;
      });
      expected.push(['media.ingest.started', 'Feed', feed.id]);
    }

    await must(`mutation($id: ID!) { setEventStatus(id: $id, status: LIVE) { id } }`, { id: event.id }, t);

    // identity: grantRole
    const mod = await signUp();
    await must(`mutation($u: ID!) { grantRole(userId: $u, role: MODERATOR) { id } }`, { u: mod.id }, t);
    expected.push(['identity.role.granted', 'User', mod.id]);

    // commerce: refundOrder of a paid order
    const product = (await must<{ createProduct: { id: string } }>(
      `mutation($i: ProductInput!) { createProduct(input: $i) { id } }`,
      { i: { kind: 'EVENT_PASS', name: 'Audit pass', eventId: event.id, amount: 999, currency: 'EUR', inventory: 5 } },
      t,
    )).createProduct;
    const buyer = await signUp();
    const order = (await must<{ checkout: { id: string } }>(`mutation($i: CheckoutInput!) { checkout(input: $i) { id } }`, { i: { productId: product.id, quantity: 1, idempotencyKey: randomUUID() } }, buyer.token)).checkout;
    await eventually(async () => (await gql<{ order: { status: string } }>(`query($id: ID!) { order(id: $id) { status } }`, { id: order.id }, buyer.token)).data?.order.status === 'PAID');
    await must(`mutation($o: ID!) { refundOrder(orderId: $o, reason: "audit test") { status } }`, { o: order.id }, t);
    expected.push(['commerce.order.refunded', 'Order', order.id]);

    // presence: kickMember, by the admin acting as a moderator
    const host = await signUp();
    const guest = await signUp();
    const party = (await must<{ createParty: { id: string; inviteCode: string } }>(`mutation($e: ID!) { createParty(eventId: $e) { id inviteCode } }`, { e: event.id }, host.token)).createParty;
    await must(`mutation($c: String!) { joinParty(inviteCode: $c) { id } }`, { c: party.inviteCode }, guest.token);
    await must(`mutation($p: ID!, $u: ID!) { kickMember(partyId: $p, userId: $u) }`, { p: party.id, u: guest.id }, t);
    expected.push(['presence.member.kicked', 'PartyMember', guest.id]);

    expected.push(['events.event.status_changed', 'Event', event.id]);
    let log: Entry[] = [];
    const found = await eventually(async () => {
      log = await entries(t, { actorId: adminId, from: since });
      return expected.every(([action, type, id]) => log.some((e) => e.action === action && e.targetType === type && e.targetId === id)) ? log : undefined;
    }).catch((e: unknown) => {
      throw new Error(`${String(e)}; the log has ${JSON.stringify(log.map((x) => [x.action, x.targetType, x.targetId]))}`);
    });
    for (const [action, , id] of expected) {
      const entry = found.find((e) => e.action === action && e.targetId === id)!;
      // The actor is identity's User, completed through the supergraph.
      expect(entry.actor).toEqual({ id: adminId, displayName: expect.any(String) });
      expect(entry.subgraph).toBe(action.split('.')[0]);
    }

    // Only admins read it: the new moderator and a fan are refused.
    const modToken = (await must<{ signIn: { accessToken: string } }>(`mutation($i: SignInInput!) { signIn(input: $i) { accessToken } }`, { i: { email: mod.email, password: 'a fan password' } }, '')).signIn.accessToken;
    expect((await gql(LOG, {}, modToken)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await gql(LOG, {}, fan.token)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await gql(LOG, {})).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('QoS through the gateway', () => {
  it('adds qos to the events subgraph’s Event for admins; a fan gets FORBIDDEN on that field only', async () => {
    const t = (await gql<{ signIn: { accessToken: string } }>(`mutation($i: SignInInput!) { signIn(input: $i) { accessToken } }`, { i: admin })).data!.signIn.accessToken;
    const venue = await gql<{ createVenue: { id: string } }>(`mutation { createVenue(input: { name: "QoS Hall", city: "Oslo", country: "NO", timezone: "Europe/Oslo" }) { id } }`, {}, t);
    const created = await gql<{ createEvent: { id: string } }>(
      `mutation($v: ID!) { createEvent(input: { title: "QoS Cup", sport: "hockey", homeTeam: "A", awayTeam: "B", venueId: $v, startsAt: "2031-05-01T18:00:00Z", endsAt: "2031-05-01T20:00:00Z" }) { id } }`,
      { v: venue.data!.createVenue.id },
      t,
    );
    const eventId = created.data!.createEvent.id;
    const q = `query($id: ID!) { event(id: $id) { id qos(window: "1h") { eventId window viewers series { at } } } }`;
    const asAdmin = await gql<{ event: { id: string; qos: { eventId: string; window: string; series: unknown[] } } }>(q, { id: eventId }, t);
    expect(asAdmin.errors).toBeUndefined();
    expect(asAdmin.data!.event.qos).toMatchObject({ eventId, window: '1h' });
    expect(asAdmin.data!.event.qos.series).toHaveLength(60);
    const asFan = await gql<{ event: { id: string; qos: unknown } }>(q, { id: eventId }, fan.token);
    expect(asFan.data?.event).toEqual({ id: eventId, qos: null });
    expect(asFan.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });
});

describe('alerts through the gateway', () => {
  it('reach an admin subscribed over graphql-ws, with the rule completed; fans may not subscribe', async () => {
    const t = (await gql<{ signIn: { accessToken: string } }>(`mutation($i: SignInInput!) { signIn(input: $i) { accessToken } }`, { i: admin })).data!.signIn.accessToken;
    const rule = await gql<{ createAlertRule: { id: string } }>(`mutation { createAlertRule(metric: "errors", threshold: 2, window: "5m") { id } }`, {}, t);
    expect(rule.errors).toBeUndefined();
    const ruleId = rule.data!.createAlertRule.id;
    const connect = (token: string) =>
      createClient({ url: platform.gateway.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true, connectionParams: { authorization: `Bearer ${token}` } });
    const adminClient = connect(t);
    const fanClient = connect(fan.token);
    const got: Array<{ eventId: string; value: number; rule: { id: string; metric: string } }> = [];
    const refused: unknown[] = [];
    const query = `subscription { alerts { eventId value rule { id metric } } }`;
    const stopAdmin = adminClient.subscribe<{ alerts: (typeof got)[number] }>({ query }, { next: (v) => v.data && got.push(v.data.alerts), error: () => undefined, complete: () => undefined });
    const stopFan = fanClient.subscribe({ query }, { next: (v) => v.errors && refused.push(...v.errors), error: (e) => refused.push(e), complete: () => undefined });
    try {
      await eventually(() => refused.length > 0);
      expect(JSON.stringify(refused)).toMatch(/FORBIDDEN/);
      await eventually(() => platform.services.telemetry.alertHub.subscribers >= 1);
      const eventId = randomUUID();
      const session = `alerting-${randomUUID()}`;
      const errors = Array.from({ length: 3 }, (_, i) => ({ kind: 'ERROR', eventId, sessionId: session, at: new Date(Date.now() - 2000 - i).toISOString() }));
      const r = await beacon({ events: [...heartbeats(eventId, session, 1), ...errors], accessToken: fan.token });
      expect(r.body).toEqual({ accepted: 4, rejected: 0 });
      await eventually(() => got.some((a) => a.eventId === eventId));
      expect(got.filter((a) => a.eventId === eventId)).toEqual([{ eventId, value: 3, rule: { id: ruleId, metric: 'errors' } }]);
    } finally {
      stopAdmin();
      stopFan();
      await adminClient.dispose();
      await fanClient.dispose();
    }
  });
});
