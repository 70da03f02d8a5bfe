import { randomUUID } from 'node:crypto';
import { BACKFILL_IMPRESSION_PARTIALS, BACKFILL_QOS_PARTIALS } from '../src/migrations';
import { Harness, code, ok, user } from './helpers';

/** PostgreSQL's percentile_cont: linear interpolation at position p × (n − 1). */
function percentileCont(values: number[], p: number): number | null {
  if (!values.length) return null;
  const s = [...values].sort((a, b) => a - b);
  const pos = p * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

/** A repeatable stream of numbers (a linear congruential generator). */
function numbers(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
}

interface Sample {
  kind: string;
  eventId: string;
  sessionId: string;
  at: string;
  value?: number;
  placementId?: string;
}

const SUMMARY = `query($e: ID!, $w: String!) { qosSummary(eventId: $e, window: $w) {
  eventId window viewers startupTimeP50Ms startupTimeP95Ms rebufferRatio bitrateKbpsP50 errors series { at viewers rebufferRatio bitrateKbpsP50 startupTimeP50Ms startupTimeP95Ms } } }`;

describe('rollups', () => {
  const h = new Harness();
  const admin = user(['ADMIN']);
  // The worker runs when the test says so.
  beforeAll(() => h.start({ settings: { rollupIntervalMs: 3_600_000, rollupSettleMs: 0 } }));
  afterAll(() => h.stop());

  const eventId = randomUUID();
  const minute = Math.floor(Date.now() / 60_000) * 60_000 - 2 * 60_000;
  const samples: Sample[] = [];
  const fans = Array.from({ length: 5 }, () => user());
  const sessionOwner = new Map<string, (typeof fans)[number]>();

  function seedMinute(start: number, seed: number, sessions: number): void {
    const next = numbers(seed);
    for (let s = 0; s < sessions; s++) {
      const sessionId = `sess-${s}-${eventId}`;
      sessionOwner.set(sessionId, fans[s % fans.length]);
      const at = () => new Date(start + Math.floor(next() * 59_000)).toISOString();
      // Most sessions heartbeat several times; some never do (they are not viewers).
      if (s % 7 !== 6) for (let i = 0; i < 1 + Math.floor(next() * 5); i++) samples.push({ kind: 'HEARTBEAT', eventId, sessionId, at: at() });
      if (next() < 0.6) samples.push({ kind: 'STARTUP_TIME', eventId, sessionId, at: at(), value: Math.round(200 + next() * 4000) });
      for (let i = 0; i < Math.floor(next() * 4); i++) samples.push({ kind: 'BITRATE', eventId, sessionId, at: at(), value: Math.round(1500 + next() * 12_000) });
      if (next() < 0.3) samples.push({ kind: 'REBUFFER', eventId, sessionId, at: at(), value: Math.round(next() * 3000) });
      if (next() < 0.1) samples.push({ kind: 'ERROR', eventId, sessionId, at: at() });
    }
  }

  async function send(list: Sample[]): Promise<void> {
    for (const fan of fans) {
      const mine = list.filter((x) => sessionOwner.get(x.sessionId) === fan);
      for (let i = 0; i < mine.length; i += 1000) {
        expect(ok(await h.record(mine.slice(i, i + 1000), fan)).recordTelemetry.rejected).toBe(0);
      }
    }
  }

  function direct(start: number) {
    const inMinute = samples.filter((x) => Date.parse(x.at) >= start && Date.parse(x.at) < start + 60_000);
    const values = (kind: string) => inMinute.filter((x) => x.kind === kind).map((x) => x.value as number);
    return {
      viewers: new Set(inMinute.filter((x) => x.kind === 'HEARTBEAT').map((x) => x.sessionId)).size,
      startupP50: percentileCont(values('STARTUP_TIME'), 0.5),
      startupP95: percentileCont(values('STARTUP_TIME'), 0.95),
      rebufferMs: values('REBUFFER').reduce((a, b) => a + b, 0),
      bitrateP50: percentileCont(values('BITRATE'), 0.5),
      errors: values('ERROR').length,
      startups: values('STARTUP_TIME'),
      bitrates: values('BITRATE'),
    };
  }

  async function stored(start: number) {
    const rows = await h.sql<Record<string, unknown>>(`select * from qos_minute where event_id = ? and minute = ?`, [eventId, new Date(start)]);
    const r = rows[0];
    return {
      viewers: Number(r.viewers),
      startupP50: r.startup_p50 === null ? null : Number(r.startup_p50),
      startupP95: r.startup_p95 === null ? null : Number(r.startup_p95),
      rebufferMs: Number(r.rebuffer_ms),
      bitrateP50: r.bitrate_p50 === null ? null : Number(r.bitrate_p50),
      errors: Number(r.errors),
    };
  }

  function expectSame(actual: Awaited<ReturnType<typeof stored>>, expected: ReturnType<typeof direct>): void {
    expect(actual.viewers).toBe(expected.viewers);
    expect(actual.errors).toBe(expected.errors);
    expect(actual.rebufferMs).toBeCloseTo(expected.rebufferMs, 6);
    for (const k of ['startupP50', 'startupP95', 'bitrateP50'] as const) {
      if (expected[k] === null) expect(actual[k]).toBeNull();
      else expect(actual[k]).toBeCloseTo(expected[k] as number, 6);
    }
  }

  it('equal a direct computation over the raw rows for seeded minutes', async () => {
    seedMinute(minute, 7, 60);
    seedMinute(minute + 60_000, 11, 45);
    await send(samples);
    const ran = await h.handle.rollups.runOnce();
    expect(ran.minutes).toBe(2);
    expect(direct(minute).viewers).toBeGreaterThan(20);
    expectSame(await stored(minute), direct(minute));
    expectSame(await stored(minute + 60_000), direct(minute + 60_000));
  });

  it('recompute a minute when late events arrive for it', async () => {
    const late: Sample[] = [
      { kind: 'HEARTBEAT', eventId, sessionId: `late-${eventId}`, at: new Date(minute + 30_000).toISOString() },
      { kind: 'REBUFFER', eventId, sessionId: `late-${eventId}`, at: new Date(minute + 31_000).toISOString(), value: 1234 },
    ];
    sessionOwner.set(`late-${eventId}`, fans[0]);
    samples.push(...late);
    await send(late);
    // A fresh mark waits for its settle time: a live minute is not recomputed after every batch.
    expect((await h.handle.rollups.runOnce(60_000)).minutes).toBe(0);
    expect((await h.handle.rollups.runOnce()).minutes).toBe(1);
    expectSame(await stored(minute), direct(minute));
  });

  it('answer qosSummary from the rollups: peak viewers, stalled over watched time, errors, percentiles within the buckets’ 2.5%', async () => {
    const a = direct(minute);
    const b = direct(minute + 60_000);
    const s = ok(await h.call<{ qosSummary: Record<string, unknown> & { series: Array<{ at: string; viewers: number }> } }>(SUMMARY, { e: eventId, w: '5m' }, admin)).qosSummary;
    expect(s.eventId).toBe(eventId);
    expect(s.window).toBe('5m');
    expect(s.viewers).toBe(Math.max(a.viewers, b.viewers));
    expect(s.errors).toBe(a.errors + b.errors);
    expect(s.rebufferRatio as number).toBeCloseTo((a.rebufferMs + b.rebufferMs) / ((a.viewers + b.viewers) * 60_000), 9);
    const exactP50 = percentileCont([...a.startups, ...b.startups], 0.5)!;
    const exactP95 = percentileCont([...a.startups, ...b.startups], 0.95)!;
    const exactBitrate = percentileCont([...a.bitrates, ...b.bitrates], 0.5)!;
    expect(Math.abs((s.startupTimeP50Ms as number) / exactP50 - 1)).toBeLessThan(0.05);
    expect(Math.abs((s.startupTimeP95Ms as number) / exactP95 - 1)).toBeLessThan(0.05);
    expect(Math.abs((s.bitrateKbpsP50 as number) / exactBitrate - 1)).toBeLessThan(0.05);
    expect(s.series).toHaveLength(5);
    const point = s.series.find((p) => p.at === new Date(minute).toISOString()) as { viewers: number; startupTimeP50Ms: number; startupTimeP95Ms: number } | undefined;
    expect(point?.viewers).toBe(a.viewers);
    // One minute per step: its startup percentiles are the minute's own, exact.
    expect(point?.startupTimeP50Ms).toBeCloseTo(percentileCont(a.startups, 0.5)!, 6);
    expect(point?.startupTimeP95Ms).toBeCloseTo(percentileCont(a.startups, 0.95)!, 6);
    expect(ok(await h.call<{ qosSummary: { series: unknown[] } }>(SUMMARY, { e: eventId, w: '24h' }, admin)).qosSummary.series).toHaveLength(144);
    // An event with nothing recorded has an empty summary, not an error.
    const none = ok(await h.call<{ qosSummary: Record<string, unknown> }>(SUMMARY, { e: randomUUID(), w: '1h' }, admin)).qosSummary;
    expect(none).toMatchObject({ viewers: 0, rebufferRatio: 0, errors: 0, startupTimeP50Ms: null, bitrateKbpsP50: null });
  });

  it('answer Event.qos for admins, as qosSummary does, and refuse it to anyone else', async () => {
    const q = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Event { id qos(window: "5m") { viewers errors } } } }`;
    const summary = ok(await h.call<{ qosSummary: { viewers: number; errors: number } }>(`query($e: ID!) { qosSummary(eventId: $e, window: "5m") { viewers errors } }`, { e: eventId }, admin)).qosSummary;
    const viaEvent = ok(await h.call<{ _entities: Array<{ qos: unknown }> }>(q, { r: [{ __typename: 'Event', id: eventId }] }, admin))._entities[0];
    expect(viaEvent).toEqual({ id: eventId, qos: summary });
    const fan = await h.call<{ _entities: Array<{ qos: unknown }> }>(q, { r: [{ __typename: 'Event', id: eventId }] }, user(['FAN']));
    expect(code(fan)).toBe('FORBIDDEN');
    expect(fan.data?._entities[0].qos).toBeNull();
  });

  it('refuses a window it does not know, a malformed event id, and callers who are not admins', async () => {
    const bad = await h.call(SUMMARY, { e: eventId, w: '2h' }, admin);
    expect(code(bad)).toBe('BAD_USER_INPUT');
    expect(bad.errors?.[0].extensions?.field).toBe('window');
    expect((await h.call(SUMMARY, { e: 'nope', w: '5m' }, admin)).errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'eventId' });
    expect(code(await h.call(SUMMARY, { e: eventId, w: '5m' }, user(['FAN'])))).toBe('FORBIDDEN');
    expect(code(await h.call(SUMMARY, { e: eventId, w: '5m' }, user(['SPONSOR'])))).toBe('FORBIDDEN');
    expect(code(await h.call(SUMMARY, { e: eventId, w: '5m' }, null))).toBe('UNAUTHENTICATED');
  });

  it('count impressions per placement and hour, for Placement.impressions', async () => {
    const placement = randomUUID();
    const other = randomUUID();
    const fan = user();
    // Two whole hours in the past: the previous one and the one before.
    const hourStart = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000;
    const prev = hourStart - 3_600_000;
    const at = (t: number) => new Date(t).toISOString();
    const events = [
      ...Array.from({ length: 7 }, (_, i) => ({ kind: 'IMPRESSION', eventId, placementId: placement, sessionId: `imp-${placement}`, at: at(hourStart + i) })),
      ...Array.from({ length: 3 }, (_, i) => ({ kind: 'IMPRESSION', eventId, placementId: placement, sessionId: `imp-${placement}`, at: at(prev + 60_000 + i) })),
      { kind: 'IMPRESSION', eventId, placementId: other, sessionId: `imp-${placement}`, at: at(hourStart) },
    ];
    expect(ok(await h.record(events, fan)).recordTelemetry.accepted).toBe(11);
    expect((await h.handle.rollups.runOnce()).hours).toBe(3);
    const q = `query($r: [_Any!]!, $from: DateTime, $to: DateTime) { _entities(representations: $r) { ... on Placement { id impressions(from: $from, to: $to) } } }`;
    const reps = [placement, other, randomUUID(), 'not-an-id'].map((id) => ({ __typename: 'Placement', id }));
    const all = ok(await h.call<{ _entities: Array<{ impressions: number }> }>(q, { r: reps }, fan))._entities;
    expect(all.map((e) => e.impressions)).toEqual([10, 1, 0, 0]);
    const thisHour = ok(await h.call<{ _entities: Array<{ impressions: number }> }>(q, { r: reps.slice(0, 1), from: new Date(hourStart).toISOString() }, fan))._entities;
    expect(thisHour[0].impressions).toBe(7);
    const before = ok(await h.call<{ _entities: Array<{ impressions: number }> }>(q, { r: reps.slice(0, 1), to: new Date(hourStart).toISOString() }, fan))._entities;
    expect(before[0].impressions).toBe(3);
  });
});

describe('rollups of large minutes and of rows stored before partials', () => {
  const h = new Harness();
  // Percentiles are exact up to 50 samples of a kind in a minute here (50,000 by default).
  beforeAll(() => h.start({ settings: { rollupIntervalMs: 3_600_000, rollupSettleMs: 0, rollupExactSamples: 50 } }));
  afterAll(() => h.stop());

  const minute = Math.floor(Date.now() / 60_000) * 60_000 - 3 * 60_000;

  it('read the percentiles of a minute over the exact limit from its histogram, within 2.5%, and count exactly', async () => {
    const eventId = randomUUID();
    const fan = user();
    const next = numbers(5);
    const startups = Array.from({ length: 40 }, () => Math.round(300 + next() * 3000));
    const bitrates = Array.from({ length: 400 }, () => Math.round(2000 + next() * 10_000));
    const events = [
      ...startups.map((value, i) => ({ kind: 'STARTUP_TIME', eventId, sessionId: `big-${i % 9}-${eventId}`, at: new Date(minute + i).toISOString(), value })),
      ...bitrates.map((value, i) => ({ kind: 'BITRATE', eventId, sessionId: `big-${i % 9}-${eventId}`, at: new Date(minute + 100 + i).toISOString(), value })),
      ...Array.from({ length: 9 }, (_, i) => ({ kind: 'HEARTBEAT', eventId, sessionId: `big-${i}-${eventId}`, at: new Date(minute + 900 + i).toISOString() })),
    ];
    // In several calls, so that the minute has several partials to merge.
    for (let i = 0; i < events.length; i += 100) expect(ok(await h.record(events.slice(i, i + 100), fan)).recordTelemetry.rejected).toBe(0);
    expect((await h.handle.rollups.runOnce()).minutes).toBe(1);
    const [r] = await h.sql<Record<string, unknown>>(`select * from qos_minute where event_id = ?`, [eventId]);
    expect(Number(r.viewers)).toBe(9);
    expect(Number(r.startup_count)).toBe(40);
    expect(Number(r.bitrate_count)).toBe(400);
    // 40 startups: exact; 400 bitrates: from the histogram.
    expect(Number(r.startup_p50)).toBeCloseTo(percentileCont(startups, 0.5)!, 6);
    expect(Math.abs(Number(r.bitrate_p50) / percentileCont(bitrates, 0.5)! - 1)).toBeLessThan(0.025);
    expect(Number(r.bitrate_p50)).not.toBeCloseTo(percentileCont(bitrates, 0.5)!, 6);
  });

  it('merge partials computed from raw rows stored before partials existed, as the migration computes them', async () => {
    const eventId = randomUUID();
    const placementId = randomUUID();
    const userId = randomUUID();
    const hour = Math.floor(minute / 3_600_000) * 3_600_000;
    // Rows as an earlier version stored them: no partials, no marks.
    await h.sql(
      `insert into telemetry_event (at, event_id, kind, session_id, user_id, placement_id, value)
       select to_timestamp(? / 1000.0) + make_interval(secs => g / 10.0), ?::uuid,
         (array['HEARTBEAT', 'STARTUP_TIME', 'BITRATE', 'REBUFFER', 'ERROR', 'IMPRESSION'])[g % 6 + 1], 'old-' || (g % 4), ?::uuid,
         case when g % 6 = 5 then ?::uuid end, case when g % 6 in (1, 2, 3) then 100 + g end
       from generate_series(0, 59) as g`,
      [minute, eventId, userId, placementId],
    );
    await h.sql(BACKFILL_QOS_PARTIALS);
    await h.sql(BACKFILL_IMPRESSION_PARTIALS);
    await h.sql(`insert into rollup_dirty (event_id, minute) values (?, ?)`, [eventId, new Date(minute)]);
    await h.sql(`insert into impression_dirty (placement_id, hour) values (?, ?)`, [placementId, new Date(hour)]);
    await h.handle.rollups.runOnce();
    const [r] = await h.sql<Record<string, unknown>>(`select * from qos_minute where event_id = ?`, [eventId]);
    const g = Array.from({ length: 60 }, (_, i) => i);
    const values = (k: number) => g.filter((i) => i % 6 === k).map((i) => 100 + i);
    expect(Number(r.viewers)).toBe(new Set(g.filter((i) => i % 6 === 0).map((i) => i % 4)).size);
    expect(Number(r.startup_p50)).toBeCloseTo(percentileCont(values(1), 0.5)!, 6);
    expect(Number(r.bitrate_p50)).toBeCloseTo(percentileCont(values(2), 0.5)!, 6);
    expect(Number(r.rebuffer_ms)).toBe(values(3).reduce((a, b) => a + b, 0));
    expect(Number(r.errors)).toBe(10);
    const [imp] = await h.sql<Record<string, unknown>>(`select * from impression_hour where placement_id = ?`, [placementId]);
    expect({ impressions: Number(imp.impressions), viewers: Number(imp.viewers) }).toEqual({ impressions: 10, viewers: 1 });
  });
});
