import { DataloaderType, MikroORM, type EntityManager, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import type { Migration } from '@mikro-orm/migrations';
import { Client } from 'pg';
import { loadConfig, setting } from './config';
import { startEmbeddedPostgres } from './embedded-postgres';
import type { Logger } from './logger';

export type { EntityManager };

export interface MigrationEntry {
  name: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  class: new (...args: any[]) => Migration;
}

export interface DatabaseOptions {
  /** The subgraph's name; also its schema in a shared Postgres. */
  service: string;
  /** postgres://... ; absent starts an embedded PostgreSQL for this service alone. */
  url?: string;
  /** The Postgres schema that holds this service's tables (defaults to the service name). */
  schema?: string;
  /** Where that embedded PostgreSQL keeps its files; absent: a temporary folder. */
  embeddedDataDir?: string;
  entities: Options['entities'];
  migrations: MigrationEntry[];
  logger: Logger;
  /** Receives every SQL statement (tests count queries with it). */
  onQuery?: (sql: string) => void;
  /** Connections at most (default: DATABASE_POOL_SIZE). */
  poolSize?: number;
  /** How long a query waits for a free connection before failing (default: DATABASE_ACQUIRE_TIMEOUT_MS). */
  acquireTimeoutMs?: number;
  /** How long one statement may run or wait for the server's answer (default: DATABASE_QUERY_TIMEOUT_MS). */
  queryTimeoutMs?: number;
}

/**
 * The pool's settings. Requests beyond the pool's size queue for a connection (no
 * connection storm on the server) and give up after the acquire timeout with an
 * error the client sees as SERVICE_UNAVAILABLE (errors.ts), instead of hanging. The
 * acquire timeout also bounds opening a connection to a server that does not answer.
 * The query timeout bounds one statement: the server cancels it (statement_timeout),
 * and the driver gives up on a server that has stopped answering altogether (frozen,
 * or cut off by the network), which no pool timeout would notice.
 */
export function poolSettings(env: Record<string, string | undefined> = process.env): { poolSize: number; acquireTimeoutMs: number; queryTimeoutMs: number } {
  const config = loadConfig(
    {
      DATABASE_POOL_SIZE: setting.int({ default: 10, min: 1, max: 500 }),
      DATABASE_ACQUIRE_TIMEOUT_MS: setting.int({ default: 5000, min: 50, max: 120_000 }),
      DATABASE_QUERY_TIMEOUT_MS: setting.int({ default: 30_000, min: 100, max: 3_600_000 }),
    },
    env,
  );
  return { poolSize: config.DATABASE_POOL_SIZE, acquireTimeoutMs: config.DATABASE_ACQUIRE_TIMEOUT_MS, queryTimeoutMs: config.DATABASE_QUERY_TIMEOUT_MS };
}

export interface Database {
  orm: MikroORM;
  schema: string;
  embedded: boolean;
  /** Drops the schema (tests only) and closes everything. */
  close(opts?: { dropSchema?: boolean }): Promise<void>;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Opens the service's database through MikroORM and applies pending migrations.
 * Nothing is ever reset at boot. Without a URL, an embedded PostgreSQL is started for
 * this service alone (a subgraph run by itself; the platform starts one for all).
 */
export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  const schema = opts.schema ?? opts.service;
  if (!SCHEMA_NAME.test(schema)) throw new Error(`Invalid schema name "${schema}"`);
  const settings = poolSettings();
  const poolSize = opts.poolSize ?? settings.poolSize;
  const acquireTimeoutMs = opts.acquireTimeoutMs ?? settings.acquireTimeoutMs;
  const queryTimeoutMs = opts.queryTimeoutMs ?? settings.queryTimeoutMs;
  let url = opts.url;
  let stopEmbedded: (() => Promise<void>) | undefined;
  if (!url) {
    opts.logger.info(
      { dataDir: opts.embeddedDataDir ?? 'temporary' },
      'DATABASE_URL is not set: starting an embedded PostgreSQL for this service (a stand-in for the quick start only)',
    );
    const embedded = await startEmbeddedPostgres({ dataDir: opts.embeddedDataDir, logger: opts.logger });
    url = embedded.url;
    stopEmbedded = embedded.stop;
  }
  const started = Date.now();
  const databaseUrl = url;
  try {
    await ensureSchema(url, schema);
    const onQuery = opts.onQuery;
    const orm = await MikroORM.init({
      clientUrl: url,
      schema,
      entities: opts.entities,
      extensions: [Migrator],
      discovery: { warnWhenNoEntities: false },
      // Handed to each pg connection: the server cancels a statement after the query
      // timeout; the driver stops waiting for an answer a little later (a frozen or
      // unreachable server), and for a new connection after the acquire timeout.
      driverOptions: {
        connection: { statement_timeout: queryTimeoutMs, query_timeout: queryTimeoutMs + 500, connectionTimeoutMillis: acquireTimeoutMs },
      },
      pool: {
        min: 0,
        max: poolSize,
        // A query waits this long for a connection, then fails with a retryable error.
        acquireTimeoutMillis: acquireTimeoutMs,
        createTimeoutMillis: acquireTimeoutMs,
        afterCreate(conn: { query(sql: string, cb: (err: Error | null) => void): void }, done: (err: Error | null, conn: unknown) => void) {
          conn.query(`SET search_path TO "${schema}"`, (err) => done(err, conn));
        },
      },
      migrations: {
        migrationsList: opts.migrations,
        tableName: 'mikro_orm_migrations',
        transactional: true,
        allOrNothing: true,
        disableForeignKeys: false,
        snapshot: false,
      },
      allowGlobalContext: false,
      // Several services share a process in the quick start and in tests: each ORM keeps
      // its own transaction context, or a handler called from inside another service's
      // transaction (the in-process bus) would be handed that service's EntityManager.
      contextName: `frontrow:${schema}`,
      // References and collections loaded in one tick are fetched in one query.
      dataloader: DataloaderType.ALL,
      forceUtcTimezone: true,
      debug: onQuery ? ['query'] : false,
      logger: onQuery ? (message: string) => onQuery(message) : () => undefined,
      colors: false,
    });
    try {
      const migrator = orm.getMigrator();
      const pending = await migrator.getPendingMigrations();
      if (pending.length) opts.logger.info({ schema, pending: pending.length }, `applying ${pending.length} migration(s) to schema ${schema}`);
      await migrator.up();
    } catch (e) {
      await orm.close(true);
      throw e;
    }
    opts.logger.info({ schema, poolSize, ms: Date.now() - started }, 'database ready');
    return {
      orm,
      schema,
      embedded: Boolean(stopEmbedded),
      async close(closeOpts) {
        try {
          try {
            await orm.close(true);
          } finally {
            // On a connection of its own, once the pool is closed: a statement of this service
            // still running (a payment webhook during a test's stop) held locks in the schema,
            // and PostgreSQL ended the drop as a deadlock.
            if (closeOpts?.dropSchema) await dropSchema(databaseUrl, schema);
          }
        } finally {
          if (stopEmbedded) await stopEmbedded();
        }
      },
    };
  } catch (e) {
    if (stopEmbedded) await stopEmbedded();
    throw e;
  }
}

async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

async function ensureSchema(url: string, schema: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  } finally {
    await client.end();
  }
}
