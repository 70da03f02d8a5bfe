import { randomUUID } from 'node:crypto';
import {
  CreatePartyDocument,
  MeDocument,
  MyApiKeysDocument,
  MyDevicesDocument,
  MyEntitlementsDocument,
  MyOrdersDocument,
  PartyEventsDocument,
  ScheduleDocument,
  SendChatMessageDocument,
  SignUpDocument,
  createFrontRowClient,
  friendlyError,
  type FrontRowClient,
} from '@frontrow/sdk';
import { demoEventIds } from '@frontrow/events/src/seed';
import { eventually, uniqueName } from '@frontrow/kit/testing';
import { parse } from 'graphql';
import WebSocket from 'ws';
import { startTestPlatform, type TestPlatform } from './test-platform';

/**
 * The SDK's Apollo Client against the real platform: the session refreshed once for
 * many refused requests, the refresh token rotated, persisted queries, and the
 * graphql-ws link reconnecting with a fresh token.
 */
let world: TestPlatform;
const clients: FrontRowClient[] = [];

beforeAll(async () => {
  world = await startTestPlatform('sdk', { seedDemo: true });
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await world?.stop();
});

interface Seen {
  operation: string | undefined;
  hashOnly: boolean;
}

/** A client whose requests are recorded (the operation's name, and whether it went as a hash only). */
function client(): { sdk: FrontRowClient; seen: Seen[] } {
  const seen: Seen[] = [];
  const recording: typeof fetch = async (input, init) => {
    if (typeof init?.body === 'string') {
      const body = JSON.parse(init.body) as { operationName?: string; query?: string };
      seen.push({ operation: body.operationName, hashOnly: body.query === undefined });
    }
    return fetch(input, init);
  };
  const sdk = createFrontRowClient({ url: world.platform.gateway.url, wsUrl: world.platform.gateway.wsUrl, fetch: recording, webSocketImpl: WebSocket });
  clients.push(sdk);
  return { sdk, seen };
}

async function signUp(sdk: FrontRowClient): Promise<void> {
  const name = uniqueName('sdk');
  const r = await sdk.apollo.mutate({ mutation: SignUpDocument, variables: { input: { email: `${name}@example.com`, password: 'an sdk password', displayName: 'Sdk Fan' } } });
  sdk.session.set(r.data!.signUp);
}

/** An access token the gateway refuses: its signature no longer matches. */
function spoil(sdk: FrontRowClient): string {
  const s = sdk.session.current!;
  const [h, p, sig] = s.accessToken.split('.');
  const spoilt = `${h}.${p}.${sig.startsWith('A') ? 'B' : 'A'}${sig.slice(1)}`;
  sdk.session.set({ ...s, accessToken: spoilt });
  return spoilt;
}

describe('the SDK client', () => {
  it('refreshes once for many requests refused together, rotates the refresh token, and replays them', async () => {
    const { sdk, seen } = client();
    await signUp(sdk);
    const before = sdk.session.current!;
    spoil(sdk);

    const results = await Promise.all([
      sdk.apollo.query({ query: MeDocument, fetchPolicy: 'network-only' }),
      sdk.apollo.query({ query: MyOrdersDocument, variables: { first: 5 }, fetchPolicy: 'network-only' }),
      sdk.apollo.query({ query: MyDevicesDocument, fetchPolicy: 'network-only' }),
      sdk.apollo.query({ query: MyApiKeysDocument, fetchPolicy: 'network-only' }),
      sdk.apollo.query({ query: MyEntitlementsDocument, fetchPolicy: 'network-only' }),
    ]);
    expect(results[0].data?.me?.id).toBe(before.user!.id);
    expect(results.every((r) => r.error === undefined)).toBe(true);
    expect(seen.filter((s) => s.operation === 'RefreshSession')).toHaveLength(1);
    expect(sdk.session.refreshes).toBe(1);
    const after = sdk.session.current!;
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(after.accessToken).not.toBe(before.accessToken);

    // A second wave with the new token needs no refresh.
    await sdk.apollo.query({ query: MeDocument, fetchPolicy: 'network-only' });
    expect(sdk.session.refreshes).toBe(1);
  });

  it('signs out, with a message a person understands, when the session cannot be renewed', async () => {
    const { sdk } = client();
    await signUp(sdk);
    const s = sdk.session.current!;
    sdk.session.set({ ...s, refreshToken: 'not-a-refresh-token' });
    spoil(sdk);
    const signedOut = new Promise<void>((resolve) => sdk.session.subscribe((next) => next === null && resolve()));
    const r = await sdk.apollo.query({ query: MeDocument, fetchPolicy: 'network-only' }).catch((e: unknown) => ({ error: e }));
    await signedOut;
    expect(sdk.session.current).toBeNull();
    expect(friendlyError(r.error)).toBe('Please sign in to continue.');
  });

  it('sends a known query as its hash only (automatic persisted queries)', async () => {
    const { sdk, seen } = client();
    const first = await sdk.apollo.query({ query: ScheduleDocument, variables: { first: 3 }, fetchPolicy: 'network-only' });
    const second = await sdk.apollo.query({ query: ScheduleDocument, variables: { first: 3 }, fetchPolicy: 'network-only' });
    expect(second.data).toEqual(first.data);
    // The SDK's operations are listed (gateway/persisted-operations.json, decision 0028): the gateway knows their hashes from the start.
    expect(seen.filter((s) => s.operation === 'Schedule').map((s) => s.hashOnly)).toEqual([true, true]);
    // An operation of the caller's own: hash only, PERSISTED_QUERY_NOT_FOUND, then hash and query; after that the hash alone.
    const own = parse('query OwnSchedule { events(first: 1) { edges { node { id } } } }');
    const mine = await sdk.apollo.query({ query: own, fetchPolicy: 'network-only' });
    await sdk.apollo.query({ query: own, fetchPolicy: 'network-only' });
    expect(mine.data).toBeTruthy();
    expect(seen.filter((s) => s.operation === 'OwnSchedule').map((s) => s.hashOnly)).toEqual([true, false, true]);
  });

  it('subscribes with the token in connection_init, and reconnects with a refreshed one when it is refused', async () => {
    const { sdk } = client();
    await signUp(sdk);
    const party = await sdk.apollo.mutate({ mutation: CreatePartyDocument, variables: { eventId: demoEventIds()[0] } });
    const partyId = party.data!.createParty.id;
    spoil(sdk);

    const received: string[] = [];
    let online = false;
    const me = sdk.session.current!.user!.id;
    const sub = sdk.apollo.subscribe({ query: PartyEventsDocument, variables: { partyId } }).subscribe({
      next: (r) => {
        const e = r.data?.partyEvents;
        if (e?.__typename === 'ChatPosted') received.push(e.message.body);
        if (e?.__typename === 'MemberUpdated' && e.member.user.id === me && e.member.online) online = true;
      },
    });
    try {
      // The socket was refused (4403) with the spoilt token; the SDK refreshed and
      // reconnected, and presence counts the stream: the host comes online.
      await eventually(() => online || undefined, 15_000);
      expect(sdk.session.refreshes).toBe(1);
      const body = `hello ${randomUUID().slice(0, 6)}`;
      await sdk.apollo.mutate({ mutation: SendChatMessageDocument, variables: { partyId, body } });
      await eventually(() => received.includes(body) || undefined, 15_000);
      expect(received).toContain(body);
    } finally {
      sub.unsubscribe();
    }
  });
});
