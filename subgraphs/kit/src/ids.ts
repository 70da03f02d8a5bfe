import type { EntityManager, EntityName, FilterQuery } from '@mikro-orm/postgresql';
import DataLoader from 'dataloader';
import { BadInputError, NotFoundError } from './errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/**
 * The one rule for ids (docs/decisions/0017-subgraph-shape.md): every id FrontRow gives
 * out is a UUID, and an id that cannot be one is answered exactly as an id that matches
 * nothing: null where an unknown id is null, NOT_FOUND where it is NOT_FOUND,
 * BAD_USER_INPUT naming the field where an input refers to something that must exist.
 * The database is not asked. `parseId` gives the canonical (lower-case) id, or null.
 */
export function parseId(value: unknown): string | null {
  return isUuid(value) ? value.toLowerCase() : null;
}

/** The canonical id of something that must exist; NOT_FOUND naming it, as for an unknown id. */
export function requireId(value: unknown, what: string): string {
  const id = parseId(value);
  if (!id) throw new NotFoundError(what);
  return id;
}

/**
 * The id of an entity another subgraph owns, which this one cannot look up: its shape
 * is all there is to check, so a malformed one is BAD_USER_INPUT naming the field.
 */
export function foreignId(value: unknown, field: string): string {
  const id = parseId(value);
  if (!id) throw new BadInputError(`${field} is not a valid id.`, field);
  return id;
}

/** The row with this id, or null for an unknown or malformed id (which asks nothing of the database). */
export async function findById<T extends object>(em: EntityManager, entity: EntityName<T>, value: unknown): Promise<T | null> {
  const id = parseId(value);
  return id ? em.findOne(entity, { id } as unknown as FilterQuery<T>) : null;
}

/** One query for every row of an entity asked for by id in one tick; null for an unknown or malformed id. */
export function loaderById<T extends { id: string }>(em: EntityManager, entity: EntityName<T>): DataLoader<string, T | null> {
  return new DataLoader(async (ids) => {
    const wanted = [...new Set(ids.map(parseId).filter((id): id is string => id !== null))];
    const rows = wanted.length ? await em.find(entity, { id: { $in: wanted } } as unknown as FilterQuery<T>) : [];
    const found = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => found.get(parseId(id) ?? '') ?? null);
  });
}
