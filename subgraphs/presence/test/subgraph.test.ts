import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { composeServices } from '@apollo/composition';
import { type BusMessage } from '@frontrow/kit';
import { testEnv, testKv, testSecret, testTransport, uniqueName } from '@frontrow/kit/testing';
import { eventually } from '@frontrow/kit/testing';
import { parse } from 'graphql';
import { printPresenceSdl } from '../src/schema';
import { start, type PresenceHandle } from '../src/server';
import { INVITE_ALPHABET } from '../src/validate';
import { PARTY_FIELDS, actor, anonymous, code, gql, ok, type Actor } from './helpers';

/**
 * Presence over HTTP, called directly as the gateway would (a signed caller header):
 * parties, playback commands, chat and moderation.
 */
let presence: PresenceHandle;
let secret: string;
const kv = testKv();
const transport = testTransport();
const queue = uniqueName('presence_test');
const bus: BusMessage[] = [];

beforeAll(async () => {
  secret = testSecret();
  presence = await start({
    port: 0,
    principalSecret: secret,
    databaseUrl: testEnv.databaseUrl,
    databaseSchema: uniqueName('presence'),
    dropSchemaOnStop: true,
    kv,
    transport,
    settings: { maxPartySize: 3 },
  });
  await transport.consume({ queue, bindings: ['presence.#'] }, async (m) => {
    bus.push(m);
  });
});

afterAll(async () => {
  await presence.stop();
  await transport.deleteQueue(queue);
  await transport.close();
  await kv.close();
});

const call = <T = Record<string, unknown>>(query: string, variables: Record<string, unknown> = {}, who?: Actor) =>
  gql<T>(presence.url, query, variables, who);

type PartyData = {
  id: string;
  inviteCode: string;
  controlMode: string;
  maxMembers: number;
  host: { id: string };
  event: { id: string };
  members: Array<{ user: { id: string }; role: string; online: boolean; muted: boolean }>;
  playback: { feed: { id: string } | null; playing: boolean; positionMs: number; rate: number; updatedAt: string; version: number };
};

const EVENT_ID = '6f1c2f1e-3f7a-4a53-9e53-2d8a6b4d9c10';
const FEED_A = '0b7c1b0e-8c2e-4d6f-a1a9-6f0f0a3c2b11';
const FEED_B = '9a4f3c2d-1e0b-4c7d-8e6f-5a4b3c2d1e22';

async function createParty(host: Actor, feedId: string | null = FEED_A): Promise<PartyData> {
  const r = await call<{ createParty: PartyData }>(
    `mutation($e: ID!, $f: ID) { createParty(eventId: $e, feedId: $f) { ${PARTY_FIELDS} } }`,
    { e: EVENT_ID, f: feedId },
    host,
  );
  return ok(r).createParty;
}

async function joinWith(who: Actor, inviteCode: string) {
  return call<{ joinParty: PartyData }>(`mutation($c: String!) { joinParty(inviteCode: $c) { ${PARTY_FIELDS} } }`, { c: inviteCode }, who);
}

async function control(who: Actor, partyId: string, command: Record<string, unknown>, expectedVersion: number) {
  return call<{ controlPlayback: PartyData['playback'] }>(
    `mutation($p: ID!, $c: PlaybackCommand!, $v: Int!) { controlPlayback(partyId: $p, command: $c, expectedVersion: $v) {
       feed { id } playing positionMs rate updatedAt version } }`,
    { p: partyId, c: command, v: expectedVersion },
    who,
  );
}

async function send(who: Actor, partyId: string, body: string) {
  return call<{ sendChatMessage: { id: string; body: string; author: { id: string } } }>(
    `mutation($p: ID!, $b: String!) { sendChatMessage(partyId: $p, body: $b) { id body author { id } sentAt } }`,
    { p: partyId, b: body },
    who,
  );
}

describe('server time', () => {
  it('answers anyone with the server clock', async () => {
    const before = Date.now();
    const r = ok(await call<{ serverTime: { now: string; epochMs: number } }>(`{ serverTime { now epochMs } }`, {}, anonymous(secret)));
    expect(r.serverTime.epochMs).toBeGreaterThanOrEqual(before);
    expect(r.serverTime.epochMs).toBeLessThanOrEqual(Date.now());
    expect(new Date(r.serverTime.now).getTime()).toBe(r.serverTime.epochMs);
  });
});

describe('parties', () => {
  it('needs a signed-in caller', async () => {
    const r = await call(`mutation($e: ID!) { createParty(eventId: $e) { id } }`, { e: EVENT_ID });
    expect(code(r)).toBe('UNAUTHENTICATED');
  });

  it('creates a party with the caller as host, an unambiguous invite code, and announces it on the bus', async () => {
    const host = actor(secret);
    const party = await createParty(host);
    expect(party.inviteCode).toHaveLength(8);
    for (const c of party.inviteCode) expect(INVITE_ALPHABET).toContain(c);
    expect(party.host).toEqual({ id: host.id });
    expect(party.event).toEqual({ id: EVENT_ID });
    expect(party.controlMode).toBe('HOST_ONLY');
    expect(party.maxMembers).toBe(3);
    expect(party.members).toEqual([expect.objectContaining({ user: { id: host.id }, role: 'HOST', online: false, muted: false })]);
    expect(party.playback).toMatchObject({ feed: { id: FEED_A }, playing: false, positionMs: 0, rate: 1, version: 1 });
    const created = await eventually(() => bus.find((m) => m.type === 'presence.party.created' && (m.payload as { partyId: string }).partyId === party.id));
    expect(created.payload).toMatchObject({ eventId: EVENT_ID, hostId: host.id, feedId: FEED_A });
  });

  it('gives every party its own invite code', async () => {
    const host = actor(secret);
    const codes = new Set<string>();
    for (let i = 0; i < 5; i++) codes.add((await createParty(host)).inviteCode);
    expect(codes.size).toBe(5);
  });

  it('names the bad argument', async () => {
    const host = actor(secret);
    const r = await call(`mutation { createParty(eventId: "nope") { id } }`, {}, host);
    expect(code(r)).toBe('BAD_USER_INPUT');
    expect(r.errors?.[0].extensions?.field).toBe('eventId');
    const f = await call(`mutation($e: ID!) { createParty(eventId: $e, feedId: "x") { id } }`, { e: EVENT_ID }, host);
    expect(f.errors?.[0].extensions?.field).toBe('feedId');
  });

  it('may start without a feed: playback.feed stays null until a SWITCH_FEED', async () => {
    const host = actor(secret);
    const party = await createParty(host, null);
    expect(party.playback.feed).toBeNull();
    const switched = ok(await control(host, party.id, { action: 'SWITCH_FEED', feedId: FEED_B }, 1)).controlPlayback;
    expect(switched).toMatchObject({ feed: { id: FEED_B }, version: 2 });
  });

  it('lets friends join with the code, as typed, once; refuses a full party and an unknown code', async () => {
    const host = actor(secret);
    const party = await createParty(host);
    const a = actor(secret);
    const typed = `${party.inviteCode.slice(0, 4).toLowerCase()}-${party.inviteCode.slice(4)}`;
    const joined = ok(await joinWith(a, typed)).joinParty;
    expect(joined.id).toBe(party.id);
    expect(joined.members.map((m) => [m.user.id, m.role])).toEqual([
      [host.id, 'HOST'],
      [a.id, 'MEMBER'],
    ]);
    // Joining twice changes nothing.
    expect(ok(await joinWith(a, party.inviteCode)).joinParty.members).toHaveLength(2);
    ok(await joinWith(actor(secret), party.inviteCode));
    const late = await joinWith(actor(secret), party.inviteCode);
    expect(code(late)).toBe('CONFLICT');
    expect(late.errors?.[0].extensions).toMatchObject({ field: 'inviteCode', maxMembers: 3 });
    const unknown = await joinWith(actor(secret), 'ZZZZZZZZ');
    expect(code(unknown)).toBe('BAD_USER_INPUT');
    expect(unknown.errors?.[0].extensions?.field).toBe('inviteCode');
  });

  it('shows a party to its members and moderators only', async () => {
    const host = actor(secret);
    const party = await createParty(host);
    const q = `query($id: ID!) { party(id: $id) { id members { user { id } } } }`;
    expect(ok(await call<{ party: { id: string } }>(q, { id: party.id }, host)).party.id).toBe(party.id);
    expect(code(await call(q, { id: party.id }, actor(secret)))).toBe('FORBIDDEN');
    expect(code(await call(q, { id: party.id }))).toBe('UNAUTHENTICATED');
    expect(ok(await call<{ party: { id: string } }>(q, { id: party.id }, actor(secret, ['MODERATOR']))).party.id).toBe(party.id);
    expect(code(await call(q, { id: '00000000-0000-4000-8000-000000000000' }, host))).toBe('NOT_FOUND');
    expect(code(await call(q, { id: 'not-an-id' }, host))).toBe('NOT_FOUND');
  });

  it('hands the party to the longest-standing member when the host leaves', async () => {
    const host = actor(secret);
    const party = await createParty(host);
    const a = actor(secret);
    const b = actor(secret);
    ok(await joinWith(a, party.inviteCode));
    ok(await joinWith(b, party.inviteCode));
    const left = ok(await call<{ leaveParty: boolean }>(`mutation($p: ID!) { leaveParty(partyId: $p) }`, { p: party.id }, host));
    expect(left.leaveParty).toBe(true);
    const again = ok(await call<{ leaveParty: boolean }>(`mutation($p: ID!) { leaveParty(partyId: $p) }`, { p: party.id }, host));
    expect(again.leaveParty).toBe(false);
    const now = ok(await call<{ party: PartyData }>(`query($id: ID!) { party(id: $id) { ${PARTY_FIELDS} } }`, { id: party.id }, a)).party;
    expect(now.host).toEqual({ id: a.id });
    expect(now.members.map((m) => [m.user.id, m.role])).toEqual([
      [a.id, 'HOST'],
      [b.id, 'MEMBER'],
    ]);
    // The old host may come back, as a member.
    const back = ok(await joinWith(host, party.inviteCode)).joinParty;
    expect(back.members.find((m) => m.user.id === host.id)?.role).toBe('MEMBER');
  });

  it('lists the caller\'s parties', async () => {
    const me = actor(secret);
    const p1 = await createParty(me);
    const p2 = await createParty(actor(secret));
    ok(await joinWith(me, p2.inviteCode));
    const mine = ok(await call<{ myParties: Array<{ id: string }> }>(`{ myParties { id } }`, {}, me)).myParties;
    expect(mine.map((p) => p.id).sort()).toEqual([p1.id, p2.id].sort());
  });
});

describe('playback', () => {
  it('is controlled by the host by default, by everyone when the host says so', async () => {
    const host = actor(secret);
    const member = actor(secret);
    const party = await createParty(host);
    ok(await joinWith(member, party.inviteCode));
    expect(code(await control(member, party.id, { action: 'PLAY' }, 1))).toBe('FORBIDDEN');
    const setMode = `mutation($p: ID!, $m: PartyControlMode!) { setPartyControlMode(partyId: $p, mode: $m) { controlMode } }`;
    expect(code(await call(setMode, { p: party.id, m: 'EVERYONE' }, member))).toBe('FORBIDDEN');
    expect(ok(await call<{ setPartyControlMode: { controlMode: string } }>(setMode, { p: party.id, m: 'EVERYONE' }, host)).setPartyControlMode.controlMode).toBe('EVERYONE');
    expect(ok(await control(member, party.id, { action: 'PLAY' }, 1)).controlPlayback).toMatchObject({ playing: true, version: 2 });
    expect(code(await control(actor(secret), party.id, { action: 'PAUSE' }, 2))).toBe('FORBIDDEN');
  });

  it('keeps the position across play, pause and seek, and extrapolates it from updatedAt', async () => {
    const host = actor(secret);
    const party = await createParty(host);
    const seek = ok(await control(host, party.id, { action: 'SEEK', positionMs: 60_000 }, 1)).controlPlayback;
    expect(seek).toMatchObject({ playing: false, positionMs: 60_000, version: 2 });
    const play = ok(await control(host, party.id, { action: 'PLAY' }, 2)).controlPlayback;
    expect(play).toMatchObject({ playing: true, positionMs: 60_000, rate: 1, version: 3 });
    await eventually(() => Date.now() - new Date(play.updatedAt).getTime() >= 120, 5000, 20);
    const pause = ok(await control(host, party.id, { action: 'PAUSE' }, 3)).controlPlayback;
    const played = new Date(pause.updatedAt).getTime() - new Date(play.updatedAt).getTime();
    expect(pause.playing).toBe(false);
    expect(played).toBeGreaterThanOrEqual(120);
    expect(pause.positionMs).toBeCloseTo(60_000 + played, 6);
    // A seat jump keeps the timeline.
    const jump = ok(await control(host, party.id, { action: 'SWITCH_FEED', feedId: FEED_B }, 4)).controlPlayback;
    expect(jump).toMatchObject({ feed: { id: FEED_B }, playing: false, positionMs: pause.positionMs, version: 5 });
  });

  it('refuses a stale version with the current state, and changes nothing', async () => {
    const host = actor(secret);
    const party = await createParty(host);
    const played = ok(await control(host, party.id, { action: 'PLAY' }, 1)).controlPlayback;
    const stale = await control(host, party.id, { action: 'PAUSE' }, 1);
    expect(code(stale)).toBe('CONFLICT');
    expect(stale.errors?.[0].extensions?.current).toEqual({
      version: 2,
      playing: true,
      positionMs: played.positionMs,
      rate: 1,
      updatedAt: played.updatedAt,
      feedId: FEED_A,
    });
    const now = ok(await call<{ party: PartyData }>(`query($id: ID!) { party(id: $id) { ${PARTY_FIELDS} } }`, { id: party.id }, host)).party;
    expect(now.playback).toEqual(played);
  });

  it('lets exactly one of two racing commands win', async () => {
    const host = actor(secret);
    const party = await createParty(host);
    ok(await call(`mutation($p: ID!) { setPartyControlMode(partyId: $p, mode: EVERYONE) { id } }`, { p: party.id }, host));
    const other = actor(secret);
    ok(await joinWith(other, party.inviteCode));
    const results = await Promise.all([
      control(host, party.id, { action: 'PLAY' }, 1),
      control(other, party.id, { action: 'SEEK', positionMs: 5000 }, 1),
    ]);
    expect(results.filter((r) => !r.errors).length).toBe(1);
    expect(results.filter((r) => code(r) === 'CONFLICT').length).toBe(1);
  });

  it('checks each command\'s arguments', async () => {
    const host = actor(secret);
    const party = await createParty(host);
    for (const [command, field] of [
      [{ action: 'SEEK' }, 'positionMs'],
      [{ action: 'SEEK', positionMs: -1 }, 'positionMs'],
      [{ action: 'PLAY', positionMs: 10 }, 'positionMs'],
      [{ action: 'SWITCH_FEED' }, 'feedId'],
      [{ action: 'SWITCH_FEED', feedId: 'nope' }, 'feedId'],
      [{ action: 'PAUSE', feedId: FEED_B }, 'feedId'],
    ] as const) {
      const r = await control(host, party.id, command, 1);
      expect({ command, code: code(r), field: r.errors?.[0].extensions?.field }).toEqual({ command, code: 'BAD_USER_INPUT', field });
    }
  });
});

describe('chat', () => {
  it('takes 1 to 500 characters from members only', async () => {
    const host = actor(secret);
    const party = await createParty(host);
    const long = await send(host, party.id, 'x'.repeat(501));
    expect(code(long)).toBe('BAD_USER_INPUT');
    expect(long.errors?.[0].extensions?.field).toBe('body');
    expect(code(await send(host, party.id, '   '))).toBe('BAD_USER_INPUT');
    expect(ok(await send(host, party.id, `  ${'é'.repeat(500)}  `)).sendChatMessage.body).toBe('é'.repeat(500));
    expect(code(await send(actor(secret), party.id, 'hello'))).toBe('FORBIDDEN');
  });

  it('limits each member to 5 messages in 10 seconds', async () => {
    const host = actor(secret);
    const member = actor(secret);
    const party = await createParty(host);
    ok(await joinWith(member, party.inviteCode));
    for (let i = 0; i < 5; i++) ok(await send(member, party.id, `message ${i}`));
    const sixth = await send(member, party.id, 'one too many');
    expect(code(sixth)).toBe('RATE_LIMITED');
    expect(sixth.errors?.[0].extensions?.retryAfterSeconds).toBeGreaterThan(0);
    // The limit is per member.
    ok(await send(host, party.id, 'the host still can'));
  });

  it('silences a muted member until unmuted; only the host or a moderator mutes', async () => {
    const host = actor(secret);
    const member = actor(secret);
    const party = await createParty(host);
    ok(await joinWith(member, party.inviteCode));
    const mute = `mutation($p: ID!, $u: ID!, $m: Boolean) { muteMember(partyId: $p, userId: $u, muted: $m) { user { id } muted } }`;
    expect(code(await call(mute, { p: party.id, u: host.id }, member))).toBe('FORBIDDEN');
    expect(ok(await call<{ muteMember: { muted: boolean } }>(mute, { p: party.id, u: member.id }, host)).muteMember).toEqual({ user: { id: member.id }, muted: true });
    expect(code(await send(member, party.id, 'can you hear me'))).toBe('FORBIDDEN');
    expect(code(await call(`mutation($p: ID!) { react(partyId: $p, emoji: "👏") }`, { p: party.id }, member))).toBe('FORBIDDEN');
    const moderator = actor(secret, ['MODERATOR']);
    expect(ok(await call<{ muteMember: { muted: boolean } }>(mute, { p: party.id, u: member.id, m: false }, moderator)).muteMember.muted).toBe(false);
    ok(await send(member, party.id, 'back again'));
    const audits = await eventually(() => {
      const found = bus.filter((m) => m.type === 'presence.audit.recorded' && (m.payload as { targetId: string }).targetId === member.id);
      return found.length === 2 ? found : undefined;
    });
    expect(audits.map((m) => (m.payload as { action: string; actorId: string }).action).sort()).toEqual(['presence.member.muted', 'presence.member.unmuted']);
  });

  it('kicks a member for good', async () => {
    const host = actor(secret);
    const member = actor(secret);
    const party = await createParty(host);
    ok(await joinWith(member, party.inviteCode));
    const kick = `mutation($p: ID!, $u: ID!) { kickMember(partyId: $p, userId: $u) }`;
    expect(code(await call(kick, { p: party.id, u: host.id }, member))).toBe('FORBIDDEN');
    expect(ok(await call<{ kickMember: boolean }>(kick, { p: party.id, u: member.id }, host)).kickMember).toBe(true);
    expect(code(await call(kick, { p: party.id, u: member.id }, host))).toBe('NOT_FOUND');
    expect(code(await joinWith(member, party.inviteCode))).toBe('FORBIDDEN');
    expect(code(await send(member, party.id, 'let me in'))).toBe('FORBIDDEN');
    expect(code(await call(`query($id: ID!) { party(id: $id) { id } }`, { id: party.id }, member))).toBe('FORBIDDEN');
  });

  it('shows recent messages to members, without removed ones', async () => {
    const host = actor(secret);
    const party = await createParty(host);
    const first = ok(await send(host, party.id, 'first')).sendChatMessage;
    ok(await send(host, party.id, 'second'));
    ok(await call(`mutation($m: ID!) { removeMessage(messageId: $m) }`, { m: first.id }, host));
    const r = ok(await call<{ party: { recentMessages: Array<{ body: string; author: { id: string } }> } }>(
      `query($id: ID!) { party(id: $id) { recentMessages(last: 10) { body author { id } } } }`,
      { id: party.id },
      host,
    ));
    expect(r.party.recentMessages).toEqual([{ body: 'second', author: { id: host.id } }]);
  });
});

describe('moderation', () => {
  it('queues reported messages for moderators, who remove or dismiss them (audited)', async () => {
    const host = actor(secret);
    const troll = actor(secret);
    const party = await createParty(host);
    ok(await joinWith(troll, party.inviteCode));
    const bad = ok(await send(troll, party.id, 'something awful')).sendChatMessage;
    const meh = ok(await send(troll, party.id, 'something dull')).sendChatMessage;
    const report = `mutation($m: ID!, $r: String!) { reportMessage(messageId: $m, reason: $r) }`;
    expect(code(await call(report, { m: bad.id, r: 'abuse' }, actor(secret)))).toBe('FORBIDDEN');
    expect(code(await call(report, { m: bad.id, r: 'abuse' }, troll))).toBe('BAD_USER_INPUT');
    expect(code(await call(report, { m: bad.id, r: '  ' }, host))).toBe('BAD_USER_INPUT');
    expect(ok(await call<{ reportMessage: boolean }>(report, { m: bad.id, r: 'abuse' }, host)).reportMessage).toBe(true);
    expect(ok(await call<{ reportMessage: boolean }>(report, { m: bad.id, r: 'abuse, again' }, host)).reportMessage).toBe(true);
    ok(await call(report, { m: meh.id, r: 'boring' }, host));

    const queueQuery = `query($first: Int, $after: String) { moderationQueue(first: $first, after: $after) {
      edges { cursor node { id reason reporter { id } party { id } message { id body author { id } removedAt } } }
      pageInfo { hasNextPage endCursor } } }`;
    expect(code(await call(queueQuery, {}, host))).toBe('FORBIDDEN');
    const moderator = actor(secret, ['MODERATOR']);
    type Queue = { moderationQueue: { edges: Array<{ cursor: string; node: { id: string; reason: string; message: { id: string; body: string } } }>; pageInfo: { hasNextPage: boolean; endCursor: string | null } } };
    // Other suites' reports may be queued too: page through all of it.
    const all: Queue['moderationQueue']['edges'] = [];
    let after: string | null = null;
    for (;;) {
      const page: Queue = ok(await call<Queue>(queueQuery, { first: 1, after }, moderator));
      all.push(...page.moderationQueue.edges);
      if (!page.moderationQueue.pageInfo.hasNextPage) break;
      after = page.moderationQueue.pageInfo.endCursor;
    }
    const mine = all.filter((e) => [bad.id, meh.id].includes(e.node.message.id));
    expect(mine.map((e) => [e.node.message.body, e.node.reason])).toEqual([
      ['something awful', 'abuse'],
      ['something dull', 'boring'],
    ]);
    expect(code(await call(queueQuery, { after: 'garbage' }, moderator))).toBe('BAD_USER_INPUT');

    ok(await call(`mutation($m: ID!) { removeMessage(messageId: $m) }`, { m: bad.id }, moderator));
    ok(await call(`mutation($r: ID!) { dismissReport(reportId: $r) }`, { r: mine[1].node.id }, moderator));
    const after2 = ok(await call<Queue>(queueQuery, { first: 100 }, moderator)).moderationQueue.edges;
    expect(after2.filter((e) => [bad.id, meh.id].includes(e.node.message.id))).toEqual([]);
    expect(code(await call(`mutation($m: ID!) { removeMessage(messageId: $m) }`, { m: meh.id }, troll))).toBe('FORBIDDEN');
    const audits = await eventually(() => {
      const found = bus.filter(
        (m) => m.type === 'presence.audit.recorded' && [bad.id, mine[1].node.id].includes((m.payload as { targetId: string }).targetId),
      );
      return found.length === 2 ? found : undefined;
    });
    expect(audits.map((m) => m.payload)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ action: 'presence.message.removed', actorId: moderator.id, actorRoles: ['MODERATOR'], targetType: 'ChatMessage' }),
        expect.objectContaining({ action: 'presence.report.dismissed', actorId: moderator.id, targetType: 'MessageReport' }),
      ]),
    );
  });
});

describe('a report in its context', () => {
  it('shows moderators the lines before and after the reported message, removed ones marked', async () => {
    const host = actor(secret);
    const troll = actor(secret);
    const party = await createParty(host);
    const friend = actor(secret);
    ok(await joinWith(troll, party.inviteCode));
    ok(await joinWith(friend, party.inviteCode));
    // Three authors: each stays under the chat's rate limit.
    const lines: Array<[string, ReturnType<typeof actor>]> = [
      ['one', host], ['two', friend], ['three', host], ['the bad one', troll], ['five', host], ['six', friend], ['seven', host],
    ];
    const sent: Array<{ id: string }> = [];
    for (const [body, by] of lines) sent.push(ok(await send(by, party.id, body)).sendChatMessage);
    ok(await call(`mutation($m: ID!) { removeMessage(messageId: $m) }`, { m: sent[1].id }, host));
    ok(await call(`mutation($m: ID!, $r: String!) { reportMessage(messageId: $m, reason: $r) }`, { m: sent[3].id, r: 'rude' }, host));
    const moderator = actor(secret, ['MODERATOR']);
    type Queue = { moderationQueue: { edges: Array<{ node: { message: { id: string }; around: Array<{ body: string; removedAt: string | null }>; narrow: Array<{ body: string }> } }> } };
    const queue = ok(await call<Queue>(
      `{ moderationQueue(first: 100) { edges { node { message { id } around: context { body removedAt } narrow: context(lines: 1) { body } } } } }`,
      {},
      moderator,
    ));
    const mine = queue.moderationQueue.edges.find((e) => e.node.message.id === sent[3].id)!.node;
    expect(mine.around.map((m) => [m.body, m.removedAt !== null])).toEqual([
      ['one', false],
      ['two', true],
      ['three', false],
      ['the bad one', false],
      ['five', false],
      ['six', false],
      ['seven', false],
    ]);
    expect(mine.narrow.map((m) => m.body)).toEqual(['three', 'the bad one', 'five']);
    const tooMany = await call(`{ moderationQueue(first: 1) { edges { node { context(lines: 11) { id } } } } }`, {}, moderator);
    expect(tooMany.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'lines' });
  });
});

describe('schema', () => {
  it('matches the committed schema.graphql (run `npm run compose` after a change)', async () => {
    const committed = readFileSync(join(__dirname, '..', 'schema.graphql'), 'utf8');
    expect(`${(await printPresenceSdl()).trim()}\n`).toBe(committed);
  });

  it('composes with identity\'s', () => {
    const sdl = (name: string) => readFileSync(join(__dirname, '..', '..', name, 'schema.graphql'), 'utf8');
    const result = composeServices([
      { name: 'identity', url: 'http://localhost:4001/graphql', typeDefs: parse(sdl('identity')) },
      { name: 'presence', url: 'http://localhost:4006/graphql', typeDefs: parse(sdl('presence')) },
    ]);
    expect(result.errors ?? []).toEqual([]);
  });

  it('never shows SQL or a stack trace', async () => {
    const r = await call(`query { party(id: "'; drop table party; --") { id } }`, {}, actor(secret));
    expect(code(r)).toBe('NOT_FOUND');
    expect(JSON.stringify(r)).not.toMatch(/select|stack|syntax/i);
  });
});
