import type { EntityManager, EntityName, FilterQuery } from '@mikro-orm/postgresql';
import DataLoader from 'dataloader';
import { NotFoundError } from './errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/**
 * The one rule for ids: every id FrontRow gives out is a UUID, and an id that cannot
 * be one is an id that does not exist. `parseId` gives the canonical (lower-case) id or
 * null: a lookup answers null, as for an unknown id, and `requireId` answers NOT_FOUND,
 * as for an unknown id; neither asks the database. (docs/decisions/0016-subgraph-shape.md)
 */
export function parseId(value: unknown): string | null {
  return isUuid(value) ? value.toLowerCase() : null;
}

/** The canonical id, or NOT_FOUND naming what was looked for. */
export function requireId(value: unknown, what: string): string {
  const id = parseId(value);
  if (!id) throw new NotFoundError(what);
  return id;
}

/** One query for every row of an entity asked for by id in one tick; null for an unknown id. */
export function loaderById<T extends { id: string }>(em: EntityManager, entity: EntityName<T>): DataLoader<string, T | null> {
  return new DataLoader(async (ids) => {
    const rows = await em.find(entity, { id: { $in: [...ids] } } as unknown as FilterQuery<T>);
    const found = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => found.get(id) ?? null);
  });
}
