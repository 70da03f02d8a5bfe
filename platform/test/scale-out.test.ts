import { need, needs, testEnv, testKv, testSecret, testTransport, uniqueName } from '@frontrow/kit/testing';
import type { IdentityHandle } from '@frontrow/identity/src/server';
import { randomUUID } from 'node:crypto';
import type { Client } from 'graphql-ws';
import { Events, PARTY_EVENTS, connect, gql, signUpFan, type Fan } from './party-harness';
import { ServiceProcess, busNamespaceOf, deleteBusQueues, gatewayProcess, identityFor, presenceProcess } from './processes';

/**
 * Two gateway processes and two presence processes against one Redis and one
 * PostgreSQL: a fan subscribed through one gateway hears what a member did through
 * the other; and a presence process that crashes and comes back is reconnected to
 * without the fan doing anything. Separate processes share nothing in memory, so this
 * needs a real Redis (REDIS_URL); the database is the real server or the embedded
 * PostgreSQL of the Jest run, which other processes reach as well.
 */
needs(need.env('REDIS_URL')).describe('scaled out', () => {
  const secret = testSecret();
  const kv = testKv();
  const transport = testTransport();
  const schema = uniqueName('presence_scale');
  let identity: IdentityHandle;
  const presence: ServiceProcess[] = [];
  const gateways: ServiceProcess[] = [];
  const clients: Client[] = [];

  beforeAll(async () => {
    identity = await identityFor('identity_scale', { secret, kv, transport });
    const redisAndBus = { REDIS_URL: testEnv.redisUrl!, ...(testEnv.amqpUrl ? { AMQP_URL: testEnv.amqpUrl } : {}) };
    for (const name of ['presence-a', 'presence-b']) {
      presence.push(await presenceProcess(name, { secret, databaseUrl: testEnv.databaseUrl!, schema, env: redisAndBus }));
    }
    // One after the other: the first one runs the migrations.
    for (const p of presence) await p.start();
    for (const [i, name] of ['gateway-a', 'gateway-b'].entries()) {
      const g = await gatewayProcess(name, {
        secret,
        identityUrl: identity.url,
        subgraphs: { identity: identity.url, presence: presence[i].url },
        env: { REDIS_URL: testEnv.redisUrl! },
      });
      gateways.push(await g.start());
    }
  }, 180_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.dispose()));
    for (const p of [...gateways, ...presence]) await p.stop();
    // The processes leave presence's schema behind: drop it.
    await identity?.em.getConnection().execute(`drop schema if exists "${schema}" cascade`);
    await deleteBusQueues(transport, busNamespaceOf(schema));
    await identity?.stop();
    await transport.close();
    await kv.close();
  });

  const fan = (name: string, via: ServiceProcess) => signUpFan(via.url, name);

  async function party(via: ServiceProcess, host: Fan, ...members: Fan[]): Promise<string> {
    const r = await gql(via.url, `mutation($e: ID!) { createParty(eventId: $e) { id inviteCode } }`, { e: randomUUID() }, host.token);
    for (const m of members) await gql(via.url, `mutation($c: String!) { joinParty(inviteCode: $c) { id } }`, { c: r.data!.createParty.inviteCode }, m.token);
    return r.data!.createParty.id;
  }

  function follow(via: ServiceProcess, who: Fan, partyId: string): Events {
    const client = connect(via.url.replace(/^http/, 'ws'), { authorization: `Bearer ${who.token}` });
    clients.push(client);
    return new Events(client, PARTY_EVENTS, { p: partyId });
  }

  const seek = (via: ServiceProcess, who: Fan, partyId: string, positionMs: number, v: number) =>
    gql(via.url, `mutation($p: ID!, $c: PlaybackCommand!, $v: Int!) { controlPlayback(partyId: $p, command: $c, expectedVersion: $v) { version } }`, { p: partyId, c: { action: 'SEEK', positionMs }, v }, who.token);

  it('delivers to a subscriber on one gateway what a member did through the other', async () => {
    const [ana, ben] = [await fan('Ana Scale', gateways[1]), await fan('Ben Scale', gateways[0])];
    const id = await party(gateways[1], ana, ben);
    const benSees = follow(gateways[0], ben, id);
    await benSees.next((e) => e.__typename === 'MemberUpdated' && e.member.user.id === ben.id && e.member.online);
    expect((await seek(gateways[1], ana, id, 42_000, 1)).data).toEqual({ controlPlayback: { version: 2 } });
    const seen = await benSees.next((e) => e.__typename === 'PlaybackChanged' && e.state.version === 2);
    expect(seen).toMatchObject({ state: { positionMs: 42_000 }, by: { id: ana.id, displayName: 'Ana Scale' } });
  });

  it('re-opens the upstream stream when the presence process behind a gateway crashes and returns', async () => {
    const [ana, ben] = [await fan('Ana Crash', gateways[1]), await fan('Ben Crash', gateways[0])];
    const id = await party(gateways[1], ana, ben);
    const benSees = follow(gateways[0], ben, id);
    await benSees.next((e) => e.__typename === 'MemberUpdated' && e.member.user.id === ben.id && e.member.online);
    await presence[0].stop('SIGKILL');
    await presence[0].start();
    // The fan keeps the same subscription; what happens after the gateway has re-opened it reaches them.
    let version = 1;
    let seen: unknown;
    for (let attempt = 0; attempt < 40 && !seen; attempt++) {
      const r = await seek(gateways[1], ana, id, 1000 * version, version);
      version = r.data!.controlPlayback.version;
      seen = await benSees.next((e) => e.__typename === 'PlaybackChanged' && e.state.version === version, 500).catch(() => undefined);
    }
    expect(seen).toMatchObject({ by: { displayName: 'Ana Crash' } });
    expect(benSees.completed).toBe(false);
  });
});
