import { PageInfo } from '@frontrow/kit';
import { BadInputError } from '@frontrow/kit';
import type { EntityManager, ObjectQuery } from '@mikro-orm/postgresql';
import { Field, ObjectType } from 'type-graphql';
import { SportEvent } from './entities/event.entity';
import type { EventFilter } from './event.input';
import { escapeLike, isUuid } from './validate';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

@ObjectType()
export class EventEdge {
  @Field(() => String, { description: 'Opaque; pass it as `after` to read on from this event.' })
  cursor!: string;

  @Field(() => SportEvent)
  node!: SportEvent;
}

@ObjectType({ description: 'Events ordered by startsAt, then id.' })
export class EventConnection {
  @Field(() => [EventEdge])
  edges!: EventEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}

interface Position {
  startsAt: Date;
  id: string;
}

const CURSOR_VERSION = 'ev1';

/** A cursor is the event's place in the order, encoded so that clients treat it as opaque. */
export function encodeCursor(event: Position): string {
  return Buffer.from(JSON.stringify([CURSOR_VERSION, event.startsAt.getTime(), event.id])).toString('base64url');
}

export function decodeCursor(cursor: string, field = 'after'): Position {
  const invalid = () => new BadInputError('This cursor is not one the events connection gave out.', field);
  if (cursor.length > 200 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(parsed) || parsed.length !== 3) throw invalid();
  const [version, ms, id] = parsed as unknown[];
  if (version !== CURSOR_VERSION || typeof ms !== 'number' || !Number.isFinite(ms) || !isUuid(id)) throw invalid();
  const startsAt = new Date(ms);
  if (Number.isNaN(startsAt.getTime())) throw invalid();
  return { startsAt, id: id.toLowerCase() };
}

/** The conditions of a filter; every one must hold. */
function conditionsOf(filter: EventFilter | null | undefined): ObjectQuery<SportEvent>[] {
  const where: ObjectQuery<SportEvent>[] = [];
  if (!filter) return where;
  if (filter.status) where.push({ status: filter.status });
  const sport = filter.sport?.trim();
  if (sport && sport.length > 60) throw new BadInputError('sport must have at most 60 characters.', 'sport');
  if (sport) where.push({ sport: { $ilike: escapeLike(sport) } });
  if (filter.from && filter.to && filter.to.getTime() < filter.from.getTime()) {
    throw new BadInputError('to must not be before from.', 'to');
  }
  if (filter.from) where.push({ startsAt: { $gte: filter.from } });
  if (filter.to) where.push({ startsAt: { $lt: filter.to } });
  const search = filter.search?.trim();
  if (search) {
    if (search.length > 100) throw new BadInputError('search must have at most 100 characters.', 'search');
    const pattern = `%${escapeLike(search)}%`;
    where.push({ $or: [{ title: { $ilike: pattern } }, { homeTeam: { $ilike: pattern } }, { awayTeam: { $ilike: pattern } }] });
  }
  return where;
}

function all(conditions: ObjectQuery<SportEvent>[]): ObjectQuery<SportEvent> {
  if (conditions.length === 0) return {};
  if (conditions.length === 1) return conditions[0];
  return { $and: conditions };
}

/**
 * One page of events by keyset pagination on (startsAt, id): one query for the page
 * (and one more row, which tells whether a next page exists), and, when reading on
 * from a cursor, one cheap query for whether anything comes before it.
 */
export async function listEvents(
  em: EntityManager,
  filter: EventFilter | null | undefined,
  first: number | null | undefined,
  after: string | null | undefined,
): Promise<EventConnection> {
  const size = first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 0 || size > MAX_PAGE_SIZE) {
    throw new BadInputError(`first must be between 0 and ${MAX_PAGE_SIZE}.`, 'first');
  }
  const conditions = conditionsOf(filter);
  const cursor = after ? decodeCursor(after) : null;
  const afterCursor: ObjectQuery<SportEvent>[] = cursor
    ? [{ $or: [{ startsAt: { $gt: cursor.startsAt } }, { startsAt: cursor.startsAt, id: { $gt: cursor.id } }] }]
    : [];
  const rows = await em.find(SportEvent, all([...conditions, ...afterCursor]), {
    orderBy: [{ startsAt: 'asc' }, { id: 'asc' }],
    limit: size + 1,
  });
  const page = rows.slice(0, size);
  let hasPreviousPage = false;
  if (cursor) {
    const before = await em
      .createQueryBuilder(SportEvent)
      .select('id')
      .where(all([...conditions, { $or: [{ startsAt: { $lt: cursor.startsAt } }, { startsAt: cursor.startsAt, id: { $lte: cursor.id } }] }]))
      .limit(1)
      .execute('all');
    hasPreviousPage = before.length > 0;
  }
  const edges = page.map((node) => ({ cursor: encodeCursor(node), node }));
  return {
    edges,
    pageInfo: {
      hasNextPage: rows.length > size,
      hasPreviousPage,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
  };
}
