import { randomUUID } from 'node:crypto';
import { eventually } from '@frontrow/kit/testing';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { Platform } from '../src/launch';
import { Events, gql, signUpFan, type Fan } from './party-harness';
import { startTestPlatform, type TestPlatform } from './test-platform';

/**
 * Real time under the probe's conditions: a crowd behind one proxy (rate limits per
 * client address over graphql-ws as over HTTP) and a subgraph that fails while events
 * are completed (every subscriber hears of every event, as data or as an error).
 */
let world: TestPlatform;
let platform: Platform;
const clients: Client[] = [];

beforeAll(async () => {
  world = await startTestPlatform('rthard', {
    gateway: { trustProxy: 1, rateLimits: { anonymousPerMinute: 3, perPrincipalPerMinute: 600 } },
  });
  platform = world.platform;
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await world?.stop();
});

/** A graphql-ws client whose upgrade request carries these headers (as a proxy would add). */
function clientWith(headers: Record<string, string>, params: Record<string, unknown> = {}): Client {
  class WithHeaders extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols, { headers });
    }
  }
  const client = createClient({ url: platform.gateway.wsUrl, webSocketImpl: WithHeaders, connectionParams: params, retryAttempts: 0, lazy: true });
  clients.push(client);
  return client;
}

function once(client: Client, query: string): Promise<{ data?: unknown; errors?: Array<{ extensions?: { code?: string } }> }> {
  return new Promise((resolve) => {
    client.subscribe({ query }, { next: (r) => resolve(r as never), error: (e) => resolve({ errors: e as never }), complete: () => undefined });
  });
}

describe('rate limits behind a proxy', () => {
  it('counts anonymous callers per forwarded address over graphql-ws, as over HTTP, when TRUST_PROXY is set', async () => {
    const first = clientWith({ 'x-forwarded-for': '198.51.100.10' });
    const codes: Array<string | undefined> = [];
    for (let i = 0; i < 4; i++) codes.push((await once(first, '{ serverTime { epochMs } }')).errors?.[0]?.extensions?.code);
    expect(codes).toEqual([undefined, undefined, undefined, 'RATE_LIMITED']);
    // Another fan behind the same proxy (same peer address) has a budget of its own.
    const second = clientWith({ 'x-forwarded-for': '198.51.100.11' });
    expect((await once(second, '{ serverTime { epochMs } }')).errors).toBeUndefined();

    const http = (address: string) =>
      fetch(platform.gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': address },
        body: JSON.stringify({ query: '{ serverTime { epochMs } }' }),
      }).then((r) => r.status);
    expect([await http('198.51.100.20'), await http('198.51.100.20'), await http('198.51.100.20'), await http('198.51.100.20')]).toEqual([200, 200, 200, 429]);
    expect(await http('198.51.100.21')).toBe(200);
  });
});

describe('a subgraph that fails while an event is completed', () => {
  it('delivers the event as an error to the subscriber, never silence', async () => {
    const url = platform.gateway.url;
    const [host, guest]: Fan[] = await Promise.all([signUpFan(url, 'Host'), signUpFan(url, 'Guest')]);
    const created = await gql(url, `mutation($e: ID!) { createParty(eventId: $e) { id inviteCode } }`, { e: randomUUID() }, host.token);
    const partyId = created.data!.createParty.id as string;
    await gql(url, `mutation($c: String!) { joinParty(inviteCode: $c) { id } }`, { c: created.data!.createParty.inviteCode }, guest.token);
    const client = clientWith({}, { authorization: `Bearer ${guest.token}` });
    const events = new Events(
      client,
      `subscription($p: ID!) { partyEvents(partyId: $p) { __typename ... on PlaybackChanged { state { playing version } by { id displayName } } } }`,
      { p: partyId },
    );
    const control = (action: string, v: number) =>
      gql(url, `mutation($p: ID!, $c: PlaybackCommand!, $v: Int!) { controlPlayback(partyId: $p, command: $c, expectedVersion: $v) { version } }`, { p: partyId, c: { action }, v }, host.token);
    // Wait until the stream is open: a first change arrives whole, with identity's name.
    let version = 1;
    for (;;) {
      const r = await control(version % 2 ? 'PLAY' : 'PAUSE', version);
      version = r.data!.controlPlayback.version as number;
      const got = await events.next((e) => e.__typename === 'PlaybackChanged' && e.state.version === version, 2_000).catch(() => null);
      if (got) {
        expect(got.by.displayName).toBe('Host');
        break;
      }
    }
    // Identity goes away; the access tokens stay valid at the gateway (its key set is cached).
    await platform.services.identity.stop();
    const before = events.errors.length;
    const r = await control(version % 2 ? 'PLAY' : 'PAUSE', version);
    expect(r.data?.controlPlayback.version).toBe(version + 1);
    await eventually(() => events.errors.length > before || events.events.some((e) => e?.state?.version === version + 1), 20_000);
    expect(JSON.stringify(events.errors.slice(before))).toMatch(/INTERNAL_SERVER_ERROR|identity/i);
  });
});
