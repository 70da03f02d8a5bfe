import type { Knex } from '@mikro-orm/postgresql';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '@frontrow/kit';
import { Harness } from './helpers';

/**
 * When the database cannot give a connection in time, or cannot be reached, a client
 * gets SERVICE_UNAVAILABLE with a message that says to retry and `retryAfterSeconds`:
 * never a bare internal error, never a wait of a minute.
 */
const VENUES = `{ venues { id name } }`;
const ACQUIRE_TIMEOUT_MS = 300;

describe('a pool with no free connection', () => {
  const h = new Harness();
  let held: Knex.Transaction | undefined;

  beforeAll(async () => {
    await h.start({ poolSize: 1, acquireTimeoutMs: ACQUIRE_TIMEOUT_MS });
  });

  afterAll(async () => {
    await held?.rollback().catch(() => undefined);
    await h.stop();
  });

  it('answers SERVICE_UNAVAILABLE after the acquire timeout, and serves again once a connection is free', async () => {
    expect((await h.call(VENUES)).errors).toBeUndefined();
    // The pool's one connection, held in a transaction as a long request would.
    const knex = h.handle.em.getConnection().getKnex();
    held = await knex.transaction();
    await held.raw('select 1');

    const began = Date.now();
    const r = await h.call(VENUES);
    const waited = Date.now() - began;
    expect(r.errors).toHaveLength(1);
    expect(r.errors?.[0].extensions?.code).toBe('SERVICE_UNAVAILABLE');
    expect(r.errors?.[0].extensions?.retryAfterSeconds).toEqual(expect.any(Number));
    expect(r.errors?.[0].message).toMatch(/retry/i);
    expect(r.errors?.[0].message).not.toMatch(/knex|pool|timeout acquiring/i);
    expect(waited).toBeGreaterThanOrEqual(ACQUIRE_TIMEOUT_MS - 50);
    expect(waited).toBeLessThan(10_000);

    await held.rollback();
    held = undefined;
    const again = await h.call(VENUES);
    expect(again.errors).toBeUndefined();
    expect(Array.isArray((again.data as { venues?: unknown })?.venues)).toBe(true);
  });
});

describe('a database that went away', () => {
  const h = new Harness();
  let database: EmbeddedPostgres;

  beforeAll(async () => {
    // A PostgreSQL of this test's own, so that it can be stopped under the service.
    database = await startEmbeddedPostgres();
    await h.start({ databaseUrl: database.url, dropSchemaOnStop: false, acquireTimeoutMs: 1000 });
  });

  afterAll(async () => {
    await h.stop();
    // Unset when its start failed: that failure is the one to report.
    if (database) await database.stop();
  });

  it('answers SERVICE_UNAVAILABLE while it is down', async () => {
    expect((await h.call(VENUES)).errors).toBeUndefined();
    await database.stop();
    const began = Date.now();
    const r = await h.call(VENUES);
    expect(r.errors?.[0].extensions?.code).toBe('SERVICE_UNAVAILABLE');
    expect(r.errors?.[0].extensions?.retryAfterSeconds).toEqual(expect.any(Number));
    expect(r.errors?.[0].message).toMatch(/retry/i);
    expect(Date.now() - began).toBeLessThan(10_000);
  });
});
