import { SportEvent } from '../src/entities/sport-event.entity';
import { demoId, seedDemo } from '../src/seed';
import { Harness } from './helpers';

/** The demo season that the embedded quick start and `npm run seed` load. */
const h = new Harness();

beforeAll(async () => {
  await h.start();
});

afterAll(async () => {
  await h.stop();
});

interface Listed {
  id: string;
  sport: string;
  status: string;
  startsAt: string;
  endsAt: string;
  venue: { id: string; timezone: string };
  feeds: Array<{ label: string; projection: string; isDefault: boolean; preview: boolean }>;
}

async function schedule(): Promise<Listed[]> {
  const r = await h.call<{ events: { edges: Array<{ node: Listed }> } }>(
    `{ events(first: 100) { edges { node { id sport status startsAt endsAt venue { id timezone } feeds { label projection isDefault preview } } } } }`,
  );
  return r.data!.events.edges.map((e) => e.node);
}

describe('seedDemo', () => {
  it('seeds the season once, even when two seeders run at once', async () => {
    const results = await Promise.all([seedDemo(h.handle.em), seedDemo(h.handle.em)]);
    expect(results.map((r) => r.created).sort()).toEqual([false, true]);
    const seeded = results.find((r) => r.created)!;
    expect(seeded.venues).toHaveLength(3);
    expect(seeded.events).toHaveLength(12);
    expect(seeded.events[0].id).toBe(demoId('event', 1));
  });

  it('leaves a season of two sports: one game live now, two ended, the rest in the coming weeks', async () => {
    const now = Date.now();
    const events = await schedule();
    expect(events).toHaveLength(12);
    expect(new Set(events.map((e) => e.sport))).toEqual(new Set(['Basketball', 'Soccer']));
    expect(new Set(events.map((e) => e.venue.id)).size).toBe(3);
    const live = events.filter((e) => e.status === 'LIVE');
    expect(live).toHaveLength(1);
    expect(Date.parse(live[0].startsAt)).toBeLessThanOrEqual(now);
    expect(Date.parse(live[0].endsAt)).toBeGreaterThan(now);
    const ended = events.filter((e) => e.status === 'ENDED');
    expect(ended).toHaveLength(2);
    for (const e of ended) expect(Date.parse(e.endsAt)).toBeLessThan(now);
    const scheduled = events.filter((e) => e.status === 'SCHEDULED');
    expect(scheduled).toHaveLength(9);
    for (const e of scheduled) {
      expect(Date.parse(e.startsAt)).toBeGreaterThan(now);
      expect(Date.parse(e.startsAt)).toBeLessThan(now + 30 * 86_400_000);
    }
    for (const e of events) {
      expect(e.feeds).toHaveLength(2);
      expect(e.feeds[0]).toMatchObject({ isDefault: true, projection: 'EQUIRECT_MONO' });
      expect(e.feeds[0].label).toBe(e.sport === 'Basketball' ? 'Center court' : 'Midfield');
      expect(e.feeds[1].isDefault).toBe(false);
    }
    expect(live[0].feeds.filter((f) => f.preview)).toHaveLength(1);
  });

  it('changes nothing when run again', async () => {
    const before = await schedule();
    const again = await seedDemo(h.handle.em);
    expect(again).toEqual({ created: false, venues: [], events: [] });
    expect(await schedule()).toEqual(before);
    expect(await h.handle.em.fork().count(SportEvent, {})).toBe(12);
  });

  it('announced the season on the bus in the same transaction', async () => {
    const rows = await h.handle.em
      .fork()
      .getConnection()
      .execute<Array<{ type: string; n: string | number }>>(`select type, count(*) as n from outbox_message group by type order by type`);
    expect(Object.fromEntries(rows.map((r) => [r.type, Number(r.n)]))).toEqual({
      'events.venue.created': 3,
      'events.event.created': 12,
      'events.feed.added': 24,
      'events.event.live': 3,
      'events.event.ended': 2,
      'events.moment.created': 5,
    });
  });
});
