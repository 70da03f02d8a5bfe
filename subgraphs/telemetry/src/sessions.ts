import { ForbiddenError } from '@frontrow/kit';
import type { EntityManager } from '@mikro-orm/postgresql';
import { withClient } from './pg';

/** Sessions whose owner this instance knows (an owner never changes), at most. */
const CACHE_MAX = 200_000;

/**
 * Who a player session belongs to: the first user who records for it. Anyone else who
 * records for it is refused, so a fan cannot write into another fan's QoS. Known
 * owners are remembered; a new session costs one insert, a known one nothing.
 */
export class SessionOwners {
  private readonly owners = new Map<string, string>();

  constructor(private readonly em: EntityManager) {}

  /** Claims the unknown sessions for the user; FORBIDDEN when one belongs to someone else. */
  async claim(userId: string, sessionIds: Iterable<string>): Promise<void> {
    const unknown: string[] = [];
    for (const id of new Set(sessionIds)) {
      const owner = this.owners.get(id);
      if (owner === undefined) unknown.push(id);
      else if (owner !== userId) throw refused();
    }
    if (!unknown.length) return;
    const found = await withClient(this.em, async (client) => {
      await client.query(
        `insert into telemetry_session (session_id, user_id) select s, $2::uuid from unnest($1::text[]) s on conflict do nothing`,
        [unknown, userId],
      );
      const res = await client.query<{ session_id: string; user_id: string }>(
        `select session_id, user_id from telemetry_session where session_id = any($1::text[])`,
        [unknown],
      );
      return res.rows;
    });
    if (this.owners.size + found.length > CACHE_MAX) this.owners.clear();
    for (const row of found) this.owners.set(row.session_id, row.user_id);
    if (found.some((row) => row.user_id !== userId)) throw refused();
  }
}

function refused(): ForbiddenError {
  return new ForbiddenError('A session belongs to the user who first recorded telemetry for it; record only for your own sessions.');
}
