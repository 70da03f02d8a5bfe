import { randomUUID } from 'node:crypto';
import { PRINCIPAL_HEADER, signCaller, type BusMessage, type Principal } from '@frontrow/kit';
import { eventually, uniqueName } from '@frontrow/kit/testing';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { Harness, code, ok, user } from './helpers';

const CREATE = `mutation($m: String!, $t: Float!, $w: String!) { createAlertRule(metric: $m, threshold: $t, window: $w) { id metric threshold window active } }`;
const ALERTS = `subscription { alerts { id eventId value firedAt rule { id metric threshold window } } }`;

interface AlertEvent {
  id: string;
  eventId: string;
  value: number;
  rule: { id: string; metric: string };
}

function connect(h: Harness, who: Principal | null): Client {
  return createClient({
    url: h.handle.wsUrl,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: true,
    connectionParams: async () => ({ [PRINCIPAL_HEADER]: await signCaller({ principal: who }, h.secret) }),
  });
}

function follow(client: Client): { events: AlertEvent[]; errors: unknown[]; stop(): void } {
  const out = { events: [] as AlertEvent[], errors: [] as unknown[], stop: () => undefined as void };
  out.stop = client.subscribe<{ alerts: AlertEvent }>(
    { query: ALERTS },
    {
      next: (v) => {
        if (v.errors?.length) out.errors.push(...v.errors);
        if (v.data?.alerts) out.events.push(v.data.alerts);
      },
      error: (e) => out.errors.push(e),
      complete: () => undefined,
    },
  );
  return out;
}

describe('alerts', () => {
  const h = new Harness();
  const admin = user(['ADMIN']);
  const prefix = uniqueName('ta');
  const bus: BusMessage[] = [];
  // Rollups and evaluation run when the test says so.
  beforeAll(async () => {
    await h.start({ busNamespace: `${prefix}_`, settings: { rollupIntervalMs: 3_600_000, rollupSettleMs: 0, alertIntervalMs: 3_600_000 } });
    await h.transport.consume({ queue: `${prefix}.alert-listener`, bindings: ['telemetry.alert.fired'] }, async (m) => {
      bus.push(m);
    });
  });
  afterAll(async () => {
    await h.transport.deleteQueue(`${prefix}.alert-listener`).catch(() => undefined);
    await h.stop();
  });

  it('lets only admins create rules, and checks metric, threshold and window', async () => {
    expect(code(await h.call(CREATE, { m: 'rebufferRatio', t: 0.1, w: '5m' }, user(['FAN'])))).toBe('FORBIDDEN');
    expect(code(await h.call(CREATE, { m: 'rebufferRatio', t: 0.1, w: '5m' }, null))).toBe('UNAUTHENTICATED');
    expect((await h.call(CREATE, { m: 'mood', t: 0.1, w: '5m' }, admin)).errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'metric' });
    expect((await h.call(CREATE, { m: 'errors', t: -1, w: '5m' }, admin)).errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'threshold' });
    expect((await h.call(CREATE, { m: 'errors', t: 1, w: '7m' }, admin)).errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'window' });
  });

  it('lets only admins change a rule: threshold, window, active; checked as on creation, audited', async () => {
    const UPDATE = `mutation($id: ID!, $t: Float, $w: String, $a: Boolean) { updateAlertRule(id: $id, threshold: $t, window: $w, active: $a) { id metric threshold window active } }`;
    const rule = ok(await h.call<{ createAlertRule: { id: string } }>(CREATE, { m: 'errors', t: 5, w: '5m' }, admin)).createAlertRule;
    expect(code(await h.call(UPDATE, { id: rule.id, a: false }, user(['FAN'])))).toBe('FORBIDDEN');
    expect(code(await h.call(UPDATE, { id: rule.id, a: false }, user(['MODERATOR'])))).toBe('FORBIDDEN');
    expect(code(await h.call(UPDATE, { id: rule.id, a: false }, null))).toBe('UNAUTHENTICATED');
    expect((await h.call(UPDATE, { id: rule.id, t: -2 }, admin)).errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'threshold' });
    expect((await h.call(UPDATE, { id: rule.id, w: '2d' }, admin)).errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'window' });
    expect(code(await h.call(UPDATE, { id: randomUUID(), a: false }, admin))).toBe('NOT_FOUND');
    expect(code(await h.call(UPDATE, { id: 'nope', a: false }, admin))).toBe('NOT_FOUND');
    const changed = ok(await h.call<{ updateAlertRule: unknown }>(UPDATE, { id: rule.id, t: 8, w: '1h', a: false }, admin)).updateAlertRule;
    expect(changed).toEqual({ id: rule.id, metric: 'errors', threshold: 8, window: '1h', active: false });
    const listed = ok(await h.call<{ alertRules: Array<{ id: string; threshold: number; active: boolean }> }>(`{ alertRules { id threshold active } }`, {}, admin));
    expect(listed.alertRules.find((r) => r.id === rule.id)).toEqual({ id: rule.id, threshold: 8, active: false });
    const audit = await eventually(async () => {
      const rows = await h.sql<{ action: string; details: unknown }>(`select action, details from audit_entry where target_id = ? order by at`, [rule.id]);
      return rows.length === 2 ? rows : undefined;
    });
    expect(audit.map((r) => r.action)).toEqual(['telemetry.alert_rule.created', 'telemetry.alert_rule.updated']);
    expect(audit[1].details).toMatchObject({ changed: ['threshold', 'window', 'active'], threshold: 8, window: '1h', active: false });
    // Switched off, so it takes no part in the test below.
  });

  it('refuses the alerts subscription to anyone but admins', async () => {
    const fan = connect(h, user(['FAN']));
    const s = follow(fan);
    await eventually(() => s.errors.length > 0);
    expect(JSON.stringify(s.errors)).toMatch(/FORBIDDEN/);
    await fan.dispose();
  });

  it('fires once when the rebuffer ratio crosses, and again only after it recovered and crossed again', async () => {
    const rule = ok(await h.call<{ createAlertRule: { id: string; active: boolean } }>(CREATE, { m: 'rebufferRatio', t: 0.1, w: '5m' }, admin)).createAlertRule;
    expect(rule.active).toBe(true);
    const client = connect(h, admin);
    const stream = follow(client);
    await eventually(() => h.handle.alertHub.subscribers === 1);

    const eventId = randomUUID();
    const fan = user();
    // One clock for the whole case: an evaluation in the next minute would find m1 too old
    // to count the event as live.
    const now = Date.now();
    const m1 = Math.floor(now / 60_000) * 60_000 - 2 * 60_000;
    const m2 = m1 + 60_000;
    const send = async (events: Record<string, unknown>[]) => {
      expect(ok(await h.record(events, fan)).recordTelemetry.rejected).toBe(0);
      await h.handle.rollups.runOnce();
    };
    const viewers = (minute: number, n: number, tag: string) =>
      Array.from({ length: n }, (_, i) => ({ kind: 'HEARTBEAT', eventId, sessionId: `${tag}-${i}-${eventId}`, at: new Date(minute + 1000).toISOString() }));
    const stall = (minute: number, ms: number) => ({ kind: 'REBUFFER', eventId, sessionId: `v1-0-${eventId}`, value: ms, at: new Date(minute + 2000).toISOString() });

    // 10 viewers for a minute, 120 s stalled: a ratio of 0.2, above 0.1.
    await send([...viewers(m1, 10, 'v1'), stall(m1, 120_000)]);
    const first = await h.handle.alerts.runOnce(now);
    expect(first).toHaveLength(1);
    expect(first[0].value).toBeCloseTo(0.2, 9);
    // Still above: nothing more.
    expect(await h.handle.alerts.runOnce(now)).toHaveLength(0);
    // 30 more viewers without a stall: 120 s over 40 viewer-minutes is 0.05, recovered.
    await send(viewers(m2, 30, 'v2'));
    expect(await h.handle.alerts.runOnce(now)).toHaveLength(0);
    // 200 s more stalled: 320 / 2400 = 0.133, a second crossing.
    await send([stall(m2, 200_000)]);
    const second = await h.handle.alerts.runOnce(now);
    expect(second).toHaveLength(1);
    expect(second[0].value).toBeCloseTo(320 / 2400, 9);
    expect(await h.handle.alerts.runOnce(now)).toHaveLength(0);

    await eventually(() => stream.events.length === 2);
    expect(stream.errors).toEqual([]);
    expect(stream.events.map((e) => [e.eventId, e.rule.id, e.rule.metric])).toEqual([
      [eventId, rule.id, 'rebufferRatio'],
      [eventId, rule.id, 'rebufferRatio'],
    ]);
    const stored = await h.sql<{ n: string }>(`select count(*) as n from alert where rule_id = ?`, [rule.id]);
    expect(Number(stored[0].n)).toBe(2);
    // On the bus too, from the outbox.
    await eventually(() => bus.filter((m) => (m.payload as { ruleId: string }).ruleId === rule.id).length === 2);
    expect(bus[0].payload).toMatchObject({ ruleId: rule.id, eventId, metric: 'rebufferRatio', threshold: 0.1, window: '5m' });
    stream.stop();
    await client.dispose();
  });
});
