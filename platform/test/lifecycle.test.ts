import { createHook } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { eventually } from '@frontrow/kit/testing';
import { Events, PARTY_EVENTS, connect, gql, signUpFan } from './party-harness';
import { startTestPlatform } from './test-platform';

/**
 * Nothing the platform starts outlives its stop(): no timer, interval, loop, socket,
 * server or consumer. The whole platform runs in this process, is used a little (a
 * sign-up, a party followed over graphql-ws so that presence's heartbeat and sweep
 * run), and stopped; then what Node still holds must be what it held before.
 *
 * Two views: process.getActiveResourcesInfo() (what keeps the event loop alive), and
 * the timers created meanwhile, followed with async_hooks, because an unref'd
 * interval keeps nothing alive yet goes on running (presence's loops did, against a
 * dropped schema).
 */
function tally(resources: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of resources) counts.set(r, (counts.get(r) ?? 0) + 1);
  return counts;
}

/** What is held now beyond what was held before, by type. */
function beyond(before: Map<string, number>): Record<string, number> {
  const extra: Record<string, number> = {};
  for (const [type, n] of tally(process.getActiveResourcesInfo())) {
    if (n > (before.get(type) ?? 0)) extra[type] = n - (before.get(type) ?? 0);
  }
  return extra;
}

it('leaves no timer, socket or server behind once stopped', async () => {
  const before = tally(process.getActiveResourcesInfo());
  const timers = new Map<number, string>();
  const hook = createHook({
    init(id, type) {
      if (type !== 'Timeout') return;
      const stack = new Error('timer created here').stack ?? '';
      // The polls of this test are its own, and Jest's reporter ticks in this process
      // when the suite runs in band.
      if (!stack.includes('at eventually (') && !/node_modules[\\/]@jest[\\/]/.test(stack)) timers.set(id, stack);
    },
    destroy(id) {
      timers.delete(id);
    },
  });
  hook.enable();
  let leftTimers: string[] = [];
  let leftResources: Record<string, number> = {};
  try {
    const world = await startTestPlatform('lifecycle', {
      presenceSettings: { graceMs: 200, heartbeatMs: 100 },
    });
    try {
      const { gateway } = world.platform;
      const ana = await signUpFan(gateway.url, 'Ana');
      const ben = await signUpFan(gateway.url, 'Ben');
      const r = await gql(gateway.url, `mutation($e: ID!) { createParty(eventId: $e) { id inviteCode } }`, { e: randomUUID() }, ana.token);
      const party = r.data?.createParty;
      if (!party) throw new Error(JSON.stringify(r.errors));
      await gql(gateway.url, `mutation($c: String!) { joinParty(inviteCode: $c) { id } }`, { c: party.inviteCode }, ben.token);
      const client = connect(gateway.wsUrl, { authorization: `Bearer ${ben.token}` });
      const events = new Events(client, PARTY_EVENTS, { p: party.id });
      await events.next((e) => e.__typename === 'MemberUpdated' && e.member.user.id === ben.id && e.member.online);
      // Presence's heartbeat has refreshed the session a few times (and its sweep run).
      const online = new Date(Date.now() + 300);
      const em = world.platform.services.presence.em.fork();
      await eventually(async () => {
        const rows = await em.getConnection().execute<Array<{ n: string }>>('select count(*) as n from presence_session where heartbeat_at > ?', [online]);
        return Number(rows[0].n) > 0;
      });
      // A reaction arms a timer that publishes the window's count a second later.
      const reacted = await gql(gateway.url, `mutation($p: ID!) { react(partyId: $p, emoji: "🎉") }`, { p: party.id }, ana.token);
      expect(reacted.errors).toBeUndefined();
      events.stop();
      await client.dispose();
    } finally {
      await world.stop();
    }
    // Sockets close and the last timers fire a moment after stop() resolves: wait for
    // that by polling, then report whatever is still there.
    await eventually(() => Object.keys(beyond(before)).length === 0 && timers.size === 0, 10_000).catch(() => undefined);
    leftResources = beyond(before);
    leftTimers = [...timers.values()];
  } finally {
    hook.disable();
  }
  expect(leftResources).toEqual({});
  expect(leftTimers).toEqual([]);
});
