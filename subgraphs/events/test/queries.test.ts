import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { uniqueName } from '@frontrow/kit/testing';
import { EventStatus, SportEvent } from '../src/entities/sport-event.entity';
import { Feed, Projection } from '../src/entities/feed.entity';
import { Moment } from '../src/entities/moment.entity';
import { Venue } from '../src/entities/venue.entity';
import { printEventsSdl } from '../src/schema';
import { Harness, failure } from './helpers';

/** The public read side: the events connection, its filters, lookups, references and their cost. */
const h = new Harness();
let venues: Venue[];
const HOUR = 3_600_000;
const T0 = Date.UTC(2032, 5, 1, 18);

beforeAll(async () => {
  await h.start();
  const em = h.handle.em.fork();
  venues = ['North Hall', 'South Hall', 'East Hall'].map((name) =>
    em.create(Venue, { name, city: 'Oslo', country: 'NO', timezone: 'Europe/Oslo', capacity: 9000 }),
  );
  await em.flush();
});

afterAll(async () => {
  await h.stop();
});

interface Spec {
  startsAt: Date;
  title?: string;
  homeTeam?: string;
  awayTeam?: string;
  status?: EventStatus;
  feeds?: number;
  moments?: number;
}

/** Writes events straight to the database (the admin path has tests of its own). */
async function insertEvents(sport: string, specs: Spec[]): Promise<SportEvent[]> {
  const em = h.handle.em.fork();
  const events = specs.map((s, i) => {
    const event = em.create(SportEvent, {
      title: s.title ?? `Game ${i}`,
      sport,
      homeTeam: s.homeTeam ?? `Home ${i}`,
      awayTeam: s.awayTeam ?? `Away ${i}`,
      venueId: venues[i % venues.length].id,
      startsAt: s.startsAt,
      endsAt: new Date(s.startsAt.getTime() + 2 * HOUR),
      status: s.status ?? EventStatus.SCHEDULED,
    });
    const feeds = Array.from({ length: s.feeds ?? 0 }, (_, n) =>
      em.create(Feed, { eventId: event.id, label: n === 0 ? 'Center court' : `Seat ${n}`, projection: Projection.EQUIRECT_MONO, isDefault: n === 0 }),
    );
    for (let m = 0; m < (s.moments ?? 0); m++) {
      em.create(Moment, { eventId: event.id, feedId: feeds[0].id, title: `Moment ${m}`, occurredAt: new Date(s.startsAt.getTime() + m * 60_000) });
    }
    return event;
  });
  await em.flush();
  return events;
}

/** The connection's order: startsAt, then id. */
const byPosition = (a: SportEvent, b: SportEvent) => a.startsAt.getTime() - b.startsAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

interface Page {
  edges: Array<{ cursor: string; node: { id: string } }>;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

const PAGE = `query($f: EventFilter, $first: Int, $after: String) {
  events(filter: $f, first: $first, after: $after) {
    edges { cursor node { id } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;

async function page(filter: Record<string, unknown> | null, first?: number, after?: string | null) {
  return h.call<{ events: Page }>(PAGE, { f: filter, first, after });
}

async function ids(filter: Record<string, unknown>): Promise<string[]> {
  const r = await page(filter, 100);
  if (r.errors) throw new Error(JSON.stringify(r.errors));
  return r.data!.events.edges.map((e) => e.node.id);
}

describe('event(id)', () => {
  it('returns the event with its venue, feeds and moments', async () => {
    const [e] = await insertEvents(uniqueName('Hockey'), [{ startsAt: new Date(T0), feeds: 2, moments: 1 }]);
    const r = await h.call<{ event: Record<string, unknown> }>(
      `query($id: ID!) { event(id: $id) { id title sport venue { id name timezone capacity } feeds { label isDefault event { id } } moments { title feed { label } event { id } } } }`,
      { id: e.id },
    );
    expect(r).toEqual({
      status: 200,
      data: {
        event: {
          id: e.id,
          title: 'Game 0',
          sport: e.sport,
          venue: { id: venues[0].id, name: 'North Hall', timezone: 'Europe/Oslo', capacity: 9000 },
          feeds: [
            { label: 'Center court', isDefault: true, event: { id: e.id } },
            { label: 'Seat 1', isDefault: false, event: { id: e.id } },
          ],
          moments: [{ title: 'Moment 0', feed: { label: 'Center court' }, event: { id: e.id } }],
        },
      },
    });
  });

  it('is null, not an error, for an unknown or malformed id, and never shows SQL', async () => {
    for (const id of [randomUUID(), 'nope', "'; select pg_sleep(1); --", '00000000-0000-0000-0000-00000000000g', '']) {
      const r = await h.call(`query($id: ID!) { event(id: $id) { id } }`, { id });
      expect(r).toEqual({ status: 200, data: { event: null } });
    }
  });

  it('accepts an id in capitals', async () => {
    const [e] = await insertEvents(uniqueName('Hockey'), [{ startsAt: new Date(T0) }]);
    const r = await h.call<{ event: { id: string } }>(`query($id: ID!) { event(id: $id) { id } }`, { id: e.id.toUpperCase() });
    expect(r.data?.event).toEqual({ id: e.id });
  });
});

describe('feed(id)', () => {
  it('returns one feed with its event, and null for an unknown or malformed id', async () => {
    const [event] = await insertEvents('volleyball', [{ startsAt: new Date(T0), feeds: 2 }]);
    const feeds = await h.handle.em.fork().find(Feed, { eventId: event.id }, { orderBy: { label: 'asc' } });
    const r = await h.call<{ feed: { id: string; label: string; event: { id: string } } }>(
      `query($id: ID!) { feed(id: $id) { id label event { id } } }`,
      { id: feeds[0].id },
    );
    expect(r.data?.feed).toEqual({ id: feeds[0].id, label: feeds[0].label, event: { id: event.id } });
    for (const id of [randomUUID(), 'not-an-id']) {
      expect((await h.call(`query($id: ID!) { feed(id: $id) { id } }`, { id })).data).toEqual({ feed: null });
    }
  });
});

describe('venues', () => {
  it('lists every venue by name', async () => {
    const r = await h.call<{ venues: Array<{ name: string }> }>(`{ venues { id name city country timezone capacity } }`);
    const names = r.data!.venues.map((v) => v.name);
    expect(names).toEqual(expect.arrayContaining(['East Hall', 'North Hall', 'South Hall']));
    expect(names).toEqual([...names].sort());
  });
});

describe('the events connection', () => {
  let sport: string;
  let expected: SportEvent[];

  beforeAll(async () => {
    sport = uniqueName('Curling');
    // Eleven events, four of them starting at the same moment: the id breaks the tie.
    const specs: Spec[] = [5, 1, 3, 3, 3, 3, 0, 9, 7, 2, 8].map((hours) => ({ startsAt: new Date(T0 + hours * HOUR) }));
    expected = (await insertEvents(sport, specs)).sort(byPosition);
  });

  it('reads every event once, in order, page by page, with correct page info', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    const infos: Page['pageInfo'][] = [];
    for (let i = 0; i < 10; i++) {
      const r = await page({ sport }, 3, after);
      expect(r.errors).toBeUndefined();
      const p: Page = r.data!.events;
      seen.push(...p.edges.map((e) => e.node.id));
      infos.push(p.pageInfo);
      expect(p.pageInfo.startCursor).toBe(p.edges[0]?.cursor ?? null);
      expect(p.pageInfo.endCursor).toBe(p.edges[p.edges.length - 1]?.cursor ?? null);
      if (!p.pageInfo.hasNextPage) break;
      after = p.pageInfo.endCursor;
    }
    expect(seen).toEqual(expected.map((e) => e.id));
    expect(infos.map((i) => i.hasNextPage)).toEqual([true, true, true, false]);
    expect(infos.map((i) => i.hasPreviousPage)).toEqual([false, true, true, true]);
  });

  it('says there is no next page when the last page is exactly full', async () => {
    const first = await page({ sport }, 8);
    const rest = await page({ sport }, 3, first.data!.events.pageInfo.endCursor);
    expect(rest.data!.events.edges.map((e) => e.node.id)).toEqual(expected.slice(8).map((e) => e.id));
    expect(rest.data!.events.pageInfo.hasNextPage).toBe(false);
    const beyond = await page({ sport }, 3, rest.data!.events.pageInfo.endCursor);
    expect(beyond.data!.events).toEqual({ edges: [], pageInfo: { hasNextPage: false, hasPreviousPage: true, startCursor: null, endCursor: null } });
  });

  it('gives cursors that are opaque strings, not ids', async () => {
    const r = await page({ sport }, 2);
    for (const e of r.data!.events.edges) {
      expect(e.cursor).not.toContain(e.node.id);
      expect(e.cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    }
  });

  it('reads 20 by default and at most 100', async () => {
    const many = uniqueName('Bowling');
    await insertEvents(many, Array.from({ length: 25 }, (_, i) => ({ startsAt: new Date(T0 + i * HOUR) })));
    const r = await page({ sport: many });
    expect(r.data!.events.edges).toHaveLength(20);
    expect(r.data!.events.pageInfo.hasNextPage).toBe(true);
    expect(failure(await page({ sport: many }, 101))).toEqual({ code: 'BAD_USER_INPUT', field: 'first' });
    expect(failure(await page({ sport: many }, -1))).toEqual({ code: 'BAD_USER_INPUT', field: 'first' });
    const none = await page({ sport: many }, 0);
    expect(none.data!.events).toEqual({ edges: [], pageInfo: { hasNextPage: true, hasPreviousPage: false, startCursor: null, endCursor: null } });
  });

  it('refuses a cursor it did not give out, without an SQL error', async () => {
    const forged = Buffer.from(JSON.stringify(['ev1', 1, "x' or 1=1"])).toString('base64url');
    for (const after of ['garbage', 'e30', forged, Buffer.from('["ev1","soon","' + randomUUID() + '"]').toString('base64url'), '%%%']) {
      const r = await page({ sport }, 3, after);
      expect(failure(r)).toEqual({ code: 'BAD_USER_INPUT', field: 'after' });
      expect(JSON.stringify(r)).not.toMatch(/select|stack|sql/i);
    }
  });
});

describe('event filters', () => {
  let sport: string;
  let a: SportEvent;
  let b: SportEvent;
  let c: SportEvent;
  let d: SportEvent;

  beforeAll(async () => {
    sport = uniqueName('Handball');
    [a, b, c, d] = await insertEvents(sport, [
      { startsAt: new Date(T0 + 24 * HOUR), title: 'Alpha Derby', homeTeam: 'Red Foxes', awayTeam: 'Blue Jays' },
      { startsAt: new Date(T0 + 48 * HOUR), title: 'Beta Cup', homeTeam: 'Green 100% Club', awayTeam: 'Red_Sox', status: EventStatus.LIVE },
      { startsAt: new Date(T0 + 72 * HOUR), title: 'Gamma Night', homeTeam: 'Gray Owls', awayTeam: 'Black Cats', status: EventStatus.ENDED },
      { startsAt: new Date(T0 + 96 * HOUR), title: 'Delta Final', homeTeam: 'White Bears', awayTeam: 'Redwood Elks', status: EventStatus.CANCELLED },
    ]);
  });

  it('by sport, in any letter case and literally', async () => {
    expect(await ids({ sport })).toEqual([a.id, b.id, c.id, d.id]);
    expect(await ids({ sport: ` ${sport.toUpperCase()} ` })).toEqual([a.id, b.id, c.id, d.id]);
    expect(await ids({ sport: sport.slice(0, -1) })).toEqual([]);
    expect(await ids({ sport: '%' })).toEqual([]);
  });

  it('by status', async () => {
    expect(await ids({ sport, status: 'SCHEDULED' })).toEqual([a.id]);
    expect(await ids({ sport, status: 'LIVE' })).toEqual([b.id]);
    expect(await ids({ sport, status: 'ENDED' })).toEqual([c.id]);
    expect(await ids({ sport, status: 'CANCELLED' })).toEqual([d.id]);
  });

  it('by start time: from inclusive, to exclusive', async () => {
    expect(await ids({ sport, from: b.startsAt.toISOString() })).toEqual([b.id, c.id, d.id]);
    expect(await ids({ sport, to: c.startsAt.toISOString() })).toEqual([a.id, b.id]);
    expect(await ids({ sport, from: b.startsAt.toISOString(), to: d.startsAt.toISOString() })).toEqual([b.id, c.id]);
    expect(failure(await page({ sport, from: c.startsAt.toISOString(), to: b.startsAt.toISOString() }, 10))).toEqual({ code: 'BAD_USER_INPUT', field: 'to' });
  });

  it('by text in the title, the home team or the away team, in any letter case', async () => {
    expect(await ids({ sport, search: 'derby' })).toEqual([a.id]);
    expect(await ids({ sport, search: 'GRAY OWLS' })).toEqual([c.id]);
    expect(await ids({ sport, search: 'cats' })).toEqual([c.id]);
    expect(await ids({ sport, search: 'red' })).toEqual([a.id, b.id, d.id]);
    expect(await ids({ sport, search: '  ' })).toEqual([a.id, b.id, c.id, d.id]);
    expect(await ids({ sport, search: 'nothing like this' })).toEqual([]);
  });

  it('treats % and _ in the search text as themselves', async () => {
    expect(await ids({ sport, search: '100%' })).toEqual([b.id]);
    expect(await ids({ sport, search: '%' })).toEqual([b.id]);
    expect(await ids({ sport, search: 'D_s' })).toEqual([b.id]);
    // As a wildcard, _ would match the space of "Red Foxes".
    expect(await ids({ sport, search: 'red_foxes' })).toEqual([]);
    expect(await ids({ sport, search: '_' })).toEqual([b.id]);
  });

  it('combines conditions, and pages within the filter', async () => {
    expect(await ids({ sport, search: 'red', status: 'CANCELLED' })).toEqual([d.id]);
    expect(await ids({ sport, search: 'red', from: b.startsAt.toISOString() })).toEqual([b.id, d.id]);
    const first = await page({ sport, search: 'red' }, 2);
    expect(first.data!.events.edges.map((e) => e.node.id)).toEqual([a.id, b.id]);
    const second = await page({ sport, search: 'red' }, 2, first.data!.events.pageInfo.endCursor);
    expect(second.data!.events.edges.map((e) => e.node.id)).toEqual([d.id]);
    expect(second.data!.events.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
  });
});

describe('query cost', () => {
  let sport: string;
  let events: SportEvent[];

  beforeAll(async () => {
    sport = uniqueName('Rugby');
    events = (
      await insertEvents(
        sport,
        Array.from({ length: 100 }, (_, i) => ({ startsAt: new Date(T0 + i * HOUR), feeds: 2, moments: 1 })),
      )
    ).sort(byPosition);
  });

  /** Selects this request issued (the outbox relay polls on its own; it is not counted). */
  async function selectsOf<T>(run: () => Promise<T>): Promise<{ result: T; selects: number }> {
    h.queries.length = 0;
    const result = await run();
    return { result, selects: h.queries.filter((q) => /\bselect\b/i.test(q) && !/outbox_message/.test(q)).length };
  }

  it('lists 100 events with their venue, feeds and moments in at most 4 queries', async () => {
    const { result, selects } = await selectsOf(() =>
      h.call<{ events: { edges: Array<{ node: { id: string; venue: { name: string }; feeds: Array<{ label: string; event: { id: string } }>; moments: unknown[] } }> } }>(
        `query($f: EventFilter) { events(filter: $f, first: 100) {
          edges { cursor node { id title venue { id name city } feeds { id label projection isDefault preview event { id } } moments { id title } } }
          pageInfo { hasNextPage endCursor }
        } }`,
        { f: { sport } },
      ),
    );
    expect(result.errors).toBeUndefined();
    const nodes = result.data!.events.edges.map((e) => e.node);
    expect(nodes.map((n) => n.id)).toEqual(events.map((e) => e.id));
    expect(nodes.every((n) => n.feeds.length === 2 && n.moments.length === 1 && n.feeds[0].event.id === n.id && n.venue.name)).toBe(true);
    // events, venues, feeds, moments: one each, whatever the number of rows.
    expect(selects).toBeGreaterThanOrEqual(3);
    expect(selects).toBeLessThanOrEqual(4);
  });

  it('reads a later page with one more query at most', async () => {
    const first = await page({ sport }, 50);
    const { result, selects } = await selectsOf(() =>
      h.call<{ events: Page }>(
        `query($f: EventFilter, $after: String) { events(filter: $f, first: 50, after: $after) { edges { node { id venue { id } feeds { id } } } pageInfo { hasNextPage hasPreviousPage } } }`,
        { f: { sport }, after: first.data!.events.pageInfo.endCursor },
      ),
    );
    expect(result.data!.events.edges).toHaveLength(50);
    expect(result.data!.events.pageInfo).toEqual({ hasNextPage: false, hasPreviousPage: true });
    expect(selects).toBeLessThanOrEqual(4);
  });

  it('resolves 100 event references, with their feeds, in at most 2 queries', async () => {
    const { result, selects } = await selectsOf(() =>
      h.call<{ _entities: Array<{ id: string; feeds: unknown[] } | null> }>(
        `query($r: [_Any!]!) { _entities(representations: $r) { ... on Event { id status feeds { id } } } }`,
        { r: events.map((e) => ({ __typename: 'Event', id: e.id })) },
      ),
    );
    expect(result.data!._entities.map((e) => e?.id)).toEqual(events.map((e) => e.id));
    expect(selects).toBeLessThanOrEqual(2);
  });

  it('resolves feed, venue and moment references, and null for ids that are not ours', async () => {
    const [e] = events;
    const feeds = await h.handle.em.fork().find(Feed, { eventId: e.id }, { orderBy: { isDefault: 'desc' } });
    const moment = await h.handle.em.fork().findOneOrFail(Moment, { eventId: e.id });
    const r = await h.call<{ _entities: unknown[] }>(
      `query($r: [_Any!]!) { _entities(representations: $r) {
        ... on Feed { id label event { id } }
        ... on Venue { id name }
        ... on Moment { id title feed { id } }
        ... on Event { id }
      } }`,
      {
        r: [
          { __typename: 'Feed', id: feeds[0].id },
          { __typename: 'Venue', id: venues[0].id },
          { __typename: 'Moment', id: moment.id },
          { __typename: 'Event', id: randomUUID() },
          { __typename: 'Feed', id: 'not-a-feed' },
        ],
      },
    );
    expect(r).toEqual({
      status: 200,
      data: {
        _entities: [
          { id: feeds[0].id, label: 'Center court', event: { id: e.id } },
          { id: venues[0].id, name: 'North Hall' },
          { id: moment.id, title: 'Moment 0', feed: { id: feeds[0].id } },
          null,
          null,
        ],
      },
    });
  });
});

describe('schema', () => {
  it('matches the committed schema.graphql (run `npm run compose` after a change)', async () => {
    const committed = readFileSync(join(__dirname, '..', 'schema.graphql'), 'utf8');
    expect(`${(await printEventsSdl()).trim()}\n`).toBe(committed);
  });
});
