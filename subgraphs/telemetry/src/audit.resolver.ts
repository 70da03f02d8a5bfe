import { Access, BadInputError, cursorCodec, emptyPageInfo, pageOf, pageSize, parseId, requireRole, type AccessRule } from '@frontrow/kit';
import type { FilterQuery } from '@mikro-orm/postgresql';
import { Arg, Ctx, FieldResolver, Int, Query, Resolver, Root } from 'type-graphql';
import type { TelemetryContext } from './context';
import { AuditEntry } from './entities/audit-entry.entity';
import { AuditFilter } from './audit.input';
import { AuditConnection, UserRef } from './types';

const ADMINS: AccessRule = { usersOnly: true, roles: ['ADMIN'] };
const cursors = cursorCodec('au1');

@Resolver(() => AuditEntry)
export class AuditResolver {
  @Access(ADMINS)
  @Query(() => AuditConnection, { description: 'Admin only: every admin and moderator action, newest first. Entries are never updated or deleted.' })
  async auditLog(
    @Arg('filter', () => AuditFilter, { nullable: true }) filter: AuditFilter | undefined,
    @Arg('first', () => Int, { nullable: true }) first: number | undefined,
    @Arg('after', () => String, { nullable: true }) after: string | undefined,
    @Ctx() ctx: TelemetryContext,
  ): Promise<AuditConnection> {
    requireRole(ctx.principal, 'ADMIN');
    const size = pageSize(first);
    const cursor = after ? cursors.decode(after) : undefined;
    const where: FilterQuery<AuditEntry>[] = [];
    if (filter?.actorId !== undefined && filter.actorId !== null) {
      const actorId = parseId(filter.actorId);
      // A malformed id is an actor with no entries, as an unknown one is.
      if (!actorId) return { edges: [], pageInfo: emptyPageInfo() };
      where.push({ actorId });
    }
    if (filter?.action) where.push({ action: checkName(filter.action, 'filter.action') });
    if (filter?.subgraph) where.push({ subgraph: checkName(filter.subgraph, 'filter.subgraph') });
    if (filter?.from) where.push({ at: { $gte: filter.from } });
    if (filter?.to) where.push({ at: { $lt: filter.to } });
    if (cursor) where.push({ $or: [{ at: { $lt: cursor.at } }, { at: cursor.at, id: { $lt: cursor.id } }] });
    const rows = await ctx.em.find(AuditEntry, where.length ? { $and: where } : {}, { orderBy: [{ at: 'desc' }, { id: 'desc' }], limit: size + 1 });
    return pageOf(rows, size, (e) => cursors.encode({ at: e.at, id: e.id }), Boolean(cursor));
  }

  @FieldResolver(() => UserRef, { nullable: true, description: 'Who acted; null for what the system itself decided.' })
  actor(@Root() entry: AuditEntry): UserRef | null {
    return entry.actorId ? { id: entry.actorId } : null;
  }
}

function checkName(value: string, field: string): string {
  if (value.length > 200) throw new BadInputError(`${field} must have at most 200 characters.`, field);
  return value;
}
