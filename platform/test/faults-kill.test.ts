import { createServer, connect as tcpConnect, type Server, type Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { eventually, need, needs, testEnv, testKv, testSecret, testTransport, uniqueName, type Loose } from '@frontrow/kit/testing';
import type { IdentityHandle } from '@frontrow/identity/src/server';
import { SessionManager, createFrontRowSocket, onReconnected } from '@frontrow/sdk';
import type { Client } from 'graphql-ws';
import { Client as Pg } from 'pg';
import WebSocket from 'ws';
import { connect, gql, signUpFan, type Fan } from './party-harness';
import { busNamespaceOf, deleteBusQueues, gatewayProcess, identityFor, inBatches, presenceProcess, type ServiceProcess } from './processes';

/**
 * A process killed (SIGKILL) with 1,000 subscribers of one party on it.
 *
 * Presence: one gateway and one presence process; presence is killed and started again
 * on the same port while the host keeps trying to change playback. Every subscriber
 * must hear the first change made after presence is back, without its subscription
 * ending, and be online again.
 *
 * Gateway: two gateway processes behind a round-robin TCP proxy (the load balancer's
 * stand-in); one is killed. Its clients (the SDK's socket: 20 retries with graphql-ws's
 * randomised back-off) reconnect through the proxy to the other and subscribe again; a
 * playback change made while they were away is in the party's state they read after
 * reconnecting, and the next change reaches all 1,000.
 *
 * Identity runs in this process (it issues the members' tokens); members go into
 * presence's table in bulk, as the subscriptions benchmark does.
 */

const MEMBERS = Number(process.env.FAULTS_KILL_MEMBERS ?? 1000);
/**
 * The gateway case's count (the same 1,000 by default). It ran at 400 until presence
 * could re-admit the killed gateway's 500 in time: each admission took five queries in
 * a row, and each member's read of the party after reconnecting built 1,000 entities,
 * which kept presence's event loop too busy to serve its database pool
 * (docs/reliability.md).
 */
const GATEWAY_MEMBERS = Number(process.env.FAULTS_KILL_GATEWAY_MEMBERS ?? MEMBERS);
/** How long, after the killed process is replaced (presence) or gone (gateway), every subscriber may take to hear the next change. */
const RECOVERY_BOUND_MS = 20_000;

const EVENTS = `subscription($p: ID!) { partyEvents(partyId: $p) { __typename ... on PlaybackChanged { state { version positionMs } by { id } } } }`;
const SEEK = `mutation($p: ID!, $c: PlaybackCommand!, $v: Int!) { controlPlayback(partyId: $p, command: $c, expectedVersion: $v) { version } }`;
const STATE = `query($p: ID!) { party(id: $p) { playback { version } members { online user { id } } } }`;

/** One member's subscription: when each playback version reached it, and anything that ended it. */
class Follower {
  readonly versions = new Map<number, number>();
  readonly errors: unknown[] = [];
  completed = false;
  connections = 0;
  stop?: () => void;

  constructor(
    readonly userId: string,
    readonly token: string,
    readonly client: Client,
  ) {
    client.on('connected', () => this.connections++);
  }

  follow(partyId: string): void {
    this.stop = this.client.subscribe<{ partyEvents: Loose }>(
      { query: EVENTS, variables: { p: partyId } },
      {
        next: (value) => {
          if (value.errors?.length) this.errors.push(...value.errors);
          const e = value.data?.partyEvents;
          if (e?.__typename === 'PlaybackChanged' && !this.versions.has(e.state.version)) this.versions.set(e.state.version, performance.now());
        },
        error: (err) => this.errors.push(err),
        complete: () => (this.completed = true),
      },
    );
  }
}

/** Round-robin over live backends: a connection goes to the next one, or to the other when that one refuses. */
function roundRobinProxy(ports: number[]): { server: Server; start(): Promise<number>; close(): Promise<void> } {
  let turn = 0;
  const open = new Set<Socket>();
  const server = createServer((client) => {
    open.add(client);
    client.once('close', () => open.delete(client));
    client.pause();
    const first = turn++ % ports.length;
    const attempt = (tried: number) => {
      if (tried === ports.length) return void client.destroy();
      const upstream = tcpConnect(ports[(first + tried) % ports.length], '127.0.0.1');
      let connected = false;
      upstream.on('error', () => {
        // Refused (that backend is down): the next one. Broken later: the client's connection ends with it.
        if (!connected) attempt(tried + 1);
        else client.destroy();
      });
      upstream.once('connect', () => {
        connected = true;
        open.add(upstream);
        upstream.once('close', () => {
          open.delete(upstream);
          client.destroy();
        });
        client.once('close', () => upstream.destroy());
        client.on('error', () => upstream.destroy());
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      });
    };
    attempt(0);
  });
  return {
    server,
    start: () =>
      new Promise((resolve) => {
        server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
      }),
    close: () =>
      new Promise((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

needs(need.env('REDIS_URL')).describe('a process killed under its subscribers', () => {
  const secret = testSecret();
  const kv = testKv();
  const transport = testTransport();
  const schema = uniqueName('presence_kill');
  let identity: IdentityHandle;
  let presence: ServiceProcess;
  let db: Pg;
  const gateways: ServiceProcess[] = [];
  const clients: Client[] = [];

  beforeAll(async () => {
    identity = await identityFor('identity_kill', { secret, kv, transport });
    presence = await presenceProcess('presence', {
      secret,
      databaseUrl: testEnv.databaseUrl!,
      schema,
      env: { REDIS_URL: testEnv.redisUrl!, PARTY_MAX_MEMBERS: String(MEMBERS + 1), ...(testEnv.amqpUrl ? { AMQP_URL: testEnv.amqpUrl } : {}) },
    });
    await presence.start();
    db = new Pg({ connectionString: testEnv.databaseUrl });
    await db.connect();
  }, 120_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.dispose()));
    for (const g of gateways) await g.stop();
    await presence?.stop();
    await db?.query(`drop schema if exists "${schema}" cascade`);
    await deleteBusQueues(transport, busNamespaceOf(schema));
    await db?.end();
    await identity?.stop();
    await transport.close();
    await kv.close();
  });

  async function gateway(name: string): Promise<ServiceProcess> {
    const g = await gatewayProcess(name, {
      secret,
      identityUrl: identity.url,
      subgraphs: { identity: identity.url, presence: presence.url },
      // 1,000 members subscribe from one address within seconds; this is not about rate limits.
      env: { REDIS_URL: testEnv.redisUrl!, RATE_LIMIT_PER_MINUTE: '100000' },
    });
    gateways.push(g);
    return g.start();
  }

  /** A party of the host and `count` members, who go into presence's table in bulk; each member gets an access token. */
  async function bigParty(via: ServiceProcess, hostName: string, count = MEMBERS): Promise<{ id: string; host: Fan; members: Array<{ userId: string; token: string }> }> {
    const host = await signUpFan(via.url, hostName);
    const created = await gql(via.url, `mutation($e: ID!) { createParty(eventId: $e) { id } }`, { e: randomUUID() }, host.token);
    const id: string = created.data!.createParty.id;
    const members = await Promise.all(
      Array.from({ length: count }, async () => {
        const userId = randomUUID();
        return { userId, token: (await identity.tokens.issueAccessToken({ id: userId, roles: ['FAN'] })).token };
      }),
    );
    await db.query(
      `insert into "${schema}".party_member (id, party_id, user_id, role, status, muted, joined_at)
       select gen_random_uuid(), $1, unnest($2::uuid[]), 'MEMBER', 'ACTIVE', false, now()`,
      [id, members.map((m) => m.userId)],
    );
    return { id, host, members };
  }

  /** Members whose current session at presence was opened at or after `since` (their stream re-opened). */
  async function sessionsSince(partyId: string, since: Date): Promise<number> {
    const r = await db.query<{ n: string }>(
      `select count(distinct user_id) as n from "${schema}".presence_session where party_id = $1 and opened_at >= $2`,
      [partyId, since],
    );
    return Number(r.rows[0].n);
  }

  /** The host's playback change, tried again while it is refused as unavailable (the fault under way). */
  async function changePlayback(via: string, host: Fan, partyId: string, from: number, positionMs: number): Promise<{ version: number; refused: number }> {
    let refused = 0;
    const deadline = Date.now() + 60_000;
    for (;;) {
      const r = await gql(via, SEEK, { p: partyId, c: { action: 'SEEK', positionMs }, v: from }, host.token);
      if (r.data?.controlPlayback) return { version: r.data.controlPlayback.version as number, refused };
      // Only "unavailable, try again" is expected while presence is away; anything else is a fault.
      if (r.errors?.[0]?.extensions?.code !== 'SERVICE_UNAVAILABLE' || Date.now() > deadline) throw new Error(`controlPlayback: ${JSON.stringify(r.errors)}`);
      refused++;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  const allHeard = (followers: Follower[], version: number) => eventually(() => followers.every((f) => f.versions.has(version)), RECOVERY_BOUND_MS, 50);
  const lastArrival = (followers: Follower[], version: number) => Math.max(...followers.map((f) => f.versions.get(version)!));

  function report(lines: string[]): void {
    console.log(lines.join('\n'));
  }

  it(`presence killed: every one of ${MEMBERS} subscribers hears the first playback change after it is back, and none is dropped`, async () => {
    const g = await gateway('gateway');
    const party = await bigParty(g, 'Host Presence Kill');
    const followers: Follower[] = [];
    const t0 = performance.now();
    await inBatches(party.members, 100, async (m) => {
      const client = connect(g.url.replace(/^http/, 'ws'), { authorization: `Bearer ${m.token}` });
      clients.push(client);
      const f = new Follower(m.userId, m.token, client);
      followers.push(f);
      f.follow(party.id);
      await new Promise<void>((resolve) => client.on('connected', () => resolve()));
    });
    await eventually(async () => (await g.metric('gateway_subscriptions')) === MEMBERS && (await g.metric('gateway_subscriptions_awaiting_admission')) === 0, 60_000, 200);
    const admitted = performance.now() - t0;
    expect(await sessionsSince(party.id, new Date(0))).toBe(MEMBERS);

    await presence.stop('SIGKILL');
    const killedAt = performance.now();
    const killedAtDate = new Date();
    const restarted = presence.start();
    // The host keeps trying while presence is away; the first change that is applied is the one to hear.
    const change = changePlayback(g.url, party.host, party.id, 1, 42_000);
    await restarted;
    const backAt = performance.now();
    const { version, refused } = await change;
    const appliedAt = performance.now();
    expect(version).toBe(2);
    await allHeard(followers, 2);
    const heard = lastArrival(followers, 2) - backAt;

    // Each member's admission re-opens (a session opened since the kill is the new process's: online again).
    await eventually(async () => (await sessionsSince(party.id, killedAtDate)) === MEMBERS, 30_000, 200);
    const readmitted = performance.now() - backAt;
    expect(followers.filter((f) => f.errors.length || f.completed)).toEqual([]);
    expect(await g.metric('gateway_subscriptions')).toBe(MEMBERS);
    const state = await gql(g.url, STATE, { p: party.id }, party.host.token);
    expect(state.errors).toBeUndefined();
    expect(state.data!.party.playback.version).toBe(2);
    const online = new Map<string, boolean>(state.data!.party.members.map((m: Loose) => [m.user.id, m.online]));
    expect(party.members.filter((m) => online.get(m.userId) !== true)).toEqual([]);

    report([
      `presence killed under ${MEMBERS} subscribers (one gateway):`,
      `  all admitted in ${seconds(admitted)}; presence down ${seconds(backAt - killedAt)} (killed to healthy again)`,
      `  host's change refused ${refused} times while presence was away, applied as version ${version} ${seconds(appliedAt - backAt)} after presence was back`,
      `  last of ${MEMBERS} subscribers heard it ${seconds(heard)} after presence was back (bound ${seconds(RECOVERY_BOUND_MS)})`,
      `  every admission re-opened (session at the new process) ${seconds(readmitted)} after presence was back`,
      `  subscriptions ended or in error: ${followers.filter((f) => f.errors.length || f.completed).length}; members online: ${party.members.filter((m) => online.get(m.userId)).length}`,
    ]);

    for (const f of followers) f.stop?.();
    await Promise.all(followers.map((f) => f.client.dispose()));
    await g.stop();
  }, 150_000);

  it(`gateway killed: ${GATEWAY_MEMBERS} SDK sockets reconnect through the other gateway, read what they missed and hear the next change`, async () => {
    const [a, b] = [await gateway('gateway-a'), await gateway('gateway-b')];
    const proxy = roundRobinProxy([a.port, b.port]);
    const proxyPort = await proxy.start();
    const viaProxy = `http://127.0.0.1:${proxyPort}/graphql`;
    try {
      const party = await bigParty(b, 'Host Gateway Kill', GATEWAY_MEMBERS);
      const followers: Follower[] = [];
      /** The version each member read from the party after its socket reconnected. */
      const readAfterReconnect = new Map<string, number>();
      const readFailures: string[] = [];
      let lastReadAt = 0;
      const t0 = performance.now();
      await inBatches(party.members, 100, async (m) => {
        const session = new SessionManager({ url: viaProxy });
        session.set({ accessToken: m.token });
        const client = createFrontRowSocket({ url: viaProxy.replace(/^http/, 'ws'), session, webSocketImpl: WebSocket });
        clients.push(client);
        const f = new Follower(m.userId, m.token, client);
        followers.push(f);
        // What the web party page does after a reconnect (onReconnected): read the party, for what the socket missed.
        onReconnected(client, () => {
          gql(viaProxy, STATE, { p: party.id }, m.token).then(
            (r) => {
              if (r.data?.party) {
                readAfterReconnect.set(m.userId, r.data.party.playback.version);
                lastReadAt = performance.now();
              }
              else readFailures.push(JSON.stringify(r.errors));
            },
            (e: unknown) => readFailures.push(String(e)),
          );
        });
        f.follow(party.id);
        await new Promise<void>((resolve) => client.on('connected', () => resolve()));
      });
      await eventually(async () => {
        const [sa, sb, wa, wb] = await Promise.all([a.metric('gateway_subscriptions'), b.metric('gateway_subscriptions'), a.metric('gateway_subscriptions_awaiting_admission'), b.metric('gateway_subscriptions_awaiting_admission')]);
        return sa + sb === GATEWAY_MEMBERS && wa + wb === 0;
      }, 60_000, 200);
      const admitted = performance.now() - t0;
      const onA = await a.metric('gateway_subscriptions');
      expect(onA).toBeGreaterThan(0);

      await a.stop('SIGKILL');
      const killedAt = performance.now();
      // A change while A's clients are away: they cannot hear it, and must find it in the state they read.
      const missed = await changePlayback(b.url, party.host, party.id, 1, 10_000);
      // The bound counts from here: the change is applied, and the clients must catch up.
      const missedAt = performance.now();
      expect(missed.version).toBe(2);
      await eventually(async () => (await b.metric('gateway_subscriptions')) === GATEWAY_MEMBERS && (await b.metric('gateway_subscriptions_awaiting_admission')) === 0, RECOVERY_BOUND_MS, 100).catch(async (e: Error) => {
        const ended = followers.filter((f) => f.errors.length || f.completed);
        throw new Error(
          `${e.message}: on the other gateway ${await b.metric('gateway_subscriptions')} subscribed, ${await b.metric('gateway_subscriptions_awaiting_admission')} awaiting admission; ` +
            `${followers.filter((f) => f.connections >= 2).length} reconnected; ${ended.length} ended, the first: ${JSON.stringify(ended[0]?.errors)}`,
        );
      });
      const resubscribed = performance.now() - killedAt;
      const caughtUp = performance.now() - missedAt;
      const reconnected = followers.filter((f) => f.connections >= 2);
      expect(reconnected).toHaveLength(onA);
      await eventually(() => readAfterReconnect.size === onA, 10_000, 50).catch((e: Error) => {
        throw new Error(`${e.message}: ${readAfterReconnect.size} read, ${readFailures.length} failed, the first: ${readFailures[0]}`);
      });
      expect([...readAfterReconnect.values()].filter((v) => v < 2)).toEqual([]);

      const next = await changePlayback(viaProxy, party.host, party.id, 2, 20_000);
      const sentAt = performance.now();
      expect(next.version).toBe(3);
      await allHeard(followers, 3);
      const heard = lastArrival(followers, 3) - sentAt;
      expect(followers.filter((f) => f.errors.length || f.completed)).toEqual([]);
      expect(await sessionsSince(party.id, new Date(0))).toBe(GATEWAY_MEMBERS);

      report([
        `gateway killed under ${GATEWAY_MEMBERS} subscribers (two gateways behind a round-robin proxy, the SDK's socket):`,
        `  all admitted in ${seconds(admitted)}, ${onA} of them through the gateway that was killed`,
        `  all ${GATEWAY_MEMBERS} subscribed again through the other ${seconds(resubscribed)} after the kill, ${seconds(caughtUp)} after the change made meanwhile was applied (bound ${seconds(RECOVERY_BOUND_MS)} from then)`,
        `  the change made while they were away (version 2) heard live by ${followers.filter((f) => f.versions.has(2)).length}; read from the party after reconnecting by ${[...readAfterReconnect.values()].filter((v) => v >= 2).length} of ${onA}, the last ${seconds(lastReadAt - killedAt)} after the kill`,
        `  the next change (version 3): last of ${GATEWAY_MEMBERS} heard it ${seconds(heard)} after it was applied`,
        `  subscriptions ended or in error: ${followers.filter((f) => f.errors.length || f.completed).length}`,
      ]);
      for (const f of followers) f.stop?.();
      await Promise.all(followers.map((f) => f.client.dispose()));
    } finally {
      await proxy.close();
    }
  }, 150_000);
});
