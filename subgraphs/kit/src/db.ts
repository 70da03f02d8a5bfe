import { fork } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DataloaderType, MikroORM, type EntityManager, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import type { Migration } from '@mikro-orm/migrations';
import { Client } from 'pg';
import type { Logger } from './logger';
import { freePort } from './net';

export type { EntityManager };

export interface MigrationEntry {
  name: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  class: new (...args: any[]) => Migration;
}

export interface DatabaseOptions {
  /** The subgraph's name; also its schema in a shared Postgres. */
  service: string;
  /** postgres://... ; absent means the embedded PGlite stand-in. */
  url?: string;
  /** The Postgres schema that holds this service's tables (defaults to the service name). */
  schema?: string;
  /** Where the embedded database keeps its files; absent keeps it in memory. */
  embeddedDataDir?: string;
  entities: Options['entities'];
  migrations: MigrationEntry[];
  logger: Logger;
  /** Receives every SQL statement (tests count queries with it). */
  onQuery?: (sql: string) => void;
  poolSize?: number;
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
 * Nothing is ever reset at boot. Without a URL, an embedded PGlite is started and
 * served over the Postgres wire protocol on a loopback port, so the same driver and
 * the same SQL run in both modes.
 */
export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  const schema = opts.schema ?? opts.service;
  if (!SCHEMA_NAME.test(schema)) throw new Error(`Invalid schema name "${schema}"`);
  let url = opts.url;
  let stopEmbedded: (() => Promise<void>) | undefined;
  if (!url) {
    const embedded = await startEmbeddedPostgres(opts.embeddedDataDir);
    url = embedded.url;
    stopEmbedded = embedded.stop;
    opts.logger.info(
      { service: opts.service, dataDir: opts.embeddedDataDir ?? 'memory' },
      'DATABASE_URL is not set: using the embedded PGlite stand-in for PostgreSQL (quick start only)',
    );
  }
  await ensureSchema(url, schema);
  const onQuery = opts.onQuery;
  const orm = await MikroORM.init({
    clientUrl: url,
    schema,
    entities: opts.entities,
    extensions: [Migrator],
    discovery: { warnWhenNoEntities: false },
    pool: {
      min: 0,
      max: stopEmbedded ? 1 : (opts.poolSize ?? 10),
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
  await orm.getMigrator().up();
  return {
    orm,
    schema,
    embedded: Boolean(stopEmbedded),
    async close(closeOpts) {
      if (closeOpts?.dropSchema) {
        await orm.em.getConnection().execute(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      }
      await orm.close(true);
      if (stopEmbedded) await stopEmbedded();
    },
  };
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

/** Starts PGlite behind a Postgres wire-protocol socket on a free loopback port, in a child process. */
export async function startEmbeddedPostgres(dataDir?: string): Promise<{ url: string; stop(): Promise<void> }> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const port = await freePort();
  const child = fork(join(__dirname, 'embedded-postgres.cjs'), [], {
    env: { ...process.env, PGLITE_PORT: String(port), PGLITE_DATA_DIR: dataDir ?? '' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: [],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('message', (m: { ready?: number; error?: string }) => (m.ready ? resolve() : reject(new Error(`embedded Postgres failed: ${m.error}`))));
    child.once('exit', (code) => reject(new Error(`embedded Postgres exited with code ${code}`)));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
