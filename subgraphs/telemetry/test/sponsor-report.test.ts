import { randomUUID } from 'node:crypto';
import type { BusMessage } from '@frontrow/kit';
import { eventually, uniqueName } from '@frontrow/kit/testing';
import { Harness, apiKey, code, ok, user } from './helpers';

const REPORT = `query($s: ID!, $from: DateTime!, $to: DateTime!) { sponsorReport(sponsorId: $s, from: $from, to: $to) {
  sponsorId from to impressions uniqueViewers byPlacement { placement { id } impressions } } }`;

type Report = {
  sponsorReport: { sponsorId: string; from: string; to: string; impressions: number; uniqueViewers: number; byPlacement: Array<{ placement: { id: string }; impressions: number }> };
};

function message(type: string, payload: Record<string, unknown>): BusMessage {
  return { id: randomUUID(), type, occurredAt: new Date().toISOString(), version: 1, payload };
}

describe('sponsorReport', () => {
  const h = new Harness();
  const prefix = uniqueName('tsr');
  const admin = user(['FAN', 'ADMIN']);
  const owner = user(['FAN', 'SPONSOR']);
  const sponsorId = randomUUID();
  const otherOwner = user(['FAN', 'SPONSOR']);
  const otherSponsor = randomUUID();
  const eventId = randomUUID();
  const [boardA, boardB, quiet] = [randomUUID(), randomUUID(), randomUUID()];
  const foreign = randomUUID();
  // The hour before this one, so every impression is settled.
  const hour = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000;
  const range = { from: new Date(hour).toISOString(), to: new Date(hour + 3_600_000).toISOString() };

  beforeAll(async () => {
    await h.start({ busNamespace: `${prefix}_`, settings: { rollupIntervalMs: 3_600_000, rollupSettleMs: 0 } });
    const messages = [
      message('creative.sponsor.created', { sponsorId, ownerId: owner.userId, name: 'Mine' }),
      message('creative.sponsor.created', { sponsorId: otherSponsor, ownerId: otherOwner.userId, name: 'Theirs' }),
      ...[boardA, boardB, quiet].map((placementId) => message('creative.placement.created', { placementId, sponsorId, eventId, assetId: randomUUID(), surface: 'BOARD_NORTH' })),
      message('creative.placement.created', { placementId: foreign, sponsorId: otherSponsor, eventId, assetId: randomUUID(), surface: 'JUMBOTRON' }),
    ];
    for (const m of messages) await h.transport.publish(m);
    await eventually(async () => Number((await h.sql<{ n: string }>(`select count(*) as n from placement_sponsor where event_id = ?`, [eventId]))[0].n) === 4);
    // Three fans (one on two devices) see the sponsor's boards; the other sponsor's board is seen too.
    const fans = [user(), user(), user()];
    const at = (ms: number) => new Date(hour + ms).toISOString();
    const seen = (fan: number, session: string, placementId: string, n: number) =>
      h.record(Array.from({ length: n }, (_, i) => ({ kind: 'IMPRESSION', eventId, placementId, sessionId: session, at: at(60_000 + i) })), fans[fan]);
    for (const r of [
      await seen(0, `${prefix}-a1`, boardA, 5),
      await seen(0, `${prefix}-a2`, boardB, 2),
      await seen(1, `${prefix}-b`, boardA, 3),
      await seen(2, `${prefix}-c`, foreign, 4),
    ]) {
      ok(r);
    }
    await h.handle.rollups.runOnce();
  });
  afterAll(async () => {
    await h.stop();
  });

  it('counts the sponsor’s impressions per placement and the people behind them', async () => {
    const r = ok(await h.call<Report>(REPORT, { s: sponsorId, ...range }, owner)).sponsorReport;
    expect(r).toMatchObject({ sponsorId, from: range.from, to: range.to, impressions: 10, uniqueViewers: 2 });
    expect(r.byPlacement.map((p) => [p.placement.id, p.impressions])).toEqual([
      [boardA, 8],
      [boardB, 2],
      [quiet, 0],
    ]);
  });

  it('answers admins and the owner’s key with reports:read, and rounds the range to hours', async () => {
    const byAdmin = ok(await h.call<Report>(REPORT, { s: sponsorId, from: new Date(hour + 59_000).toISOString(), to: new Date(hour + 3_600_000 + 1).toISOString() }, admin));
    expect(byAdmin.sponsorReport).toMatchObject({ from: range.from, to: range.to, impressions: 10 });
    const key = apiKey(['reports:read'], ['FAN', 'SPONSOR'], owner.userId);
    expect(ok(await h.call<Report>(REPORT, { s: sponsorId, ...range }, key)).sponsorReport.impressions).toBe(10);
    const later = { from: new Date(hour + 3_600_000).toISOString(), to: new Date(hour + 7_200_000).toISOString() };
    expect(ok(await h.call<Report>(REPORT, { s: sponsorId, ...later }, owner)).sponsorReport).toMatchObject({ impressions: 0, uniqueViewers: 0 });
  });

  it('tells nobody else anything: another sponsor’s id is the same NOT_FOUND as an unknown one', async () => {
    expect(code(await h.call(REPORT, { s: otherSponsor, ...range }, owner))).toBe('NOT_FOUND');
    expect(code(await h.call(REPORT, { s: randomUUID(), ...range }, owner))).toBe('NOT_FOUND');
    expect(code(await h.call(REPORT, { s: 'not-an-id', ...range }, owner))).toBe('NOT_FOUND');
    expect(code(await h.call(REPORT, { s: sponsorId, ...range }, user()))).toBe('FORBIDDEN');
    expect(code(await h.call(REPORT, { s: sponsorId, ...range }, user(['SPONSOR'])))).toBe('NOT_FOUND');
    expect(code(await h.call(REPORT, { s: sponsorId, ...range }, apiKey(['creative:write'], ['SPONSOR'], owner.userId)))).toBe('FORBIDDEN');
    expect(code(await h.call(REPORT, { s: sponsorId, ...range }, null))).toBe('UNAUTHENTICATED');
  });

  it('refuses an empty or over-long range with the field at fault', async () => {
    const empty = await h.call(REPORT, { s: sponsorId, from: range.from, to: new Date(hour + 60_000).toISOString() }, owner);
    expect(empty.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'to' });
    const long = await h.call(REPORT, { s: sponsorId, from: new Date(hour - 400 * 86_400_000).toISOString(), to: range.to }, owner);
    expect(long.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'to' });
  });

  it('dead-letters a placement message without its ids rather than guessing', async () => {
    const bad = message('creative.placement.created', { placementId: randomUUID(), surface: 'BOARD_EAST' });
    const good = message('creative.placement.created', { placementId: randomUUID(), sponsorId, eventId, assetId: randomUUID(), surface: 'BOARD_EAST' });
    await h.transport.publish(bad);
    await h.transport.publish(good);
    await eventually(async () => (await h.sql(`select 1 from placement_sponsor where placement_id = ?`, [(good.payload as { placementId: string }).placementId])).length === 1);
    expect(await h.sql(`select 1 from placement_sponsor where placement_id = ?`, [(bad.payload as { placementId: string }).placementId])).toEqual([]);
  });
});
