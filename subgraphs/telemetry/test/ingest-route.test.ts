import { randomUUID } from 'node:crypto';
import { PRINCIPAL_HEADER, signCaller } from '@frontrow/kit';
import { Harness, apiKey, code, heartbeat, user, type As } from './helpers';

/** POST /ingest as the gateway's beacon route calls it: a signed caller (or none, or a forged one). */
async function ingest(h: Harness, body: unknown, as: As | 'forged' | 'none'): Promise<{ status: number; body: Record<string, unknown> }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (as === 'forged') headers[PRINCIPAL_HEADER] = await signCaller({ principal: user(['ADMIN']) }, 'not the gateway secret, but long enough');
  else if (as !== 'none') headers[PRINCIPAL_HEADER] = await signCaller({ principal: as, clientIp: '203.0.113.9' }, h.secret);
  const res = await fetch(new URL('ingest', h.handle.url), { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

function errorCode(body: Record<string, unknown>): string | undefined {
  return (body.errors as Array<{ extensions?: { code?: string } }> | undefined)?.[0]?.extensions?.code;
}

describe('POST /ingest (what the gateway forwards beacons to)', () => {
  const h = new Harness();
  beforeAll(() => h.start());
  afterAll(() => h.stop());

  const eventId = randomUUID();
  const at = () => new Date(Date.now() - 1000).toISOString();

  it('stores what recordTelemetry stores: the rows, and the counts of accepted and rejected', async () => {
    const fan = user();
    const events = [
      heartbeat(eventId, 's-route-1'),
      { kind: 'BITRATE', eventId, sessionId: 's-route-1', at: at(), value: 4500, feedId: randomUUID() },
      { kind: 'REBUFFER', eventId, sessionId: 's-route-1', at: at(), value: -1 },
    ];
    const res = await ingest(h, { events }, fan);
    expect(res).toEqual({ status: 200, body: { accepted: 2, rejected: 1 } });
    const rows = await h.sql<{ n: string }>(`select count(*) as n from telemetry_event where session_id = 's-route-1' and user_id = ?`, [fan.userId]);
    expect(Number(rows[0].n)).toBe(2);
  });

  // Each body either refuses the whole call or counts the same, through the route and through GraphQL.
  const cases: Array<[string, unknown]> = [
    ['a well-formed event', { kind: 'HEARTBEAT', eventId: randomUUID(), sessionId: 'p-1', at: at() }],
    ['nulls where the input allows them', { kind: 'ERROR', eventId: randomUUID(), sessionId: 'p-1', at: at(), value: null, feedId: null, placementId: null }],
    ['an unknown kind', { kind: 'SNEEZE', eventId: randomUUID(), sessionId: 'p-1', at: at() }],
    ['a kind in lower case', { kind: 'heartbeat', eventId: randomUUID(), sessionId: 'p-1', at: at() }],
    ['no at', { kind: 'HEARTBEAT', eventId: randomUUID(), sessionId: 'p-1' }],
    ['at that is not a DateTime', { kind: 'HEARTBEAT', eventId: randomUUID(), sessionId: 'p-1', at: 'yesterday' }],
    ['at as a number', { kind: 'HEARTBEAT', eventId: randomUUID(), sessionId: 'p-1', at: Date.now() }],
    ['at in the year 20000', { kind: 'HEARTBEAT', eventId: randomUUID(), sessionId: 'p-1', at: '+020000-01-01T00:00:00Z' }],
    ['an unknown field', { kind: 'HEARTBEAT', eventId: randomUUID(), sessionId: 'p-1', at: at(), extra: 1 }],
    ['a value as a string', { kind: 'BITRATE', eventId: randomUUID(), sessionId: 'p-1', at: at(), value: '4500' }],
    ['a session id as a number', { kind: 'HEARTBEAT', eventId: randomUUID(), sessionId: 42, at: at() }],
    ['an integer event id (an ID, but not one of ours: rejected)', { kind: 'HEARTBEAT', eventId: 12, sessionId: 'p-1', at: at() }],
    ['an event id as a float', { kind: 'HEARTBEAT', eventId: 1.5, sessionId: 'p-1', at: at() }],
    ['an event id as a boolean', { kind: 'HEARTBEAT', eventId: true, sessionId: 'p-1', at: at() }],
    ['a null event', null],
    ['a list in place of an event', []],
    ['an empty session id (malformed, counted)', { kind: 'HEARTBEAT', eventId: randomUUID(), sessionId: '', at: at() }],
    ['an impression without a placement (malformed, counted)', { kind: 'IMPRESSION', eventId: randomUUID(), sessionId: 'p-1', at: at() }],
  ];

  it.each(cases)('answers %s as recordTelemetry does', async (_name, given) => {
    const fan = user();
    // Each case a session of its own: the first fan to record one owns it.
    const event = given && typeof given === 'object' && 'sessionId' in given && given.sessionId === 'p-1' ? { ...given, sessionId: `p-${randomUUID()}` } : given;
    const viaGraphQL = await h.record([event], fan);
    const viaRoute = await ingest(h, { events: [event] }, fan);
    if (viaGraphQL.errors?.length) {
      expect(code(viaGraphQL)).toBe('BAD_USER_INPUT');
      expect(viaRoute.status).toBe(400);
      expect(errorCode(viaRoute.body)).toBe('BAD_USER_INPUT');
    } else {
      expect(viaRoute).toEqual({ status: 200, body: viaGraphQL.data!.recordTelemetry });
    }
  });

  it('takes one event for a list of one, as GraphQL coerces a variable', async () => {
    const res = await ingest(h, { events: heartbeat(eventId, 's-route-single') }, user());
    expect(res).toEqual({ status: 200, body: { accepted: 1, rejected: 0 } });
  });

  it('refuses a body without events, and more than 1,000 events', async () => {
    for (const body of [{}, { events: null }, [], 'not json']) {
      const res = await ingest(h, body, user());
      expect(res.status).toBe(400);
      expect(errorCode(res.body)).toBe('BAD_USER_INPUT');
    }
    const many = Array.from({ length: 1001 }, () => heartbeat(eventId, 's-route-many'));
    const res = await ingest(h, { events: many }, user());
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain('at most 1000');
  });

  it('refuses anonymous and forged callers, and API keys without telemetry:write', async () => {
    const events = [heartbeat(eventId, 's-route-auth')];
    for (const as of ['none', 'forged', null] as const) {
      const res = await ingest(h, { events }, as);
      expect(res.status).toBe(401);
      expect(errorCode(res.body)).toBe('UNAUTHENTICATED');
    }
    const keyless = await ingest(h, { events }, apiKey(['reports:read']));
    expect(keyless.status).toBe(403);
    expect(errorCode(keyless.body)).toBe('FORBIDDEN');
    expect(await ingest(h, { events }, apiKey(['telemetry:write']))).toEqual({ status: 200, body: { accepted: 1, rejected: 0 } });
    const rows = await h.sql<{ n: string }>(`select count(*) as n from telemetry_event where session_id = 's-route-auth'`);
    expect(Number(rows[0].n)).toBe(1);
  });

  it("refuses a fan writing into another fan's session, whole", async () => {
    const owner = user();
    const other = user();
    expect((await ingest(h, { events: [heartbeat(eventId, 's-route-owned')] }, owner)).status).toBe(200);
    const res = await ingest(h, { events: [heartbeat(eventId, 's-route-mine'), heartbeat(eventId, 's-route-owned')] }, other);
    expect(res.status).toBe(403);
    expect(errorCode(res.body)).toBe('FORBIDDEN');
    const rows = await h.sql<{ n: string }>(`select count(*) as n from telemetry_event where user_id = ?`, [other.userId]);
    expect(Number(rows[0].n)).toBe(0);
  });
});
