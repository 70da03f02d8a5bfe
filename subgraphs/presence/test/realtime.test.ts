import { PRINCIPAL_HEADER, signCaller } from '@frontrow/kit';
import { eventually, testEnv, testKv, testSecret, testTransport, uniqueName } from '@frontrow/kit/testing';
import type { Client } from 'graphql-ws';
import { start, type PresenceHandle } from '../src/server';
import { actor, code, follow, gql, memberClient, ok, wsClient, type Actor, type PartyEventResult, type Stream } from './helpers';

/**
 * Party events over real graphql-ws connections, as the gateway will open them, and
 * two presence instances sharing one database and one Redis (or, embedded, one
 * in-process store): what a member does through one reaches subscribers on the other.
 */
const GRACE_MS = 400;
let a: PresenceHandle;
let b: PresenceHandle;
let secret: string;
const kv = testKv();
const transport = testTransport();
const clients: Client[] = [];

let common: Parameters<typeof start>[0];

beforeAll(async () => {
  secret = testSecret();
  common = {
    port: 0,
    principalSecret: secret,
    databaseUrl: testEnv.databaseUrl,
    databaseSchema: uniqueName('presence_rt'),
    kv,
    transport,
    poolSize: 5,
    settings: { graceMs: GRACE_MS, reactionWindowMs: 1000 },
  };
  a = await start({ ...common, instanceId: 'instance-a' });
  b = await start({ ...common, instanceId: 'instance-b', dropSchemaOnStop: true });
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await a.stop();
  await b.stop();
  await transport.close();
  await kv.close();
});

function connect(on: PresenceHandle, who: Actor): Client {
  const client = memberClient(on.wsUrl, who);
  clients.push(client);
  return client;
}

const EVENT_ID = '6f1c2f1e-3f7a-4a53-9e53-2d8a6b4d9c10';
const FEED_A = '0b7c1b0e-8c2e-4d6f-a1a9-6f0f0a3c2b11';
const FEED_B = '9a4f3c2d-1e0b-4c7d-8e6f-5a4b3c2d1e22';

async function party(on: PresenceHandle, host: Actor, ...members: Actor[]): Promise<{ id: string; inviteCode: string }> {
  const created = ok(
    await gql<{ createParty: { id: string; inviteCode: string } }>(
      on.url,
      `mutation($e: ID!, $f: ID) { createParty(eventId: $e, feedId: $f) { id inviteCode } }`,
      { e: EVENT_ID, f: FEED_A },
      host,
    ),
  ).createParty;
  for (const m of members) {
    ok(await gql(on.url, `mutation($c: String!) { joinParty(inviteCode: $c) { id } }`, { c: created.inviteCode }, m));
  }
  return created;
}

/** Subscribes and waits until the server has the stream (the member's own online event). */
async function followAs(on: PresenceHandle, who: Actor, partyId: string): Promise<Stream> {
  const stream = follow(connect(on, who), partyId);
  await Promise.race([
    stream.next((e) => e.__typename === 'MemberUpdated' && e.member.user.id === who.id && e.member.online),
    stream.ended.then(() => {
      throw new Error(`stream ended: ${JSON.stringify(stream.errors)}`);
    }),
  ]);
  return stream;
}

const control = (on: PresenceHandle, who: Actor, partyId: string, command: Record<string, unknown>, v: number) =>
  gql<{ controlPlayback: Record<string, unknown> }>(
    on.url,
    `mutation($p: ID!, $c: PlaybackCommand!, $v: Int!) { controlPlayback(partyId: $p, command: $c, expectedVersion: $v) {
       feed { id } playing positionMs rate updatedAt version } }`,
    { p: partyId, c: command, v },
    who,
  );

const react = (on: PresenceHandle, who: Actor, partyId: string, emoji: string) =>
  gql<{ react: boolean }>(on.url, `mutation($p: ID!, $e: String!) { react(partyId: $p, emoji: $e) }`, { p: partyId, e: emoji }, who);

describe('connecting', () => {
  async function closeCode(params: () => Promise<Record<string, unknown>> | Record<string, unknown>): Promise<number | undefined> {
    const client = wsClient(a.wsUrl, params);
    clients.push(client);
    const stream = follow(client, '00000000-0000-4000-8000-000000000000');
    await stream.ended;
    return (stream.errors[0] as { code?: number } | undefined)?.code;
  }

  it('closes with 4403 without a valid signed caller in connection_init', async () => {
    const someone = actor(secret);
    expect(await closeCode(() => ({}))).toBe(4403);
    expect(await closeCode(() => ({ [PRINCIPAL_HEADER]: 'not-a-jwt' }))).toBe(4403);
    // Signed with another secret: forged.
    expect(
      await closeCode(async () => ({
        [PRINCIPAL_HEADER]: await signCaller({ principal: { kind: 'user', userId: someone.id, roles: ['ADMIN'], scopes: [] } }, testSecret()),
      })),
    ).toBe(4403);
  });

  it('carries several callers on one connection signed as the gateway, each subscription with its own caller', async () => {
    const host = actor(secret);
    const guest = actor(secret);
    const outsider = actor(secret);
    const { id } = await party(a, host, guest);
    // The gateway's connection: properly signed, anonymous.
    const pool = wsClient(a.wsUrl, async () => ({ [PRINCIPAL_HEADER]: await signCaller({ principal: null }, secret) }));
    clients.push(pool);
    const asGuest = follow(pool, id, { [PRINCIPAL_HEADER]: await guest.header() });
    await asGuest.next((e) => e.__typename === 'MemberUpdated' && e.member.user.id === guest.id && e.member.online);
    const asNobody = follow(pool, id);
    const asOutsider = follow(pool, id, { [PRINCIPAL_HEADER]: await outsider.header() });
    const forged = follow(pool, id, {
      [PRINCIPAL_HEADER]: await signCaller({ principal: { kind: 'user', userId: host.id, roles: ['FAN'], scopes: [] } }, testSecret()),
    });
    for (const s of [asNobody, asOutsider, forged]) await s.ended;
    expect(asNobody.errors).toEqual([expect.objectContaining({ extensions: { code: 'UNAUTHENTICATED' } })]);
    expect(asOutsider.errors).toEqual([expect.objectContaining({ extensions: { code: 'FORBIDDEN' } })]);
    expect(forged.errors).toEqual([expect.objectContaining({ extensions: { code: 'UNAUTHENTICATED' } })]);
    // The guest's stream lives on, and is the guest's: they are online.
    ok(await control(a, host, id, { action: 'PLAY' }, 1));
    await asGuest.next((e) => e.__typename === 'PlaybackChanged' && e.by.id === host.id);
    asGuest.stop();
  });

  it('refuses a non-member with FORBIDDEN and an unknown party with NOT_FOUND', async () => {
    const host = actor(secret);
    const { id } = await party(a, host);
    const outsider = follow(connect(a, actor(secret)), id);
    await outsider.ended;
    expect(outsider.completed).toBe(true);
    expect(outsider.events).toEqual([]);
    expect(outsider.errors).toEqual([expect.objectContaining({ extensions: { code: 'FORBIDDEN' } })]);
    const nowhere = follow(connect(a, host), '00000000-0000-4000-8000-000000000000');
    await nowhere.ended;
    expect(nowhere.errors).toEqual([expect.objectContaining({ extensions: { code: 'NOT_FOUND' } })]);
  });
});

describe('party events', () => {
  it('tells a member when another pauses: the state and who did it', async () => {
    const host = actor(secret);
    const member = actor(secret);
    const { id } = await party(a, host, member);
    const hostStream = await followAs(a, host, id);
    const memberStream = await followAs(a, member, id);
    const from = memberStream.events.length;
    const played = ok(await control(a, host, id, { action: 'PLAY' }, 1)).controlPlayback;
    const paused = ok(await control(a, host, id, { action: 'PAUSE' }, 2)).controlPlayback;
    const seen = await memberStream.next((e) => e.__typename === 'PlaybackChanged' && e.state.version === 3, from);
    expect(seen).toEqual({ __typename: 'PlaybackChanged', state: paused, by: { id: host.id } });
    const changes = memberStream.events.filter((e) => e.__typename === 'PlaybackChanged');
    expect(changes.map((e) => e.state)).toEqual([played, paused]);
    // The one who paused hears it too.
    await hostStream.next((e) => e.__typename === 'PlaybackChanged' && e.state.version === 3);
  });

  it('carries chat, joins, mutes and the control mode', async () => {
    const host = actor(secret);
    const member = actor(secret);
    const { id, inviteCode } = await party(a, host, member);
    const hostStream = await followAs(a, host, id);
    const late = actor(secret);
    ok(await gql(a.url, `mutation($c: String!) { joinParty(inviteCode: $c) { id } }`, { c: inviteCode }, late));
    const joined = await hostStream.next((e) => e.__typename === 'MemberJoined');
    expect(joined.member).toEqual({ user: { id: late.id }, role: 'MEMBER', online: false });
    const sent = ok(
      await gql<{ sendChatMessage: { id: string; sentAt: string } }>(
        a.url,
        `mutation($p: ID!) { sendChatMessage(partyId: $p, body: "  goal!  ") { id sentAt } }`,
        { p: id },
        member,
      ),
    ).sendChatMessage;
    const chat = await hostStream.next((e) => e.__typename === 'ChatPosted');
    expect(chat.message).toEqual({ id: sent.id, body: 'goal!', author: { id: member.id }, sentAt: sent.sentAt });
    ok(await gql(a.url, `mutation($p: ID!, $u: ID!) { muteMember(partyId: $p, userId: $u) { muted } }`, { p: id, u: member.id }, host));
    const muted = await hostStream.next((e) => e.__typename === 'MemberUpdated' && e.member.user.id === member.id && e.member.muted);
    expect(muted.member).toMatchObject({ role: 'MEMBER', online: false });
    ok(await gql(a.url, `mutation($p: ID!) { setPartyControlMode(partyId: $p, mode: EVERYONE) { id } }`, { p: id }, host));
    expect(await hostStream.next((e) => e.__typename === 'ControlModeChanged')).toEqual({
      __typename: 'ControlModeChanged',
      controlMode: 'EVERYONE',
      by: { id: host.id },
    });
    ok(await gql(a.url, `mutation($m: ID!) { removeMessage(messageId: $m) }`, { m: sent.id }, host));
    expect(await hostStream.next((e) => e.__typename === 'ChatRemoved')).toEqual({ __typename: 'ChatRemoved', messageId: sent.id });
  });

  it('ends a kicked member\'s stream after telling them, and keeps them out', async () => {
    const host = actor(secret);
    const member = actor(secret);
    const { id, inviteCode } = await party(a, host, member);
    const hostStream = await followAs(a, host, id);
    const memberStream = await followAs(a, member, id);
    ok(await gql(a.url, `mutation($p: ID!, $u: ID!) { kickMember(partyId: $p, userId: $u) }`, { p: id, u: member.id }, host));
    await memberStream.ended;
    expect(memberStream.completed).toBe(true);
    expect(memberStream.events.at(-1)).toEqual({ __typename: 'MemberKicked', member: { user: { id: member.id } } });
    await hostStream.next((e) => e.__typename === 'MemberKicked' && e.member.user.id === member.id);
    expect(hostStream.completed).toBe(false);
    const rejoin = await gql(a.url, `mutation($c: String!) { joinParty(inviteCode: $c) { id } }`, { c: inviteCode }, member);
    expect(code(rejoin)).toBe('FORBIDDEN');
    const again = follow(connect(a, member), id);
    await again.ended;
    expect(again.errors).toEqual([expect.objectContaining({ extensions: { code: 'FORBIDDEN' } })]);
  });

  it('shows members online while they follow the party, and removes them a grace period after they go', async () => {
    const host = actor(secret);
    const member = actor(secret);
    const { id } = await party(a, host, member);
    const hostStream = await followAs(a, host, id);
    const memberClientA = connect(a, member);
    const memberStream = follow(memberClientA, id);
    await hostStream.next((e) => e.__typename === 'MemberUpdated' && e.member.user.id === member.id && e.member.online);
    const members = async () =>
      ok(await gql<{ party: { members: Array<{ user: { id: string }; online: boolean }> } }>(
        b.url,
        `query($id: ID!) { party(id: $id) { members { user { id } online } } }`,
        { id },
        host,
      )).party.members;
    expect(await members()).toEqual([
      { user: { id: host.id }, online: true },
      { user: { id: member.id }, online: true },
    ]);
    const from = hostStream.events.length;
    memberStream.stop();
    const offline = await hostStream.next((e) => e.__typename === 'MemberUpdated' && e.member.user.id === member.id && !e.member.online, from);
    const offlineAt = Date.now();
    expect(offline.member.online).toBe(false);
    const left = await hostStream.next((e) => e.__typename === 'MemberLeft', from);
    expect(Date.now() - offlineAt).toBeGreaterThanOrEqual(GRACE_MS - 100);
    expect(left.member).toEqual({ user: { id: member.id }, role: 'MEMBER', online: false });
    expect(await members()).toEqual([{ user: { id: host.id }, online: true }]);
  });

  it('keeps a member online while another of their streams is open', async () => {
    const host = actor(secret);
    const member = actor(secret);
    const { id } = await party(a, host, member);
    const sessions = async () => {
      const rows = await a.em.fork().getConnection().execute<Array<{ n: string }>>(
        'select count(*) as n from presence_session where party_id = ? and user_id = ?',
        [id, member.id],
        'all',
      );
      return Number(rows[0].n);
    };
    const first = await followAs(a, member, id);
    // A second stream (another device, or a reconnect on another instance) before the first closes.
    const second = follow(connect(b, member), id);
    await eventually(async () => (await sessions()) === 2);
    first.stop();
    await eventually(async () => (await sessions()) === 1);
    // No grace period started, so no sweep removes them however late it runs.
    const row = await a.em.fork().getConnection().execute<Array<{ status: string; disconnected_at: Date | null }>>(
      'select status, disconnected_at from party_member where party_id = ? and user_id = ?',
      [id, member.id],
      'all',
    );
    expect(row).toEqual([{ status: 'ACTIVE', disconnected_at: null }]);
    await a.hub.sweep();
    const now = ok(await gql<{ party: { members: Array<{ user: { id: string }; online: boolean }> } }>(
      a.url,
      `query($id: ID!) { party(id: $id) { members { user { id } online } } }`,
      { id },
      host,
    )).party.members;
    expect(now).toContainEqual({ user: { id: member.id }, online: true });
    expect(second.events.some((e) => e.__typename === 'MemberLeft' || (e.__typename === 'MemberUpdated' && !e.member.online))).toBe(false);
  });

  it('aggregates reactions: one ReactionSent per emoji per second, with the count', async () => {
    const host = actor(secret);
    const member = actor(secret);
    const { id } = await party(a, host, member);
    const stream = await followAs(a, host, id);
    expect(code(await react(a, host, id, 'not an emoji'))).toBe('BAD_USER_INPUT');
    expect(code(await react(a, host, id, '👏👏'))).toBe('BAD_USER_INPUT');
    const sends: Array<Promise<unknown>> = [];
    for (let i = 0; i < 4; i++) sends.push(react(a, host, id, '👏'));
    for (let i = 0; i < 3; i++) sends.push(react(b, member, id, '👏'));
    sends.push(react(b, member, id, '👍🏽'));
    for (const r of await Promise.all(sends)) expect(ok(r as { data: { react: boolean } })).toEqual({ react: true });
    const total = (emoji: string) =>
      stream.events.filter((e) => e.__typename === 'ReactionSent' && e.emoji === emoji).reduce((n, e) => n + e.count, 0);
    await eventually(() => total('👏') === 7 && total('👍🏽') === 1);
    const claps = stream.events.filter((e): e is PartyEventResult => e.__typename === 'ReactionSent' && e.emoji === '👏');
    // Seven reactions sent within well under a second: one window, or two if they straddled a boundary.
    expect(claps.length).toBeLessThanOrEqual(2);
    expect([host.id, member.id]).toContain(claps[0].by.id);
  });

  it('rate-limits reactions', async () => {
    const host = actor(secret);
    const { id } = await party(a, host);
    const results = [];
    for (let i = 0; i < 21; i++) results.push(await react(a, host, id, '🔥'));
    expect(results.slice(0, 20).every((r) => !r.errors)).toBe(true);
    expect(code(results[20])).toBe('RATE_LIMITED');
  });
});

describe('two presence instances', () => {
  it('deliver to a subscriber on one what a member did through the other', async () => {
    const host = actor(secret);
    const member = actor(secret);
    const { id } = await party(a, host, member);
    const onA = await followAs(a, host, id);
    const onB = await followAs(b, member, id);
    const from = onA.events.length;
    ok(await gql(b.url, `mutation($p: ID!) { sendChatMessage(partyId: $p, body: "through B") { id } }`, { p: id }, member));
    expect((await onA.next((e) => e.__typename === 'ChatPosted', from)).message).toMatchObject({ body: 'through B', author: { id: member.id } });
    const jumped = ok(await control(b, host, id, { action: 'SWITCH_FEED', feedId: FEED_B }, 1)).controlPlayback;
    expect((await onA.next((e) => e.__typename === 'PlaybackChanged', from)).state).toEqual(jumped);
    expect((await onB.next((e) => e.__typename === 'PlaybackChanged')).state).toEqual(jumped);
    // Both instances see both members online.
    for (const on of [a, b]) {
      const members = ok(await gql<{ party: { members: Array<{ online: boolean }> } }>(
        on.url,
        `query($id: ID!) { party(id: $id) { members { online } } }`,
        { id },
        host,
      )).party.members;
      expect(members.map((m) => m.online)).toEqual([true, true]);
    }
    // A kick through A ends the member's stream on B.
    ok(await gql(a.url, `mutation($p: ID!, $u: ID!) { kickMember(partyId: $p, userId: $u) }`, { p: id, u: member.id }, host));
    await onB.ended;
    expect(onB.completed).toBe(true);
    expect(onB.events.at(-1)?.__typename).toBe('MemberKicked');
  });
});

describe('shared delivery (the gateway\'s streams, kit delivery.ts)', () => {
  it('begins a shared stream the gateway re-opens after losing it with the playback state and who changed it', async () => {
    const host = actor(secret);
    const member = actor(secret);
    const { id } = await party(a, host, member);
    ok(await gql(a.url, `mutation($p: ID!) { setPartyControlMode(partyId: $p, mode: EVERYONE) { controlMode } }`, { p: id }, host));
    const played = ok(await control(a, member, id, { action: 'PLAY' }, 1)).controlPlayback;
    const pool = wsClient(b.wsUrl, async () => ({ [PRINCIPAL_HEADER]: await signCaller({ principal: null }, secret) }));
    clients.push(pool);
    // Events published while the gateway's stream was away reached nobody: the re-opened stream starts with the state.
    const resumed = follow(pool, id, { [PRINCIPAL_HEADER]: await signCaller({ principal: null }, secret), frontrowDelivery: 'shared', frontrowResume: true });
    const first = await resumed.next(() => true);
    expect(first).toEqual({ __typename: 'PlaybackChanged', state: played, by: { id: member.id } });
    // Then the events as they come.
    const paused = ok(await control(a, host, id, { action: 'PAUSE' }, 2)).controlPlayback;
    expect(await resumed.next((e) => e.__typename === 'PlaybackChanged' && e.state.version === 3)).toEqual({ __typename: 'PlaybackChanged', state: paused, by: { id: host.id } });
    expect(resumed.errors).toEqual([]);
    resumed.stop();
  });
});

describe('admissions at once (a gateway gone, its members admitted again through another)', () => {
  it('admits 100 members at once on a pool of 2 connections, with one statement each', async () => {
    // Each admission used to take five queries one after the other, each queuing for the
    // pool again behind every other admission: 500 members back at once kept presence's
    // pool full and timed out (docs/reliability.md, the gateway kill).
    const statements: string[] = [];
    const c = await start({ ...common, instanceId: 'instance-c', poolSize: 2, onQuery: (sql) => statements.push(sql) });
    try {
      const host = actor(secret);
      const { id } = await party(c, host);
      const members = Array.from({ length: 100 }, () => actor(secret));
      await c.em.fork().getConnection().execute(
        `insert into party_member (id, party_id, user_id, role, status, muted, joined_at)
         select gen_random_uuid(), ?, unnest(?::uuid[]), 'MEMBER', 'ACTIVE', false, now()`,
        [id, `{${members.map((m) => m.id).join(',')}}`],
      );
      const gateway = wsClient(c.wsUrl, async () => ({ [PRINCIPAL_HEADER]: await signCaller({ principal: null }, secret) }));
      clients.push(gateway);
      const admitted = new Set<string>();
      const refused: unknown[] = [];
      const before = statements.length;
      for (const m of members) {
        const extensions = { [PRINCIPAL_HEADER]: await m.header(), frontrowDelivery: 'admission' };
        gateway.subscribe(
          { query: `subscription($p: ID!) { partyEvents(partyId: $p) { __typename } }`, variables: { p: id }, extensions },
          {
            next: (value) => {
              if (value.errors?.length) refused.push(...value.errors);
              if ((value.extensions as { frontrowDelivery?: { admitted?: boolean } } | undefined)?.frontrowDelivery?.admitted) admitted.add(m.id);
            },
            error: (err) => refused.push(err),
            complete: () => undefined,
          },
        );
      }
      await eventually(() => admitted.size === members.length || refused.length > 0, 20_000, 20);
      expect(refused).toEqual([]);
      expect(admitted.size).toBe(members.length);
      // The party, the membership, the member's other sessions, the new session and their return: one statement.
      // (The instance's own sweep and heartbeat run meanwhile: they are not admissions.)
      const sweeps = /heartbeat_at <= |status = 'LEFT'|set heartbeat_at = /;
      const admissions = statements.slice(before).filter((sql) => /\bparty\b|party_member|presence_session/.test(sql) && !sweeps.test(sql));
      expect(admissions).toHaveLength(members.length);
      const online = ok(await gql<{ party: { members: Array<{ user: { id: string }; online: boolean }> } }>(c.url, `query($p: ID!) { party(id: $p) { members { user { id } online } } }`, { p: id }, members[0])).party.members;
      expect(online.filter((m) => m.online).map((m) => m.user.id).sort()).toEqual(members.map((m) => m.id).sort());
    } finally {
      await c.stop();
    }
  });
});
