import { randomUUID } from 'node:crypto';
import type { BusMessage } from '@frontrow/kit';
import { eventually, uniqueName } from '@frontrow/kit/testing';
import { Harness, apiKey, code, ok, user } from './helpers';

type Page = {
  auditLog: {
    edges: Array<{ cursor: string; node: { id: string; action: string; subgraph: string; targetType: string; targetId: string | null; at: string; details: unknown; actor: { id: string } | null } }>;
    pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; endCursor: string | null };
  };
};

const LOG = `query($f: AuditFilter, $first: Int, $after: String) { auditLog(filter: $f, first: $first, after: $after) {
  edges { cursor node { id action subgraph targetType targetId at details actor { id } } }
  pageInfo { hasNextPage hasPreviousPage endCursor } } }`;

function audit(subgraph: string, action: string, actorId: string | null, at: Date, extra: Record<string, unknown> = {}): BusMessage {
  return {
    id: randomUUID(),
    type: `${subgraph}.audit.recorded`,
    occurredAt: at.toISOString(),
    version: 1,
    payload: { actorId, actorRoles: ['ADMIN'], action, targetType: 'Thing', targetId: randomUUID(), details: { reason: 'test' }, ...extra },
  };
}

describe('the audit log', () => {
  const h = new Harness();
  const prefix = uniqueName('tq');
  const admin = user(['FAN', 'ADMIN']);
  beforeAll(() => h.start({ busNamespace: `${prefix}_` }));
  afterAll(async () => {
    await h.stop();
  });

  const count = async (id: string) => Number((await h.sql<{ n: string }>(`select count(*) as n from audit_entry where id = ?`, [id]))[0].n);

  it('keeps every subgraph’s audit event, with its actor, newest first', async () => {
    const actor = randomUUID();
    const t = Date.now() - 10_000;
    const messages = [
      audit('events', 'events.venue.created', actor, new Date(t)),
      audit('commerce', 'commerce.order.refunded', actor, new Date(t + 1000)),
      audit('identity', 'identity.role.granted', null, new Date(t + 2000)),
    ];
    for (const m of messages) await h.transport.publish(m);
    await eventually(async () => (await Promise.all(messages.map((m) => count(m.id)))).every((n) => n === 1));
    const page = ok(await h.call<Page>(LOG, { f: { from: new Date(t - 1).toISOString() }, first: 10 }, admin));
    const mine = page.auditLog.edges.map((e) => e.node).filter((n) => messages.some((m) => m.id === n.id));
    expect(mine.map((n) => [n.action, n.subgraph, n.actor?.id ?? null])).toEqual([
      ['identity.role.granted', 'identity', null],
      ['commerce.order.refunded', 'commerce', actor],
      ['events.venue.created', 'events', actor],
    ]);
    expect(mine[2]).toMatchObject({ targetType: 'Thing', details: { reason: 'test' }, at: new Date(t).toISOString() });
  });

  it('makes one entry of a redelivered message', async () => {
    const m = audit('presence', 'presence.member.kicked', randomUUID(), new Date());
    await h.transport.publish(m);
    await h.transport.publish(m);
    await eventually(async () => (await count(m.id)) === 1);
    // The second delivery is handled (its inbox row exists) and changed nothing.
    await eventually(async () => {
      const handled = await h.sql<{ n: string }>(`select count(*) as n from handled_message where message_id = ?`, [m.id]);
      return Number(handled[0].n) === 1;
    });
    if ('idle' in h.transport) await (h.transport as { idle(): Promise<void> }).idle();
    expect(await count(m.id)).toBe(1);
  });

  it('filters by actor, action, subgraph and time, and pages with cursors of its own', async () => {
    const actor = randomUUID();
    const t = Date.now() - 60_000;
    const messages = Array.from({ length: 5 }, (_, i) => audit('media', i % 2 ? 'media.ingest.started' : 'media.ingest.stopped', actor, new Date(t + i * 1000)));
    for (const m of messages) await h.transport.publish(m);
    await eventually(async () => (await Promise.all(messages.map((m) => count(m.id)))).every((n) => n === 1));
    const first = ok(await h.call<Page>(LOG, { f: { actorId: actor }, first: 2 }, admin)).auditLog;
    expect(first.edges.map((e) => e.node.id)).toEqual([messages[4].id, messages[3].id]);
    expect(first.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const second = ok(await h.call<Page>(LOG, { f: { actorId: actor }, first: 2, after: first.pageInfo.endCursor }, admin)).auditLog;
    expect(second.edges.map((e) => e.node.id)).toEqual([messages[2].id, messages[1].id]);
    expect(second.pageInfo.hasPreviousPage).toBe(true);
    const started = ok(await h.call<Page>(LOG, { f: { actorId: actor, action: 'media.ingest.started' } }, admin)).auditLog;
    expect(started.edges.map((e) => e.node.id)).toEqual([messages[3].id, messages[1].id]);
    const window = ok(await h.call<Page>(LOG, { f: { actorId: actor, subgraph: 'media', from: new Date(t + 1000).toISOString(), to: new Date(t + 3000).toISOString() } }, admin)).auditLog;
    expect(window.edges.map((e) => e.node.id)).toEqual([messages[2].id, messages[1].id]);
    // A malformed actor id matches nothing, as an unknown one; a foreign cursor is refused.
    expect(ok(await h.call<Page>(LOG, { f: { actorId: 'nope' } }, admin)).auditLog.edges).toEqual([]);
    const foreign = Buffer.from(JSON.stringify(['ev1', Date.now(), randomUUID()])).toString('base64url');
    const refused = await h.call(LOG, { after: foreign }, admin);
    expect(code(refused)).toBe('BAD_USER_INPUT');
    expect(code(await h.call(LOG, { first: 101 }, admin))).toBe('BAD_USER_INPUT');
  });

  it('is for admins only: fans, moderators and API keys are refused, anonymous callers unauthenticated', async () => {
    expect(code(await h.call(LOG, {}, user(['FAN'])))).toBe('FORBIDDEN');
    expect(code(await h.call(LOG, {}, user(['MODERATOR'])))).toBe('FORBIDDEN');
    expect(code(await h.call(LOG, {}, apiKey(['reports:read', 'telemetry:write'], ['ADMIN'])))).toBe('FORBIDDEN');
    expect(code(await h.call(LOG, {}, null))).toBe('UNAUTHENTICATED');
  });

  it('is never updated or deleted: no operation does it, and the table refuses it', async () => {
    const sdl = ok(await h.call<{ _service: { sdl: string } }>(`{ _service { sdl } }`, {}, null))._service.sdl;
    const mutations = /type Mutation \{([^}]*)\}/.exec(sdl)?.[1] ?? '';
    expect(mutations).not.toMatch(/audit/i);
    const m = audit('events', 'events.event.updated', randomUUID(), new Date());
    await h.transport.publish(m);
    await eventually(async () => (await count(m.id)) === 1);
    await expect(h.sql(`update audit_entry set action = 'forged' where id = ?`, [m.id])).rejects.toThrow(/never updated or deleted/);
    await expect(h.sql(`delete from audit_entry where id = ?`, [m.id])).rejects.toThrow(/never updated or deleted/);
    expect(await count(m.id)).toBe(1);
  });

  it('dead-letters a message that cannot be an entry, and goes on with the next', async () => {
    const bad = audit('events', 'x', randomUUID(), new Date(), { action: undefined });
    const good = audit('events', 'events.feed.added', randomUUID(), new Date());
    await h.transport.publish(bad);
    await h.transport.publish(good);
    await eventually(async () => (await count(good.id)) === 1);
    expect(await count(bad.id)).toBe(0);
  });
});
