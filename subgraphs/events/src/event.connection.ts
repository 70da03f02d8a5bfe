import { BadInputError, cursorCodec, pageOf, pageSize } from '@frontrow/kit';
import type { EntityManager, ObjectQuery } from '@mikro-orm/postgresql';
import { SportEvent } from './entities/sport-event.entity';
import type { EventFilter } from './event.input';
import type { EventConnection } from './types';
import { escapeLike } from './validate';

/** Events' cursors: the event's place in the order (startsAt, id). */
const cursors = cursorCodec('ev1');

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
  const size = pageSize(first);
  const conditions = conditionsOf(filter);
  const cursor = after ? cursors.decode(after) : null;
  const afterCursor: ObjectQuery<SportEvent>[] = cursor
    ? [{ $or: [{ startsAt: { $gt: cursor.at } }, { startsAt: cursor.at, id: { $gt: cursor.id } }] }]
    : [];
  const rows = await em.find(SportEvent, all([...conditions, ...afterCursor]), {
    orderBy: [{ startsAt: 'asc' }, { id: 'asc' }],
    limit: size + 1,
  });
  let hasPreviousPage = false;
  if (cursor) {
    const before = await em
      .createQueryBuilder(SportEvent)
      .select('id')
      .where(all([...conditions, { $or: [{ startsAt: { $lt: cursor.at } }, { startsAt: cursor.at, id: { $lte: cursor.id } }] }]))
      .limit(1)
      .execute('all');
    hasPreviousPage = before.length > 0;
  }
  return pageOf(rows, size, (node) => cursors.encode({ at: node.startsAt, id: node.id }), hasPreviousPage);
}
