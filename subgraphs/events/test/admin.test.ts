import { randomUUID } from 'node:crypto';
import { signCaller, type BusMessage, type Subscription } from '@frontrow/kit';
import { eventually, testSecret, uniqueName } from '@frontrow/kit/testing';
import { EventStatus } from '../src/entities/sport-event.entity';
import { transitionEvent } from '../src/status';
import { Harness, failure, type As } from './helpers';

/**
 * The admin side of the schedule, called directly with signed caller headers:
 * who may call it, what it refuses, the status machine, and what it says on the bus.
 */
const h = new Harness();
const busQueue = uniqueName('events-admin-test');
const received: BusMessage[] = [];
let subscription: Subscription;

beforeAll(async () => {
  await h.start();
  subscription = await h.transport.consume({ queue: busQueue, bindings: ['events.#'], concurrency: 1 }, async (m) => {
    received.push(m);
  });
});

afterAll(async () => {
  await subscription?.close();
  await h.transport.deleteQueue(busQueue);
  await h.stop();
});

const future = (days: number, hours = 0) => new Date(Date.now() + days * 86_400_000 + hours * 3_600_000).toISOString();

describe('who may change the schedule', () => {
  let venueId: string;
  let eventId: string;
  let feedId: string;
  let mutations: Array<[string, string, Record<string, unknown>]>;

  beforeAll(async () => {
    venueId = (await h.venue()).id;
    eventId = (await h.event(venueId)).id;
    feedId = (await h.feed(eventId)).id;
    mutations = [
      ['createVenue', `mutation($i: VenueInput!) { createVenue(input: $i) { id } }`, { i: { name: 'X', city: 'Y', country: 'Z', timezone: 'UTC' } }],
      ['updateVenue', `mutation($id: ID!) { updateVenue(id: $id, input: { name: "X" }) { id } }`, { id: venueId }],
      [
        'createEvent',
        `mutation($i: EventInput!) { createEvent(input: $i) { id } }`,
        { i: { title: 'A vs B', sport: 'Soccer', homeTeam: 'A', awayTeam: 'B', venueId, startsAt: future(3), endsAt: future(3, 2) } },
      ],
      ['updateEvent', `mutation($id: ID!) { updateEvent(id: $id, input: { title: "Hijacked" }) { id } }`, { id: eventId }],
      ['addFeed', `mutation($e: ID!) { addFeed(input: { eventId: $e, label: "Rogue seat", projection: FLAT }) { id } }`, { e: eventId }],
      ['updateFeed', `mutation($id: ID!) { updateFeed(id: $id, input: { preview: true }) { id } }`, { id: feedId }],
      ['setEventStatus', `mutation($id: ID!) { setEventStatus(id: $id, status: CANCELLED) { id } }`, { id: eventId }],
      [
        'createMoment',
        `mutation($e: ID!, $f: ID!) { createMoment(input: { eventId: $e, feedId: $f, title: "Fake", occurredAt: "2030-01-01T00:00:00Z" }) { id } }`,
        { e: eventId, f: feedId },
      ],
    ];
  });

  async function expectRefused(as: () => Promise<As>, code: string): Promise<void> {
    for (const [name, query, variables] of mutations) {
      const r = await h.call(query, variables, await as());
      expect({ name, code: r.errors?.[0]?.extensions?.code, data: r.data ?? null }).toEqual({ name, code, data: null });
    }
    // Nothing changed.
    const after = await h.call<{ event: { title: string; status: string; feeds: Array<{ id: string; preview: boolean }>; moments: unknown[] } }>(
      `query($id: ID!) { event(id: $id) { title status feeds { id preview } moments { id } } }`,
      { id: eventId },
    );
    expect(after.data?.event).toEqual({ title: 'Lyon Lions vs Nantes Owls', status: 'SCHEDULED', feeds: [{ id: feedId, preview: false }], moments: [] });
    const venues = await h.call<{ venues: Array<{ name: string }> }>(`{ venues { name } }`);
    expect(venues.data?.venues.map((v) => v.name)).not.toContain('X');
  }

  it('refuses every admin mutation to an anonymous caller (UNAUTHENTICATED)', async () => {
    await expectRefused(async () => null, 'UNAUTHENTICATED');
  });

  it('refuses every admin mutation to a fan, a moderator or a sponsor (FORBIDDEN)', async () => {
    await expectRefused(async () => ['FAN'], 'FORBIDDEN');
    await expectRefused(async () => ['MODERATOR', 'SPONSOR'], 'FORBIDDEN');
  });

  it('refuses an admin header signed with another secret, as any request that did not come through the gateway', async () => {
    const forged = async (): Promise<As> => ({
      header: await signCaller({ principal: { kind: 'user', userId: h.adminId, roles: ['ADMIN'], scopes: [] } }, testSecret()),
    });
    await expectRefused(forged, 'UNAUTHENTICATED');
    await expectRefused(async () => ({ header: 'not-a-jwt' }), 'UNAUTHENTICATED');
  });

  it('lets anyone read the schedule', async () => {
    const r = await h.call<{ event: { id: string } }>(`query($id: ID!) { event(id: $id) { id } }`, { id: eventId });
    expect(r).toEqual({ status: 200, data: { event: { id: eventId } } });
  });
});

describe('createVenue', () => {
  const good = { name: 'Rose Garden', city: 'Portland', country: 'US', timezone: 'America/Los_Angeles', capacity: 19_393 };
  const create = (input: Record<string, unknown>) =>
    h.call<{ createVenue: Record<string, unknown> }>(
      `mutation($i: VenueInput!) { createVenue(input: $i) { id name city country timezone capacity } }`,
      { i: input },
      ['ADMIN'],
    );

  it('creates a venue, trimmed, that venues lists', async () => {
    const r = await create({ ...good, name: '  Rose Garden  ' });
    expect(r.errors).toBeUndefined();
    expect(r.data?.createVenue).toMatchObject(good);
    const list = await h.call<{ venues: Array<{ id: string }> }>(`{ venues { id name } }`);
    expect(list.data?.venues.map((v) => v.id)).toContain(r.data?.createVenue.id);
  });

  it('accepts an unknown capacity and a capacity of zero', async () => {
    const { capacity: _c, ...rest } = good;
    expect((await create(rest)).data?.createVenue.capacity).toBeNull();
    expect((await create({ ...good, capacity: 0 })).data?.createVenue.capacity).toBe(0);
  });

  it.each([
    ['name', { name: '   ' }],
    ['name', { name: '' }],
    ['city', { city: ' ' }],
    ['country', { country: '' }],
    ['timezone', { timezone: 'Mars/Olympus_Mons' }],
    ['timezone', { timezone: 'GMT+25' }],
    ['timezone', { timezone: '' }],
    ['capacity', { capacity: -1 }],
  ])('refuses a bad %s (%j) with BAD_USER_INPUT naming it', async (field, change) => {
    const r = await create({ ...good, ...change });
    expect(failure(r)).toEqual({ code: 'BAD_USER_INPUT', field });
    expect(r.data).toBeNull();
  });
});

describe('updateVenue', () => {
  const update = (id: string, input: Record<string, unknown>) =>
    h.call<{ updateVenue: Record<string, unknown> }>(
      `mutation($id: ID!, $i: VenueUpdateInput!) { updateVenue(id: $id, input: $i) { id name city country timezone capacity } }`,
      { id, i: input },
      ['ADMIN'],
    );

  it('changes only the fields given, trimmed, clears the capacity with null, and audits what changed', async () => {
    const venue = await h.venue();
    const r = await update(venue.id, { name: '  Moda Center ', capacity: 19_000 });
    expect(r.errors).toBeUndefined();
    expect(r.data?.updateVenue).toMatchObject({ id: venue.id, name: 'Moda Center', capacity: 19_000 });
    const cleared = await update(venue.id, { capacity: null });
    expect(cleared.data?.updateVenue).toMatchObject({ name: 'Moda Center', capacity: null });
    await eventually(() => {
      const audits = received.filter((m) => m.type === 'events.audit.recorded' && (m.payload as { action?: string }).action === 'events.venue.updated' && (m.payload as { targetId?: string }).targetId === venue.id);
      expect(audits.map((m) => (m.payload as { action: string; details: { changed: string[] } }).details.changed)).toEqual([['name', 'capacity'], ['capacity']]);
      return true;
    });
  });

  it.each([
    ['name', { name: '  ' }],
    ['name', { name: null }],
    ['timezone', { timezone: 'Mars/Olympus_Mons' }],
    ['capacity', { capacity: -5 }],
  ])('refuses a bad %s (%j) with BAD_USER_INPUT naming it, changing nothing', async (field, change) => {
    const venue = await h.venue();
    const r = await update(venue.id, change);
    expect(failure(r)).toEqual({ code: 'BAD_USER_INPUT', field });
    const list = await h.call<{ venues: Array<{ id: string; name: string }> }>(`{ venues { id name } }`);
    expect(list.data?.venues.find((v) => v.id === venue.id)?.name).toBe(venue.name);
  });

  it('answers NOT_FOUND for an unknown or malformed id', async () => {
    expect(failure(await update(randomUUID(), { name: 'Nowhere' })).code).toBe('NOT_FOUND');
    expect(failure(await update('not-an-id', { name: 'Nowhere' })).code).toBe('NOT_FOUND');
  });
});

describe('createEvent and updateEvent', () => {
  let venueId: string;
  const input = (over: Record<string, unknown> = {}) => ({
    title: 'Porto Sharks vs Braga Wolves',
    sport: 'Soccer',
    homeTeam: 'Porto Sharks',
    awayTeam: 'Braga Wolves',
    venueId,
    startsAt: '2031-03-01T18:00:00.000Z',
    endsAt: '2031-03-01T20:00:00.000Z',
    ...over,
  });
  const create = (i: Record<string, unknown>) =>
    h.call<{ createEvent: Record<string, unknown> }>(
      `mutation($i: EventInput!) { createEvent(input: $i) { id title sport homeTeam awayTeam startsAt endsAt status venue { id } feeds { id } moments { id } } }`,
      { i },
      ['ADMIN'],
    );
  const update = (id: string, i: Record<string, unknown>) =>
    h.call<{ updateEvent: Record<string, unknown> }>(
      `mutation($id: ID!, $i: EventUpdateInput!) { updateEvent(id: $id, input: $i) { id title sport homeTeam awayTeam startsAt endsAt status venue { id } } }`,
      { id, i },
      ['ADMIN'],
    );

  beforeAll(async () => {
    venueId = (await h.venue({ name: 'Dragon Stadium' })).id;
  });

  it('creates a SCHEDULED event at its venue, with no feeds or moments yet', async () => {
    const r = await create(input());
    expect(r.errors).toBeUndefined();
    const { id, ...rest } = r.data!.createEvent;
    expect(id).toEqual(expect.any(String));
    const { venueId: _v, ...fields } = input();
    expect(rest).toEqual({ ...fields, status: 'SCHEDULED', venue: { id: venueId }, feeds: [], moments: [] });
  });

  it.each([
    ['title', { title: '  ' }],
    ['sport', { sport: '' }],
    ['homeTeam', { homeTeam: ' ' }],
    ['awayTeam', { awayTeam: '' }],
    ['title', { title: 'x'.repeat(201) }],
    ['endsAt', { endsAt: '2031-03-01T18:00:00.000Z' }],
    ['endsAt', { endsAt: '2031-03-01T17:00:00.000Z' }],
    ['venueId', { venueId: randomUUID() }],
    ['venueId', { venueId: 'venue-1; drop table event' }],
  ])('refuses a bad %s (%j) with BAD_USER_INPUT naming it', async (field, change) => {
    const r = await create(input(change));
    expect(failure(r)).toEqual({ code: 'BAD_USER_INPUT', field });
    expect(JSON.stringify(r)).not.toMatch(/select|insert|stack|sql/i);
  });

  it('changes only the fields given', async () => {
    const id = (await create(input())).data!.createEvent.id as string;
    const other = (await h.venue({ name: 'Second Home' })).id;
    const r = await update(id, { title: '  Porto Sharks vs Braga Wolves (rescheduled) ', venueId: other, startsAt: '2031-03-02T18:00:00.000Z', endsAt: '2031-03-02T20:30:00.000Z' });
    expect(r.errors).toBeUndefined();
    expect(r.data?.updateEvent).toEqual({
      id,
      title: 'Porto Sharks vs Braga Wolves (rescheduled)',
      sport: 'Soccer',
      homeTeam: 'Porto Sharks',
      awayTeam: 'Braga Wolves',
      startsAt: '2031-03-02T18:00:00.000Z',
      endsAt: '2031-03-02T20:30:00.000Z',
      status: 'SCHEDULED',
      venue: { id: other },
    });
  });

  it.each([
    ['endsAt', { startsAt: '2031-03-01T21:00:00.000Z' }],
    ['endsAt', { endsAt: '2031-03-01T17:59:59.000Z' }],
    ['title', { title: '' }],
    ['title', { title: null }],
    ['venueId', { venueId: randomUUID() }],
    ['venueId', { venueId: 'nope' }],
  ])('refuses an update with a bad %s (%j), changing nothing', async (field, change) => {
    const id = (await create(input())).data!.createEvent.id as string;
    const r = await update(id, change);
    expect(failure(r)).toEqual({ code: 'BAD_USER_INPUT', field });
    const now = await h.call<{ event: Record<string, unknown> }>(`query($id: ID!) { event(id: $id) { title startsAt endsAt venue { id } } }`, { id });
    expect(now.data?.event).toEqual({ title: input().title, startsAt: input().startsAt, endsAt: input().endsAt, venue: { id: venueId } });
  });

  it('answers NOT_FOUND for an event that does not exist, whatever the id looks like', async () => {
    for (const id of [randomUUID(), 'not-an-id', "' or 1=1 --"]) {
      const r = await update(id, { title: 'Whatever' });
      expect(failure(r).code).toBe('NOT_FOUND');
      expect(JSON.stringify(r)).not.toMatch(/select|stack|sql/i);
    }
  });
});

describe('feeds', () => {
  let eventId: string;
  const add = (input: Record<string, unknown>) =>
    h.call<{ addFeed: Record<string, unknown> }>(
      `mutation($i: FeedInput!) { addFeed(input: $i) { id label projection isDefault preview event { id } } }`,
      { i: input },
      ['ADMIN'],
    );

  beforeAll(async () => {
    eventId = (await h.event((await h.venue()).id)).id;
  });

  it('adds feeds: not default and not a preview unless asked, the default listed first', async () => {
    const side = await add({ eventId, label: 'Courtside', projection: 'EQUIRECT_STEREO_TB' });
    expect(side.data?.addFeed).toMatchObject({ label: 'Courtside', projection: 'EQUIRECT_STEREO_TB', isDefault: false, preview: false, event: { id: eventId } });
    const main = await add({ eventId, label: 'Center court', projection: 'EQUIRECT_MONO', isDefault: true });
    expect(main.data?.addFeed).toMatchObject({ isDefault: true, preview: false });
    const free = await add({ eventId, label: 'Press box', projection: 'FLAT', preview: true });
    expect(free.data?.addFeed).toMatchObject({ isDefault: false, preview: true });
    const r = await h.call<{ event: { feeds: Array<{ label: string }> } }>(`query($id: ID!) { event(id: $id) { feeds { label } } }`, { id: eventId });
    expect(r.data?.event.feeds.map((f) => f.label)).toEqual(['Center court', 'Courtside', 'Press box']);
  });

  it('refuses a second default feed for one event (field isDefault)', async () => {
    const r = await add({ eventId, label: 'Another main', projection: 'EQUIRECT_MONO', isDefault: true });
    expect(failure(r)).toEqual({ code: 'BAD_USER_INPUT', field: 'isDefault' });
  });

  it('keeps one default even when two are added at once', async () => {
    const id = (await h.event((await h.venue()).id)).id;
    const results = await Promise.all(
      Array.from({ length: 4 }, (_, i) => add({ eventId: id, label: `Main ${i}`, projection: 'EQUIRECT_MONO', isDefault: true })),
    );
    expect(results.filter((r) => !r.errors).length).toBe(1);
    for (const r of results.filter((x) => x.errors)) expect(failure(r)).toEqual({ code: 'BAD_USER_INPUT', field: 'isDefault' });
  });

  it.each([
    ['label', { label: '  ' }],
    ['label', { label: 'center COURT' }],
    ['eventId', { eventId: randomUUID() }],
    ['eventId', { eventId: 'event-42' }],
  ])('refuses a bad %s (%j)', async (field, change) => {
    const r = await add({ eventId, label: 'Fresh seat', projection: 'FLAT', ...change });
    expect(failure(r)).toEqual({ code: 'BAD_USER_INPUT', field });
  });

  it('lets an admin make a feed a free preview later, and keeps the one-default rule', async () => {
    const r = await h.call<{ event: { feeds: Array<{ id: string; label: string; isDefault: boolean }> } }>(
      `query($id: ID!) { event(id: $id) { feeds { id label isDefault } } }`,
      { id: eventId },
    );
    const courtside = r.data!.event.feeds.find((f) => f.label === 'Courtside')!;
    const upd = await h.call<{ updateFeed: Record<string, unknown> }>(
      `mutation($id: ID!) { updateFeed(id: $id, input: { preview: true, label: "Courtside seats" }) { id label preview isDefault } }`,
      { id: courtside.id },
      ['ADMIN'],
    );
    expect(upd.data?.updateFeed).toEqual({ id: courtside.id, label: 'Courtside seats', preview: true, isDefault: false });
    const second = await h.call(`mutation($id: ID!) { updateFeed(id: $id, input: { isDefault: true }) { id } }`, { id: courtside.id }, ['ADMIN']);
    expect(failure(second)).toEqual({ code: 'BAD_USER_INPUT', field: 'isDefault' });
    const unknown = await h.call(`mutation($id: ID!) { updateFeed(id: $id, input: { preview: true }) { id } }`, { id: randomUUID() }, ['ADMIN']);
    expect(failure(unknown).code).toBe('NOT_FOUND');
  });
});

describe('createMoment', () => {
  let eventId: string;
  let feedId: string;
  let otherFeedId: string;
  const create = (input: Record<string, unknown>) =>
    h.call<{ createMoment: Record<string, unknown> }>(
      `mutation($i: MomentInput!) { createMoment(input: $i) { id title occurredAt event { id } feed { id } } }`,
      { i: input },
      ['ADMIN'],
    );

  beforeAll(async () => {
    const venueId = (await h.venue()).id;
    eventId = (await h.event(venueId)).id;
    feedId = (await h.feed(eventId, { isDefault: true })).id;
    otherFeedId = (await h.feed((await h.event(venueId)).id)).id;
  });

  it('records a moment on a feed of the event, listed by the event in time order', async () => {
    const late = await create({ eventId, feedId, title: 'Buzzer beater', occurredAt: '2031-01-01T21:58:00.000Z' });
    expect(late.errors).toBeUndefined();
    expect(late.data?.createMoment).toMatchObject({ title: 'Buzzer beater', occurredAt: '2031-01-01T21:58:00.000Z', event: { id: eventId }, feed: { id: feedId } });
    await create({ eventId, feedId, title: 'Tip-off', occurredAt: '2031-01-01T20:00:00.000Z' });
    const r = await h.call<{ event: { moments: Array<{ title: string }> } }>(`query($id: ID!) { event(id: $id) { moments { title } } }`, { id: eventId });
    expect(r.data?.event.moments.map((m) => m.title)).toEqual(['Tip-off', 'Buzzer beater']);
  });

  it.each([
    ['feedId', () => ({ feedId: otherFeedId })],
    ['feedId', () => ({ feedId: randomUUID() })],
    ['feedId', () => ({ feedId: '12' })],
    ['eventId', () => ({ eventId: randomUUID() })],
    ['eventId', () => ({ eventId: 'x' })],
    ['title', () => ({ title: ' ' })],
  ])('refuses a bad %s', async (field, change) => {
    const r = await create({ eventId, feedId, title: 'Dunk', occurredAt: '2031-01-01T20:30:00.000Z', ...change() });
    expect(failure(r)).toEqual({ code: 'BAD_USER_INPUT', field });
  });
});

describe('status transitions', () => {
  const ALL = ['SCHEDULED', 'LIVE', 'ENDED', 'CANCELLED'];
  const ALLOWED = new Set(['SCHEDULED>LIVE', 'SCHEDULED>CANCELLED', 'LIVE>ENDED', 'LIVE>CANCELLED']);
  /** The legal path to each status. */
  const PATH: Record<string, string[]> = { SCHEDULED: [], LIVE: ['LIVE'], ENDED: ['LIVE', 'ENDED'], CANCELLED: ['CANCELLED'] };
  let venueId: string;

  beforeAll(async () => {
    venueId = (await h.venue()).id;
  });

  it.each(ALL.flatMap((from) => ALL.map((to) => [from, to])))('%s → %s is allowed only if the table says so', async (from, to) => {
    const { id } = await h.event(venueId);
    for (const step of PATH[from]) expect((await h.setStatus(id, step)).errors).toBeUndefined();
    const r = await h.setStatus(id, to);
    const now = await h.call<{ event: { status: string } }>(`query($id: ID!) { event(id: $id) { status } }`, { id });
    if (ALLOWED.has(`${from}>${to}`)) {
      expect(r).toEqual({ status: 200, data: { setEventStatus: { id, status: to } } });
      expect(now.data?.event.status).toBe(to);
    } else {
      expect(failure(r)).toEqual({ code: 'BAD_USER_INPUT', field: 'status' });
      expect(r.errors?.[0].message).toContain(`from ${from} to ${to}`);
      expect(now.data?.event.status).toBe(from);
    }
  });

  it('answers NOT_FOUND for an unknown or malformed event id', async () => {
    expect(failure(await h.setStatus(randomUUID(), 'LIVE')).code).toBe('NOT_FOUND');
    expect(failure(await h.setStatus('1 or 1=1', 'LIVE')).code).toBe('NOT_FOUND');
  });

  it('lets exactly one of several concurrent moves win', async () => {
    const { id } = await h.event(venueId);
    const results = await Promise.all(Array.from({ length: 6 }, () => h.setStatus(id, 'LIVE')));
    const won = results.filter((r) => !r.errors);
    expect(won).toHaveLength(1);
    for (const r of results.filter((x) => x.errors)) expect(['CONFLICT', 'BAD_USER_INPUT']).toContain(failure(r).code);
  });

  it('refuses, with CONFLICT, a move from a status the event has already left', async () => {
    const { id } = await h.event(venueId);
    const admin = { kind: 'user' as const, userId: h.adminId, roles: ['ADMIN' as const], scopes: [] };
    // Two admins saw it SCHEDULED; one cancelled it first.
    expect((await h.setStatus(id, 'CANCELLED')).errors).toBeUndefined();
    await expect(transitionEvent(h.handle.em.fork(), id, EventStatus.SCHEDULED, EventStatus.LIVE, admin)).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    const now = await h.call<{ event: { status: string } }>(`query($id: ID!) { event(id: $id) { status } }`, { id });
    expect(now.data?.event.status).toBe('CANCELLED');
  });
});

describe('events on the bus', () => {
  const forEntity = (id: string) => received.filter((m) => JSON.stringify(m.payload).includes(id));

  it('announces each change once, with its payload, plus an audit entry per admin action', async () => {
    const venue = await h.venue({ name: 'Bus Arena', timezone: 'Asia/Tokyo', capacity: 12_000 });
    const event = await h.event(venue.id, { title: 'Tokyo Cranes vs Osaka Bulls', homeTeam: 'Tokyo Cranes', awayTeam: 'Osaka Bulls' });
    await h.admin(`mutation($id: ID!) { updateEvent(id: $id, input: { sport: "Basket" }) { id } }`, { id: event.id });
    const main = await h.feed(event.id, { label: 'Center court', isDefault: true });
    const free = await h.feed(event.id, { label: 'Roof cam', projection: 'FLAT', preview: true });
    expect((await h.setStatus(event.id, 'LIVE')).errors).toBeUndefined();
    await h.admin(`mutation($i: MomentInput!) { createMoment(input: $i) { id } }`, {
      i: { eventId: event.id, feedId: main.id, title: 'Alley-oop', occurredAt: '2031-01-01T20:00:00.000Z' },
    });
    expect((await h.setStatus(event.id, 'ENDED')).errors).toBeUndefined();
    // Refused changes say nothing.
    expect(failure(await h.setStatus(event.id, 'LIVE')).field).toBe('status');
    expect(failure(await h.call(`mutation($id: ID!) { updateEvent(id: $id, input: { title: "x" }) { id } }`, { id: event.id }, ['FAN'])).code).toBe('FORBIDDEN');
    const cancelled = await h.event(venue.id, { title: 'Rained off' });
    expect((await h.setStatus(cancelled.id, 'CANCELLED')).errors).toBeUndefined();

    await eventually(() => forEntity(cancelled.id).some((m) => m.type === 'events.event.cancelled'));
    const domain = forEntity(event.id).filter((m) => m.type !== 'events.audit.recorded');
    expect(domain.map((m) => m.type)).toEqual([
      'events.event.created',
      'events.event.updated',
      'events.feed.added',
      'events.feed.added',
      'events.event.live',
      'events.moment.created',
      'events.event.ended',
    ]);
    for (const m of received) expect(m).toMatchObject({ id: expect.any(String), occurredAt: expect.any(String), version: 1 });

    const venueCreated = received.find((m) => m.type === 'events.venue.created' && (m.payload as { venueId: string }).venueId === venue.id);
    expect(venueCreated?.payload).toEqual({ venueId: venue.id, name: 'Bus Arena', city: 'Lyon', country: 'FR', timezone: 'Asia/Tokyo', capacity: 12_000 });
    expect(domain[0].payload).toEqual({
      eventId: event.id,
      title: 'Tokyo Cranes vs Osaka Bulls',
      sport: 'Basketball',
      homeTeam: 'Tokyo Cranes',
      awayTeam: 'Osaka Bulls',
      venueId: venue.id,
      startsAt: event.startsAt,
      endsAt: event.endsAt,
      status: 'SCHEDULED',
    });
    expect(domain[1].payload).toMatchObject({ eventId: event.id, sport: 'Basket', changed: ['sport'] });
    expect(domain[2].payload).toEqual({ feedId: main.id, eventId: event.id, label: 'Center court', projection: 'EQUIRECT_MONO', isDefault: true, preview: false });
    expect(domain[3].payload).toEqual({ feedId: free.id, eventId: event.id, label: 'Roof cam', projection: 'FLAT', isDefault: false, preview: true });
    const feeds = [
      { feedId: main.id, label: 'Center court', projection: 'EQUIRECT_MONO', isDefault: true, preview: false },
      { feedId: free.id, label: 'Roof cam', projection: 'FLAT', isDefault: false, preview: true },
    ];
    expect(domain[4].payload).toMatchObject({ eventId: event.id, status: 'LIVE', previousStatus: 'SCHEDULED', feeds });
    expect(domain[5].payload).toMatchObject({ eventId: event.id, feedId: main.id, title: 'Alley-oop', occurredAt: '2031-01-01T20:00:00.000Z' });
    expect(domain[6].payload).toMatchObject({ eventId: event.id, status: 'ENDED', previousStatus: 'LIVE', feeds });
    expect(forEntity(cancelled.id).find((m) => m.type === 'events.event.cancelled')?.payload).toMatchObject({
      eventId: cancelled.id,
      status: 'CANCELLED',
      previousStatus: 'SCHEDULED',
      feeds: [],
    });

    const audits = received
      .filter((m) => m.type === 'events.audit.recorded')
      .map((m) => m.payload as { actorId: string; actorRoles: string[]; action: string; targetType: string; targetId: string; details: Record<string, unknown> });
    expect(audits.find((a) => a.targetId === venue.id)).toMatchObject({ actorId: h.adminId, actorRoles: ['ADMIN'], action: 'events.venue.created', targetType: 'Venue' });
    expect(audits.filter((a) => a.targetId === event.id).map((a) => [a.action, a.details])).toEqual([
      ['events.event.created', { title: 'Tokyo Cranes vs Osaka Bulls' }],
      ['events.event.updated', { changed: ['sport'] }],
      ['events.event.status_changed', { from: 'SCHEDULED', to: 'LIVE' }],
      ['events.event.status_changed', { from: 'LIVE', to: 'ENDED' }],
    ]);
    expect(audits.filter((a) => a.targetId === main.id || a.targetId === free.id).map((a) => a.action)).toEqual(['events.feed.added', 'events.feed.added']);
    expect(audits.some((a) => a.action === 'events.moment.created' && a.details.eventId === event.id)).toBe(true);
    for (const a of audits) expect(a.actorId).toBe(h.adminId);
  });
});
