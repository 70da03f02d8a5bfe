import { eventually, gql as post, signUp, uniqueName, type Loose } from '@frontrow/kit/testing';
import { defaultPorts, type Platform } from '../src/launch';
import { startTestPlatform, type TestPlatform } from './test-platform';

/** The subgraphs composed behind one gateway: one query crosses several of them. */
let platform: Platform;
let world: TestPlatform;
const admin = { email: `${uniqueName('admin')}@example.com`, password: 'platform-admin-password' };

beforeAll(async () => {
  world = await startTestPlatform('plat', { seedAdmin: admin });
  platform = world.platform;
});

afterAll(async () => {
  await world?.stop();
});

const gql = <T = Loose>(query: string, variables: Record<string, unknown> = {}, token?: string) => post<T>(platform.gateway.url, query, variables, token);

describe('the platform', () => {
  it('reads the subgraph ports from supergraph.yaml', () => {
    expect(defaultPorts()).toMatchObject({ identity: 4001, events: 4002, media: 4003 });
  });

  it('answers one query across events and media, with media unavailable when no Janus is configured', async () => {
    const signIn = await gql<{ signIn: { accessToken: string } }>(`mutation($i: SignInInput!) { signIn(input: $i) { accessToken } }`, { i: admin });
    const token = signIn.data!.signIn.accessToken;
    const venue = await gql<{ createVenue: { id: string } }>(
      `mutation { createVenue(input: { name: "Dome", city: "Oslo", country: "NO", timezone: "Europe/Oslo" }) { id } }`,
      {},
      token,
    );
    const event = await gql<{ createEvent: { id: string } }>(
      `mutation($v: ID!) { createEvent(input: { title: "Final", sport: "handball", homeTeam: "A", awayTeam: "B", venueId: $v,
         startsAt: "2031-05-01T18:00:00Z", endsAt: "2031-05-01T20:00:00Z" }) { id } }`,
      { v: venue.data!.createVenue.id },
      token,
    );
    const feed = await gql<{ addFeed: { id: string } }>(
      `mutation($e: ID!) { addFeed(input: { eventId: $e, label: "Court", projection: EQUIRECT_MONO, isDefault: true }) { id } }`,
      { e: event.data!.createEvent.id },
      token,
    );
    const r = await gql<{ event: { title: string; feeds: Array<{ id: string; ingest: { status: string } | null }> } }>(
      `query($id: ID!) { event(id: $id) { title feeds { id ingest { status } } } encoderPresets { id } }`,
      { id: event.data!.createEvent.id },
      token,
    );
    expect(r.data?.event.title).toBe('Final');
    expect(r.data?.event.feeds).toEqual([{ id: feed.data!.addFeed.id, ingest: { status: 'IDLE' } }]);
    // Media learns of the feed from the bus; then starting ingest says media is unavailable.
    const start = await eventually(async () => {
      const s = await gql(`mutation($f: ID!) { startIngest(feedId: $f, presetId: "equirect-2k-vp8") { status } }`, { f: feed.data!.addFeed.id }, token);
      return s.errors?.[0].extensions?.code === 'NOT_FOUND' ? undefined : s;
    });
    expect(start.errors?.[0].extensions).toMatchObject({ code: 'INTERNAL_SERVER_ERROR', reason: 'MEDIA_UNAVAILABLE' });
    expect(start.errors?.[0].message).toMatch(/media server is unavailable/);
    // Nothing is live, so there is nothing to watch: no grant, no error.
    const play = await gql(`query($id: ID!) { feed(id: $id) { playback { token } } }`, { id: feed.data!.addFeed.id }, token);
    expect(play).toEqual({ status: 200, data: { feed: { playback: null } } });
    // A fan may not see ingest details.
    const fan = await signUp(platform.gateway.url, 'Fan');
    const denied = await gql(`query($id: ID!) { feed(id: $id) { ingest { status } } }`, { id: feed.data!.addFeed.id }, fan.accessToken);
    expect(denied.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });
});
