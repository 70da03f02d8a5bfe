import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '@frontrow/kit';
import { eventually } from '@frontrow/kit/testing';

/**
 * Backing servers of a test's own, on free ports, for the fault suites that stop them:
 * stopping the shared PostgreSQL or Redis would break the suites running beside them.
 * Each is a child process; `stop()` and `start()` can be called again and again, on the
 * same port and data, and `destroy()` leaves nothing behind.
 */

const run = promisify(execFile);

/** A child process that keeps its last output, to say why it did not come up. */
class Child {
  private child?: ChildProcess;
  private output = '';

  constructor(
    private readonly name: string,
    private readonly command: string,
    private readonly args: string[],
  ) {}

  get running(): boolean {
    return Boolean(this.child && this.child.exitCode === null && this.child.signalCode === null);
  }

  /** Spawns it and waits for `ready()`; fails with its output if it exits or is not ready within `ms`. */
  async start(ready: () => Promise<boolean>, ms = 20_000): Promise<void> {
    this.output = '';
    const child = spawn(this.command, this.args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-4000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code) => reject(new Error(`${this.name} exited with ${code} before it was ready:\n${this.output}`))),
    );
    exited.catch(() => undefined);
    await Promise.race([eventually(async () => (await ready().catch(() => false)) || undefined, ms, 50), exited]);
  }

  /** Sends `signal` and waits for the exit (SIGKILL after 10 s). */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

/** A Redis of the test's own: nothing saved to disk, so a restart comes back empty, as a crashed cache does. */
export class RedisServer {
  private readonly child: Child;

  private constructor(readonly port: number) {
    this.child = new Child('redis-server', 'redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
  }

  static async start(): Promise<RedisServer> {
    const server = new RedisServer(await freePort());
    await startOrClean(server);
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts it (again, on the same port) and waits until it answers PING. */
  async start(): Promise<void> {
    await this.child.start(async () => (await run('redis-cli', ['-p', String(this.port), 'ping'], { timeout: 2000 })).stdout.trim() === 'PONG');
  }

  /** Stops it as an operator does (SHUTDOWN NOSAVE: connections dropped, data gone), and waits for the exit. */
  async stop(): Promise<void> {
    if (!this.child.running) return;
    await run('redis-cli', ['-p', String(this.port), 'shutdown', 'nosave'], { timeout: 5000 }).catch(() => undefined);
    await this.child.stop();
  }

  async destroy(): Promise<void> {
    await this.child.stop('SIGKILL');
  }
}

/**
 * A PostgreSQL cluster of the test's own in a temporary folder (initdb, trust auth),
 * listening on 127.0.0.1 and a free port. We run as root in CI, and PostgreSQL refuses
 * to: the cluster then belongs to, and the server runs as, the `postgres` user.
 */
export class PostgresServer {
  private readonly child: Child;

  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {
    const data = join(dir, 'data');
    this.child = new Child('postgres', 'runuser', [
      '-u',
      'postgres',
      '--',
      'postgres',
      '-D',
      data,
      '-p',
      String(port),
      '-k',
      dir,
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'fsync=off',
      '-c',
      'max_connections=100',
    ]);
  }

  static async start(): Promise<PostgresServer> {
    const dir = mkdtempSync(join(tmpdir(), 'frontrow-pg-'));
    const { uid, gid } = await postgresUser();
    chownSync(dir, uid, gid);
    await run('runuser', ['-u', 'postgres', '--', 'initdb', '-D', join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '--no-sync'], { timeout: 60_000 });
    const server = new PostgresServer(await freePort(), dir);
    await startOrClean(server);
    return server;
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  /** Starts it (again, on the same port and data) and waits until it accepts connections. */
  async start(): Promise<void> {
    await this.child.start(async () => {
      await run('pg_isready', ['-q', '-h', '127.0.0.1', '-p', String(this.port)], { timeout: 2000 });
      return true;
    }, 30_000);
  }

  /**
   * Freezes it (SIGSTOP to the postmaster and its backends): connections stay open and
   * nothing answers, as with a server that hangs or a network that drops packets.
   * Returns what thaws it.
   */
  async freeze(): Promise<() => Promise<void>> {
    const postmaster = Number(readFileSync(join(this.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
    const children = (await run('pgrep', ['-P', String(postmaster)]).catch(() => ({ stdout: '' }))).stdout.split('\n').filter(Boolean).map(Number);
    const pids = [postmaster, ...children];
    for (const pid of pids) process.kill(pid, 'SIGSTOP');
    return async () => {
      for (const pid of pids) process.kill(pid, 'SIGCONT');
    };
  }

  /** A fast shutdown: open sessions are ended (admin_shutdown), new ones refused; waits until it is down. */
  async stop(): Promise<void> {
    if (!this.child.running) return;
    await run('runuser', ['-u', 'postgres', '--', 'pg_ctl', '-D', join(this.dir, 'data'), 'stop', '-m', 'fast', '-w', '-t', '30'], { timeout: 40_000 });
    await this.child.stop();
  }

  async destroy(): Promise<void> {
    try {
      await this.stop();
    } finally {
      await this.child.stop('SIGKILL');
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}

/**
 * A RabbitMQ node of the test's own: a node name, an AMQP port and a distribution port
 * of its own, its database and logs in a temporary folder, no plugins; it runs as the
 * `rabbitmq` user, whose Erlang cookie `rabbitmqctl` needs. The shared node (and its
 * epmd) is never touched.
 */
export class RabbitServer {
  private readonly child: Child;
  private readonly env: string[];

  private constructor(
    readonly port: number,
    private readonly node: string,
    private readonly dir: string,
    distPort: number,
  ) {
    this.env = [
      'HOME=/var/lib/rabbitmq',
      `RABBITMQ_NODENAME=${node}`,
      'RABBITMQ_NODE_IP_ADDRESS=127.0.0.1',
      `RABBITMQ_NODE_PORT=${port}`,
      `RABBITMQ_DIST_PORT=${distPort}`,
      `RABBITMQ_MNESIA_BASE=${join(dir, 'mnesia')}`,
      `RABBITMQ_LOG_BASE=${join(dir, 'log')}`,
      `RABBITMQ_ENABLED_PLUGINS_FILE=${join(dir, 'enabled_plugins')}`,
      `RABBITMQ_PID_FILE=${join(dir, 'pid')}`,
      `RABBITMQ_CONFIG_FILE=${join(dir, 'none')}`,
      `RABBITMQ_ADVANCED_CONFIG_FILE=${join(dir, 'none-advanced.config')}`,
    ];
    this.child = new Child('rabbitmq-server', 'runuser', ['-u', 'rabbitmq', '--', 'env', ...this.env, rabbitmqBin('rabbitmq-server')]);
  }

  static async start(): Promise<RabbitServer> {
    const dir = mkdtempSync(join(tmpdir(), 'frontrow-rabbitmq-'));
    writeFileSync(join(dir, 'enabled_plugins'), '[].\n');
    const [uid, gid] = await Promise.all([run('id', ['-u', 'rabbitmq']), run('id', ['-g', 'rabbitmq'])]);
    for (const path of [dir, join(dir, 'enabled_plugins')]) chownSync(path, Number(uid.stdout.trim()), Number(gid.stdout.trim()));
    const server = new RabbitServer(await freePort(), `${basename(dir).replace(/[^a-zA-Z0-9]/g, '')}@localhost`, dir, await freePort());
    await startOrClean(server);
    return server;
  }

  get url(): string {
    return `amqp://guest:guest@127.0.0.1:${this.port}`;
  }

  private ctl(...args: string[]): Promise<unknown> {
    return run('runuser', ['-u', 'rabbitmq', '--', 'env', ...this.env, rabbitmqBin('rabbitmqctl'), '-n', this.node, ...args], { timeout: 60_000 });
  }

  /** Starts the node (again, on the same ports and data) and waits until it has booted. */
  async start(): Promise<void> {
    await this.child.start(async () => {
      await this.ctl('-q', 'await_startup', '-t', '2');
      return true;
    }, 60_000);
  }

  /** Stops the node (every connection dropped) and waits until it is gone. */
  async stop(): Promise<void> {
    if (!this.child.running) return;
    await this.ctl('-q', 'stop').catch(() => undefined);
    await this.child.stop();
  }

  async destroy(): Promise<void> {
    try {
      await this.stop();
    } finally {
      await this.child.stop('SIGKILL');
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}

/** RabbitMQ's own scripts: the ones on PATH switch to the rabbitmq user and drop the environment. */
function rabbitmqBin(name: string): string {
  const own = join('/usr/lib/rabbitmq/bin', name);
  return existsSync(own) ? own : name;
}

/** Starts a new server; one that does not come up is stopped and its files removed. */
async function startOrClean(server: { start(): Promise<void>; destroy(): Promise<void> }): Promise<void> {
  try {
    await server.start();
  } catch (e) {
    await server.destroy().catch(() => undefined);
    throw e;
  }
}

async function postgresUser(): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}
