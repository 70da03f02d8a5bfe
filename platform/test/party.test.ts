import { randomUUID } from 'node:crypto';
import { eventually } from '@frontrow/kit/testing';
import type { Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { Platform } from '../src/launch';
import { startTestPlatform, type TestPlatform } from './test-platform';
import { Events, PARTY_EVENTS, connect, gql, signUpFan, type Fan, type Loose } from './party-harness';

/**
 * Parties through the gateway, over real graphql-ws: the gateway checks the token in
 * connection_init, forwards the subscription to presence with the caller, and
 * completes each event with the fields identity owns.
 */
let platform: Platform;
let world: TestPlatform;
const clients: Client[] = [];
const EVENT_ID = randomUUID();

beforeAll(async () => {
  world = await startTestPlatform('party', {
    presenceSettings: { graceMs: 500 },
    // A short keep-alive, so that a client that stopped answering is dropped while the test waits.
    gateway: { subscriptions: { connectionInitWaitMs: 500, keepAliveMs: 300 } },
  });
  platform = world.platform;
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await world?.stop();
});

const url = () => platform.gateway.url;
const fan = (name: string) => signUpFan(url(), name);

function as(who: Fan | null, params?: Record<string, unknown>): Client {
  const client = connect(platform.gateway.wsUrl, params ?? (who ? { authorization: `Bearer ${who.token}` } : {}));
  clients.push(client);
  return client;
}

async function party(host: Fan, ...members: Fan[]): Promise<string> {
  const r = await gql(url(), `mutation($e: ID!) { createParty(eventId: $e) { id inviteCode } }`, { e: EVENT_ID }, host.token);
  if (!r.data) throw new Error(JSON.stringify(r.errors));
  for (const m of members) {
    const j = await gql(url(), `mutation($c: String!) { joinParty(inviteCode: $c) { id } }`, { c: r.data.createParty.inviteCode }, m.token);
    if (!j.data) throw new Error(JSON.stringify(j.errors));
  }
  return r.data.createParty.id;
}

/** Follows the party and waits until presence counts the stream (the member comes online). */
async function follow(who: Fan, partyId: string, client = as(who)): Promise<Events> {
  const events = new Events(client, PARTY_EVENTS, { p: partyId });
  await events.next((e) => e.__typename === 'MemberUpdated' && e.member.user.id === who.id && e.member.online);
  return events;
}

const control = (who: Fan, partyId: string, action: string, v: number) =>
  gql(url(), `mutation($p: ID!, $c: PlaybackCommand!, $v: Int!) { controlPlayback(partyId: $p, command: $c, expectedVersion: $v) { playing version } }`, { p: partyId, c: { action }, v }, who.token);

describe('party events through the gateway', () => {
  it('tells a member when another pauses, with the name identity holds', async () => {
    const [ana, ben] = await Promise.all([fan('Ana Host'), fan('Ben Guest')]);
    const id = await party(ana, ben);
    const benSees = await follow(ben, id);
    expect((await control(ana, id, 'PLAY', 1)).data).toEqual({ controlPlayback: { playing: true, version: 2 } });
    expect((await control(ana, id, 'PAUSE', 2)).data).toEqual({ controlPlayback: { playing: false, version: 3 } });
    const paused = await benSees.next((e) => e.__typename === 'PlaybackChanged' && e.state.version === 3);
    expect(paused).toEqual({ __typename: 'PlaybackChanged', state: { playing: false, positionMs: expect.any(Number), version: 3 }, by: { id: ana.id, displayName: 'Ana Host' } });
    expect(benSees.errors).toEqual([]);
    benSees.stop();
  });

  it('shares one upstream stream between identical subscriptions of one fan', async () => {
    const [ana, ben] = await Promise.all([fan('Ana Two'), fan('Ben Two')]);
    const id = await party(ana, ben);
    const before = platform.gateway.subscriptions.stats();
    const client = as(ben);
    const first = await follow(ben, id, client);
    const second = new Events(as(ben), PARTY_EVENTS, { p: id });
    await eventually(() => platform.gateway.subscriptions.stats().subscriptions === before.subscriptions + 2);
    expect(platform.gateway.subscriptions.stats().upstreamStreams).toBe(before.upstreamStreams + 1);
    await control(ana, id, 'PLAY', 1);
    for (const s of [first, second]) await s.next((e) => e.__typename === 'PlaybackChanged' && e.by.displayName === 'Ana Two');
    first.stop();
    second.stop();
    await eventually(() => platform.gateway.subscriptions.stats().upstreamStreams === before.upstreamStreams);
  });

  it('serves every member from one upstream stream, admits each on its own, and fetches a field that depends on the caller per caller', async () => {
    const [ana, ben, cleo] = await Promise.all([fan('Ana Shared'), fan('Ben Shared'), fan('Cleo Shared')]);
    const id = await party(ana, ben, cleo);
    const query = `subscription($p: ID!) { partyEvents(partyId: $p) {
      __typename ... on PlaybackChanged { state { version } by { id displayName } }
      ... on MemberUpdated { member { online user { id email } } } } }`;
    const before = platform.gateway.subscriptions.stats();
    const benSees = new Events(as(ben), query, { p: id });
    const cleoSees = new Events(as(cleo), query, { p: id });
    const online = (who: Fan) => (e: Loose) => e.__typename === 'MemberUpdated' && e.member.user.id === who.id && e.member.online;
    // Each member is told of the other coming online; an email is seen only by its owner.
    const [benOnCleo, cleoOnCleo] = await Promise.all([benSees.next(online(cleo)), cleoSees.next(online(cleo))]);
    expect(benOnCleo.member.user.email).toBeNull();
    expect(cleoOnCleo.member.user.email).toEqual(expect.stringContaining('@'));
    expect((await benSees.next(online(ben))).member.user.email).toEqual(expect.stringContaining('@'));
    await eventually(() => platform.gateway.subscriptions.stats().subscriptions === before.subscriptions + 2);
    const open = platform.gateway.subscriptions.stats();
    expect(open.upstreamStreams).toBe(before.upstreamStreams + 1);
    expect(open.admissions).toBe(before.admissions + 2);
    await control(ana, id, 'PLAY', 1);
    for (const s of [benSees, cleoSees]) {
      expect(await s.next((e) => e.__typename === 'PlaybackChanged')).toEqual({ __typename: 'PlaybackChanged', state: { version: 2 }, by: { id: ana.id, displayName: 'Ana Shared' } });
      expect(s.errors).toEqual([]);
      s.stop();
    }
    await eventually(() => {
      const now = platform.gateway.subscriptions.stats();
      return now.upstreamStreams === before.upstreamStreams && now.admissions === before.admissions;
    });
  });

  it('delivers a burst of changes to every member once each and in order, most of them written straight to the sockets', async () => {
    const [host, ...members] = await Promise.all(['Host Burst', 'Ann Burst', 'Bo Burst', 'Cy Burst'].map((n) => fan(n)));
    const id = await party(host, ...members);
    const seen = await Promise.all(members.map((m) => follow(m, id)));
    const before = platform.gateway.subscriptions.stats().writtenStraight;
    let version = 1;
    for (let i = 0; i < 20; i++) {
      const r = await control(host, id, i % 2 ? 'PAUSE' : 'PLAY', version);
      version = (r.data as { controlPlayback: { version: number } }).controlPlayback.version;
    }
    const expected = Array.from({ length: 20 }, (_, i) => i + 2);
    for (const s of seen) {
      await s.next((e) => e.__typename === 'PlaybackChanged' && e.state.version === version);
      const versions = s.events.filter((e) => e.__typename === 'PlaybackChanged').map((e) => e.state.version as number);
      expect(versions).toEqual(expected);
      expect(s.errors).toEqual([]);
    }
    // A member whose client has read every earlier event takes the next one straight.
    expect(platform.gateway.subscriptions.stats().writtenStraight - before).toBeGreaterThan(0);
  });

  it('runs a subscription with its variables coerced, defaults applied, and shares the stream whether a default was sent or not', async () => {
    const [ana, ben, cleo] = await Promise.all([fan('Ana Defaults'), fan('Ben Defaults'), fan('Cleo Defaults')]);
    const id = await party(ana, ben, cleo);
    // $names defaults to true: the display name comes from identity, by a fetch the plan runs only if $names.
    const query = `subscription($p: ID!, $names: Boolean = true) { partyEvents(partyId: $p) {
      __typename ... on PlaybackChanged { state { version } by { id displayName @include(if: $names) } }
      ... on MemberUpdated { member { online user { id } } } } }`;
    const online = (who: Fan) => (e: Loose) => e.__typename === 'MemberUpdated' && e.member.user.id === who.id && e.member.online;
    const before = platform.gateway.subscriptions.stats();
    const implicit = new Events(as(ben), query, { p: id });
    const explicit = new Events(as(ben), query, { p: id, names: true });
    const without = new Events(as(cleo), query, { p: id, names: false });
    await Promise.all([implicit.next(online(ben)), without.next(online(cleo))]);
    await eventually(() => platform.gateway.subscriptions.stats().subscriptions === before.subscriptions + 3);
    expect(platform.gateway.subscriptions.stats().upstreamStreams).toBe(before.upstreamStreams + 2);
    await control(ana, id, 'PLAY', 1);
    const played = (e: Loose) => e.__typename === 'PlaybackChanged';
    for (const s of [implicit, explicit]) {
      expect(await s.next(played)).toEqual({ __typename: 'PlaybackChanged', state: { version: 2 }, by: { id: ana.id, displayName: 'Ana Defaults' } });
    }
    expect(await without.next(played)).toEqual({ __typename: 'PlaybackChanged', state: { version: 2 }, by: { id: ana.id } });
    for (const s of [implicit, explicit, without]) {
      expect(s.errors).toEqual([]);
      s.stop();
    }
  });

  it('refuses a fan who is not a member, and a connection without a user', async () => {
    const [ana, cleo] = await Promise.all([fan('Ana Three'), fan('Cleo Outsider')]);
    const id = await party(ana);
    const outsider = new Events(as(cleo), PARTY_EVENTS, { p: id });
    await outsider.ended;
    expect(outsider.events).toEqual([]);
    expect(outsider.errors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'FORBIDDEN' }) })]);
    const nobody = new Events(as(null), PARTY_EVENTS, { p: id });
    await nobody.ended;
    expect(nobody.errors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'UNAUTHENTICATED' }) })]);
  });

  it('answers a stale version with CONFLICT and the current state', async () => {
    const ana = await fan('Ana Four');
    const id = await party(ana);
    await control(ana, id, 'PLAY', 1);
    const stale = await control(ana, id, 'PAUSE', 1);
    expect(stale.data).toBeNull();
    expect(stale.errors![0].extensions).toMatchObject({ code: 'CONFLICT', current: { version: 2, playing: true } });
  });

  it('refuses an over-long chat message with BAD_USER_INPUT', async () => {
    const ana = await fan('Ana Five');
    const id = await party(ana);
    const r = await gql(url(), `mutation($p: ID!, $b: String!) { sendChatMessage(partyId: $p, body: $b) { id } }`, { p: id, b: 'x'.repeat(501) }, ana.token);
    expect(r.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'body' });
  });

  it('ends a kicked member’s subscription after telling them', async () => {
    const [ana, ben] = await Promise.all([fan('Ana Six'), fan('Ben Kicked')]);
    const id = await party(ana, ben);
    const benSees = await follow(ben, id);
    const kick = await gql(url(), `mutation($p: ID!, $u: ID!) { kickMember(partyId: $p, userId: $u) }`, { p: id, u: ben.id }, ana.token);
    expect(kick.data).toEqual({ kickMember: true });
    await benSees.ended;
    expect(benSees.completed).toBe(true);
    expect(benSees.events.at(-1)).toEqual({ __typename: 'MemberKicked', member: { user: { id: ben.id, displayName: 'Ben Kicked' } } });
  });
});

describe('connections to the gateway', () => {
  function closeOf(params: Record<string, unknown> | null): Promise<{ code: number; reason: string }> {
    return new Promise((resolve) => {
      const socket = new WebSocket(platform.gateway.wsUrl, 'graphql-transport-ws');
      socket.on('open', () => {
        if (params) socket.send(JSON.stringify({ type: 'connection_init', payload: params }));
      });
      socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    });
  }

  it('closes with 4403 on a bad token or API key, and with 4408 when no connection_init comes', async () => {
    expect((await closeOf({ authorization: 'Bearer not-a-token' })).code).toBe(4403);
    expect((await closeOf({ authorization: 'Basic abc' })).code).toBe(4403);
    expect((await closeOf({ apiKey: 'fr_made_up' })).code).toBe(4403);
    expect((await closeOf(null)).code).toBe(4408);
  });

  it('closes a connection that sends a message over the size limit (64 KiB), logging it as JSON, not on the console', async () => {
    const consoleError = jest.spyOn(console, 'error');
    const closed = await new Promise<number>((resolve) => {
      const socket = new WebSocket(platform.gateway.wsUrl, 'graphql-transport-ws');
      socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { padding: 'x'.repeat(70 * 1024) } })));
      socket.on('close', (code) => resolve(code));
    });
    expect(closed).toBe(1009);
    expect(consoleError).not.toHaveBeenCalled();
    consoleError.mockRestore();
  });

  it('closes the connection when the access token expires, ending its subscriptions', async () => {
    const ana = await fan('Ana Expiring');
    const id = await party(ana);
    const short = await platform.services.identity.tokens.issueAccessToken({ id: ana.id, roles: ['FAN'] }, 2);
    const client = connect(platform.gateway.wsUrl, { authorization: `Bearer ${short.token}` });
    clients.push(client);
    const closed = new Promise<number>((resolve) => client.on('closed', (e) => resolve((e as { code: number }).code)));
    const events = await follow({ ...ana, token: short.token }, id, client);
    expect(await closed).toBe(4401);
    await events.ended;
  });

  it('drops a client that stops answering pings (graphql-ws keep-alive), ending its subscriptions, and keeps one that answers', async () => {
    const ana = await fan('Ana Silent');
    const id = await party(ana);
    const before = platform.gateway.subscriptions.stats();
    const open = (autoPong: boolean) =>
      new Promise<WebSocket>((resolve, reject) => {
        const socket = new WebSocket(platform.gateway.wsUrl, 'graphql-transport-ws', { autoPong });
        socket.on('error', reject);
        socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${ana.token}` } })));
        socket.on('message', (data) => {
          if ((JSON.parse(String(data)) as { type: string }).type !== 'connection_ack') return;
          socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: PARTY_EVENTS, variables: { p: id } } }));
          resolve(socket);
        });
      });
    const silent = await open(false);
    const answering = await open(true);
    await eventually(() => platform.gateway.subscriptions.stats().subscriptions === before.subscriptions + 2);
    const silentClosed = new Promise<number>((resolve) => silent.on('close', (code) => resolve(code)));
    let pings = 0;
    const answeredThree = new Promise<void>((resolve) => answering.on('ping', () => ++pings === 3 && resolve()));
    // No close frame: the gateway terminated the connection.
    expect(await silentClosed).toBe(1006);
    await eventually(() => platform.gateway.subscriptions.stats().subscriptions === before.subscriptions + 1);
    await answeredThree;
    expect(answering.readyState).toBe(WebSocket.OPEN);
    answering.close();
    await eventually(() => {
      const now = platform.gateway.subscriptions.stats();
      return now.subscriptions === before.subscriptions && now.clients === before.clients;
    });
  });

  it('refuses a subscription over HTTP with a clear error', async () => {
    const r = await gql(url(), `subscription { partyEvents(partyId: "${randomUUID()}") { __typename } }`);
    expect(r.errors![0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' }, message: expect.stringMatching(/WebSocket/) });
  });

  it('runs queries and mutations over the socket too', async () => {
    const ana = await fan('Ana Socket');
    const client = as(ana);
    const result = await new Promise<unknown>((resolve, reject) => {
      client.subscribe({ query: '{ me { displayName } serverTime { epochMs } }' }, { next: resolve, error: reject, complete: () => undefined });
    });
    expect(result).toEqual({ data: { me: { displayName: 'Ana Socket' }, serverTime: { epochMs: expect.any(Number) } } });
  });
});
