import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { busTopology, createTransport, notifyRelayAfterCommit, OutboxRelay, type BusTransport } from './bus';
import { openDatabase, type DatabaseOptions } from './db';
import type { Logger } from './logger';
import type { SubgraphOptions } from './server';

/** A subgraph's database, its bus transport and its outbox relay, opened together. */
export interface SubgraphStorage {
  orm: MikroORM;
  em: EntityManager;
  transport: BusTransport;
  relay: OutboxRelay;
  /** Stops the relay, closes the transport if it was opened here, then the database. */
  close(): Promise<void>;
}

/**
 * What every subgraph's start() opens first, from its options: the database (its own
 * schema, migrations applied), the bus transport (the shared one when given), and the
 * outbox relay on them. The relay is not started: the subgraph starts it once it serves.
 */
export async function openSubgraphStorage(
  service: string,
  opts: SubgraphOptions,
  parts: Pick<DatabaseOptions, 'entities' | 'migrations'> & { logger: Logger },
): Promise<SubgraphStorage> {
  const db = await openDatabase({
    service,
    url: opts.databaseUrl,
    schema: opts.databaseSchema,
    embeddedDataDir: opts.embeddedDataDir,
    entities: parts.entities,
    migrations: parts.migrations,
    logger: parts.logger,
    onQuery: opts.onQuery,
    poolSize: opts.poolSize,
    acquireTimeoutMs: opts.acquireTimeoutMs,
  });
  const em = db.orm.em as EntityManager;
  const transport = opts.transport ?? createTransport(opts.amqpUrl, parts.logger, service, opts.busNamespace);
  const relay = new OutboxRelay(em, transport, parts.logger, undefined, {
    service,
    topology: opts.declareBusTopology ? busTopology(opts.busNamespace) : undefined,
  });
  notifyRelayAfterCommit(em, relay);
  return {
    orm: db.orm,
    em,
    transport,
    relay,
    async close() {
      await relay.stop();
      if (!opts.transport) await transport.close();
      await db.close({ dropSchema: opts.dropSchemaOnStop });
    },
  };
}
