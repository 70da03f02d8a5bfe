import { randomUUID } from 'node:crypto';
import { uniqueName } from '@frontrow/kit/testing';
import type { Platform } from '../src/launch';
import { startTestPlatform, type TestPlatform } from './test-platform';

/** Telemetry through the gateway: GraphQL and the sendBeacon endpoint. */
let platform: Platform;
let world: TestPlatform;
let base: string;
const admin = { email: `${uniqueName('admin')}@example.com`, password: 'telemetry-admin-password' };
let fan: { id: string; token: string };

type Gql<T> = { data?: T; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };

async function gql<T = Record<string, unknown>>(query: string, variables: Record<string, unknown> = {}, token?: string): Promise<Gql<T>> {
  const res = await fetch(platform.gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as Gql<T>;
}

async function signUp(): Promise<{ id: string; token: string }> {
  const r = await gql<{ signUp: { accessToken: string; user: { id: string } } }>(
    `mutation($i: SignUpInput!) { signUp(input: $i) { accessToken user { id } } }`,
    { i: { email: `${uniqueName('fan')}@example.com`, password: 'a fan password', displayName: 'Fan' } },
  );
  return { id: r.data!.signUp.user.id, token: r.data!.signUp.accessToken };
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
  world = await startTestPlatform('telem', { seedAdmin: admin });
  platform = world.platform;
  base = platform.gateway.url.replace(/\/graphql$/, '');
  fan = await signUp();
});

afterAll(async () => {
  await world?.stop();
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
