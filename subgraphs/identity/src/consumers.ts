import { busQueue, consume, emitAudit, parseId, type BusTransport, type Logger, type Subscription } from '@frontrow/kit';
import type { MikroORM } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Role, User } from './entities/user.entity';

/** What creative publishes when an admin creates a sponsor (creative's sponsor.resolver.ts). */
interface SponsorCreatedPayload {
  sponsorId: string;
  ownerId: string;
  createdBy?: string;
}

/**
 * What identity learns from the bus: a sponsor's owner gets the SPONSOR role when
 * creative creates the sponsor (identity owns roles; creative never touches its tables).
 * The role is in the owner's next access token (sign-in or refresh). An owner id that
 * names no user changes nothing.
 */
export async function startConsumers(orm: MikroORM, transport: BusTransport, logger: Logger, busNamespace = ''): Promise<Subscription[]> {
  const sponsors = await consume<SponsorCreatedPayload>(
    orm,
    transport,
    busQueue('identity.sponsors', busNamespace),
    async (m, tx) => {
      const em = tx as EntityManager;
      const ownerId = parseId(m.payload.ownerId);
      const user = ownerId ? await em.findOne(User, { id: ownerId }) : null;
      if (!user) {
        logger.warn({ sponsorId: m.payload.sponsorId, ownerId: m.payload.ownerId }, 'a sponsor names an owner who is no user: no role granted');
        return;
      }
      if (user.roles.includes(Role.SPONSOR)) return;
      user.roles = [...user.roles, Role.SPONSOR];
      emitAudit(em, 'identity', {
        actorId: parseId(m.payload.createdBy) ?? null,
        actorRoles: [],
        action: 'identity.role.granted',
        targetType: 'User',
        targetId: user.id,
        details: { role: Role.SPONSOR, reason: 'creative.sponsor.created', sponsorId: m.payload.sponsorId },
      });
      await em.flush();
    },
    logger,
  );
  return [sponsors];
}
