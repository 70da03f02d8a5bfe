import { randomUUID } from 'node:crypto';
import { eventually } from '@frontrow/kit/testing';
import { Harness, apiKey, code, heartbeat, ok, user } from './helpers';

describe('recordTelemetry', () => {
  const h = new Harness();
  beforeAll(() => h.start());
  afterAll(() => h.stop());

  it('stores a batch of 1,000 with 3 malformed: 997 accepted, 3 rejected, in the day partition, through COPY', async () => {
    const fan = user();
    const eventId = randomUUID();
    const session = `s-${randomUUID()}`;
    const events: Record<string, unknown>[] = [];
    for (let i = 0; i < 1000; i++) events.push({ kind: 'BITRATE', eventId, sessionId: session, value: 3000 + i, at: new Date(Date.now() - 60_000 + i).toISOString() });
    events[10] = { ...events[10], value: -1 };
    events[500] = { ...events[500], at: new Date(Date.now() + 10 * 60_000).toISOString() };
    events[999] = { ...events[999], sessionId: '' };
    const r = ok(await h.record(events, fan));
    expect(r.recordTelemetry).toEqual({ accepted: 997, rejected: 3 });
    // Answered once committed: the rows are there, in a partition of the day.
    const rows = await h.sql<{ n: string; partition: string }>(
      `select count(*) as n, min(tableoid::regclass::text) as partition from telemetry_event where event_id = ?`,
      [eventId],
    );
    expect(Number(rows[0].n)).toBe(997);
    expect(rows[0].partition).toMatch(/telemetry_event_p\d{8}$/);
    expect(h.handle.ingest.stats.rows).toBeGreaterThanOrEqual(997);
  });

  it('rejects each kind of malformed event and keeps the rest', async () => {
    const fan = user();
    const eventId = randomUUID();
    const s = `s-${randomUUID()}`;
    const now = Date.now();
    const events = [
      { kind: 'HEARTBEAT', eventId, sessionId: s, at: new Date(now).toISOString() },
      { kind: 'REBUFFER', eventId, sessionId: s, value: -5, at: new Date(now).toISOString() },
      { kind: 'HEARTBEAT', eventId, sessionId: s, at: new Date(now + 6 * 60_000).toISOString() },
      { kind: 'HEARTBEAT', eventId, sessionId: s, at: new Date(now - 25 * 3_600_000).toISOString() },
      { kind: 'HEARTBEAT', eventId, sessionId: '', at: new Date(now).toISOString() },
      { kind: 'HEARTBEAT', eventId, sessionId: 'x'.repeat(129), at: new Date(now).toISOString() },
      { kind: 'HEARTBEAT', eventId, sessionId: 'x'.repeat(128), at: new Date(now).toISOString() },
      { kind: 'STARTUP_TIME', eventId, sessionId: s, at: new Date(now).toISOString() },
      { kind: 'IMPRESSION', eventId, sessionId: s, at: new Date(now).toISOString() },
      { kind: 'HEARTBEAT', eventId: 'not-an-id', sessionId: s, at: new Date(now).toISOString() },
      { kind: 'HEARTBEAT', eventId, sessionId: 'tab\there\\and\nnewline', at: new Date(now).toISOString() },
    ];
    const r = ok(await h.record(events, fan));
    expect(r.recordTelemetry).toEqual({ accepted: 3, rejected: 8 });
    const sessions = await h.sql<{ session_id: string }>(`select session_id from telemetry_event where event_id = ? order by session_id`, [eventId]);
    expect(sessions.map((x) => x.session_id).sort()).toEqual([s, 'tab\there\\and\nnewline', 'x'.repeat(128)].sort());
  });

  it('refuses more than 1,000 events a call, naming the field', async () => {
    const eventId = randomUUID();
    const events = Array.from({ length: 1001 }, () => heartbeat(eventId, 'one'));
    const r = await h.record(events, user());
    expect(code(r)).toBe('BAD_USER_INPUT');
    expect(r.errors?.[0].extensions?.field).toBe('events');
  });

  it('refuses anonymous callers, and API keys without telemetry:write', async () => {
    const eventId = randomUUID();
    expect(code(await h.record([heartbeat(eventId, 'anon')], null))).toBe('UNAUTHENTICATED');
    expect(code(await h.record([heartbeat(eventId, 'key')], apiKey(['reports:read'])))).toBe('FORBIDDEN');
    expect(ok(await h.record([heartbeat(eventId, `key-${randomUUID()}`)], apiKey(['telemetry:write']))).recordTelemetry.accepted).toBe(1);
    const stored = await h.sql<{ n: string }>(`select count(*) as n from telemetry_event where event_id = ?`, [eventId]);
    expect(Number(stored[0].n)).toBe(1);
  });

  it("refuses a fan writing into another fan's session, and stores nothing of that call", async () => {
    const alice = user();
    const bob = user();
    const eventId = randomUUID();
    const session = `alice-${randomUUID()}`;
    expect(ok(await h.record([heartbeat(eventId, session)], alice)).recordTelemetry.accepted).toBe(1);
    const r = await h.record([heartbeat(eventId, `bob-${randomUUID()}`), heartbeat(eventId, session)], bob);
    expect(code(r)).toBe('FORBIDDEN');
    // Alice still may; Bob's own session alone still works.
    expect(ok(await h.record([heartbeat(eventId, session)], alice)).recordTelemetry.accepted).toBe(1);
    const rows = await h.sql<{ user_id: string }>(`select user_id from telemetry_event where event_id = ?`, [eventId]);
    expect(rows.map((x) => x.user_id)).toEqual([alice.userId, alice.userId]);
    // A fresh instance (no cache) refuses Bob too: the owner is in the database.
    const other = new Harness();
    Object.assign(other, { secret: h.secret });
    await other.start({ databaseSchema: h.schema, dropSchemaOnStop: false, transport: h.transport });
    try {
      expect(code(await other.record([heartbeat(eventId, session)], bob))).toBe('FORBIDDEN');
    } finally {
      await other.stop();
    }
  });
});

describe('recordTelemetry under overload', () => {
  const h = new Harness();
  // Nothing is written until asked: the buffer fills up.
  beforeAll(() => h.start({ settings: { maxPendingRows: 1500, maxBatchRows: 100_000, flushMs: 600_000 } }));
  afterAll(() => h.stop());

  it('sheds with RATE_LIMITED when the buffer is full, and loses nothing it accepted', async () => {
    const eventId = randomUUID();
    const fan = user();
    const batch = (s: string) => Array.from({ length: 1000 }, (_, i) => ({ kind: 'BITRATE', eventId, sessionId: s, value: i, at: new Date(Date.now() - 1000).toISOString() }));
    const first = h.record(batch(`a-${randomUUID()}`), fan);
    await eventually(() => h.handle.ingest.pendingRows === 1000);
    const second = await h.record(batch(`b-${randomUUID()}`), fan);
    expect(code(second)).toBe('RATE_LIMITED');
    expect(second.errors?.[0].extensions?.retryAfterSeconds).toBe(1);
    // Not answered yet: not committed yet.
    expect(Number((await h.sql<{ n: string }>(`select count(*) as n from telemetry_event where event_id = ?`, [eventId]))[0].n)).toBe(0);
    await h.handle.ingest.flush();
    expect(ok(await first).recordTelemetry.accepted).toBe(1000);
    expect(Number((await h.sql<{ n: string }>(`select count(*) as n from telemetry_event where event_id = ?`, [eventId]))[0].n)).toBe(1000);
    expect(h.handle.ingest.stats.shed).toBe(1000);
  });
});
