import type { EntityManager } from '@mikro-orm/postgresql';
import type { PoolClient } from 'pg';

/**
 * A connection of the subgraph's own pool as the pg driver's client (COPY needs the
 * driver; MikroORM's pool hands it out through knex), its search_path already set to
 * the subgraph's schema. Returned to the pool afterwards, or destroyed when the work
 * failed in a way that may have left it mid-protocol.
 */
export async function withClient<T>(em: EntityManager, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const knex = em.getConnection().getKnex();
  const client = (await knex.client.acquireConnection()) as PoolClient;
  let broken = false;
  try {
    return await work(client);
  } catch (e) {
    broken = true;
    throw e;
  } finally {
    if (broken) {
      // A failed COPY or transaction: roll back what may be open, then hand it back.
      try {
        await client.query('rollback');
      } catch {
        /* the connection is gone: the pool discards it */
      }
    }
    await knex.client.releaseConnection(client);
  }
}

/** Runs `work` in a transaction on one client; rolls back on failure. */
export async function transaction<T>(client: PoolClient, work: () => Promise<T>): Promise<T> {
  await client.query('begin');
  const result = await work();
  await client.query('commit');
  return result;
}
