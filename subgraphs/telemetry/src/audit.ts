import { busQueue, consume, type AuditPayload, type BusTransport, type Logger, type Subscription } from '@frontrow/kit';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { AuditEntry } from './entities/audit-entry.entity';

/**
 * The audit log's consumer: one entry per message, through the kit's inbox (a
 * redelivered message finds its id handled and changes nothing), acknowledged once the
 * entry is committed. A message without an action or a target type cannot be an
 * entry: it fails and, after the bounded retries, is dead-lettered, kept for a person.
 */
export function consumeAudit(orm: MikroORM, transport: BusTransport, logger: Logger, busNamespace = ''): Promise<Subscription> {
  return consume<Partial<AuditPayload>>(
    orm,
    transport,
    busQueue('telemetry.audit', busNamespace),
    async (message, em) => {
      const p = message.payload ?? {};
      if (typeof p.action !== 'string' || typeof p.targetType !== 'string') {
        throw new Error(`audit message ${message.id} (${message.type}) has no action or target type`);
      }
      (em as EntityManager).create(AuditEntry, {
        id: message.id,
        actorId: typeof p.actorId === 'string' ? p.actorId : null,
        actorRoles: Array.isArray(p.actorRoles) ? p.actorRoles.filter((r): r is string => typeof r === 'string') : [],
        action: p.action,
        subgraph: message.type.split('.')[0],
        targetType: p.targetType,
        targetId: typeof p.targetId === 'string' ? p.targetId : null,
        at: new Date(message.occurredAt),
        details: p.details && typeof p.details === 'object' ? p.details : {},
        recordedAt: new Date(),
      });
    },
    logger,
  );
}
