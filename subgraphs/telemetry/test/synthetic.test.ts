import { randomUUID } from 'node:crypto';
import { eventually } from '@frontrow/kit/testing';
import { Harness, ok, user } from './helpers';

describe('synthetic viewers', () => {
  const h = new Harness();
  const eventId = randomUUID();
  beforeAll(() => h.start({ syntheticViewers: { eventId, viewers: 6, tickMs: 20 }, settings: { rollupIntervalMs: 3_600_000, rollupSettleMs: 0 } }));
  afterAll(() => h.stop());

  it('watch the event through the ingest, so its QoS summary has viewers, startup times and bitrate', async () => {
    const s = await eventually(async () => {
      await h.handle.rollups.runOnce();
      const r = ok(await h.call<{ qosSummary: { viewers: number; startupTimeP50Ms: number | null; bitrateKbpsP50: number | null } }>(
        `query($e: ID!) { qosSummary(eventId: $e, window: "5m") { viewers startupTimeP50Ms bitrateKbpsP50 } }`,
        { e: eventId },
        user(['ADMIN']),
      )).qosSummary;
      return r.viewers >= 6 && r.startupTimeP50Ms !== null && r.bitrateKbpsP50 !== null ? r : undefined;
    });
    expect(s.bitrateKbpsP50).toBeGreaterThanOrEqual(1500);
    expect(s.bitrateKbpsP50).toBeLessThanOrEqual(12_000 * 1.03);
    // Their sessions are theirs: a fan cannot write into one.
    const [row] = await h.sql<{ session_id: string }>(`select session_id from telemetry_event where event_id = ? limit 1`, [eventId]);
    const r = await h.record([{ kind: 'HEARTBEAT', eventId, sessionId: row.session_id, at: new Date().toISOString() }], user());
    expect(r.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });
});
