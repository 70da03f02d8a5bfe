import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { provisionSubgraphRole, startEmbeddedPostgres } from '../src/embedded-postgres';
import { eventually, need, needs, testEnv, uniqueName } from '../src/testing';

/**
 * The embedded PostgreSQL of the quick start: a real server on 127.0.0.1 that asks for
 * a password, keeps its data across restarts, and never outlives the process that
 * started it; and the role per subgraph that production has.
 */
async function query<T extends Record<string, unknown>>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('a role and a schema per subgraph', () => {
  const database = uniqueName('roles');
  const [a, b] = [uniqueName('sub_a'), uniqueName('sub_b')];
  let admin: string;

  beforeAll(() => {
    admin = testEnv.databaseUrl!;
  });

  afterAll(async () => {
    await query(admin, `drop database if exists "${database}" with (force)`);
    for (const role of [a, b]) await query(admin, `drop role if exists "${role}"`);
  });

  it('lets each role use its own schema only', async () => {
    const urlA = await provisionSubgraphRole(admin, { database, role: a });
    const urlB = await provisionSubgraphRole(admin, { database, role: b });
    // Provisioning again at the next start changes nothing but the password.
    const urlA2 = await provisionSubgraphRole(admin, { database, role: a });
    expect(new URL(urlA2).password).not.toBe(new URL(urlA).password);
    // (A real server of a developer's machine may trust local connections.)
    if (testEnv.embeddedDatabase) await expect(query(urlA, 'select 1')).rejects.toThrow(/password authentication failed/);

    const [me] = await query<{ current_user: string; current_schema: string; super: boolean }>(
      urlA2,
      `select current_user, current_schema(), (select rolsuper from pg_roles where rolname = current_user) as super`,
    );
    expect(me).toEqual({ current_user: a, current_schema: a, super: false });
    await query(urlA2, `create table "${a}".secret (v text); insert into "${a}".secret values ('mine')`);
    await expect(query(urlB, `select * from "${a}".secret`)).rejects.toThrow(/permission denied for schema/);
    await expect(query(urlB, `create table "${a}".intruder (v text)`)).rejects.toThrow(/permission denied for schema/);
    expect(await query(urlA2, 'select v from secret')).toEqual([{ v: 'mine' }]);
  });
});

describe('the embedded server', () => {
  let root: string;

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'frontrow-pg-test-'));
    // Run as root, the server is the postgres user's: it must be able to pass through.
    chmodSync(root, 0o711);
  });

  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('listens on 127.0.0.1 only, asks for a password, and keeps its data across restarts', async () => {
    const dataDir = join(root, 'postgres');
    const first = await startEmbeddedPostgres({ dataDir });
    expect(first.dataDir).toBe(dataDir);
    try {
      const [settings] = await query<{ listen: string; sockets: string }>(
        first.url,
        `select current_setting('listen_addresses') as listen, current_setting('unix_socket_directories') as sockets`,
      );
      expect(settings).toEqual({ listen: '127.0.0.1', sockets: '' });
      const noPassword = new URL(first.url);
      noPassword.password = '';
      await expect(query(noPassword.toString(), 'select 1')).rejects.toThrow(/password/);
      await query(first.url, `create table kept (v text); insert into kept values ('still here')`);
    } finally {
      await first.stop();
    }
    expect(await accepts(first.port)).toBe(false);
    expect(existsSync(`${dataDir}.password`)).toBe(true);

    const second = await startEmbeddedPostgres({ dataDir });
    try {
      expect(await query(second.url, 'select v from kept')).toEqual([{ v: 'still here' }]);
    } finally {
      await second.stop();
    }
  });

  needs(need.root('the server then runs as the postgres user')).it('run as root, keeps its files where the postgres user can reach them', async () => {
    const hidden = join(root, 'private');
    mkdirSync(hidden, { mode: 0o700 });
    const server = await startEmbeddedPostgres({ dataDir: join(hidden, 'postgres') });
    try {
      expect(server.dataDir).not.toContain(hidden);
      expect(await query(server.url, 'select 1 as one')).toEqual([{ one: 1 }]);
    } finally {
      await server.stop();
      rmSync(server.dataDir, { recursive: true, force: true });
    }
  });

  it('stops when the process that started it is killed outright', async () => {
    const script = `require('./src/embedded-postgres').startEmbeddedPostgres().then((pg) => process.stdout.write(JSON.stringify({ port: pg.port, pid: pg.pid }) + '\\n'))`;
    const parent = spawn(process.execPath, ['-r', '@frontrow/register', '-e', script], { cwd: join(__dirname, '..'), stdio: ['ignore', 'pipe', 'inherit'] });
    const started = await new Promise<{ port: number; pid: number }>((resolve, reject) => {
      let out = '';
      parent.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]));
      });
      parent.once('exit', (code) => reject(new Error(`the parent exited with ${code} before the server was ready`)));
    });
    expect(await accepts(started.port)).toBe(true);
    parent.kill('SIGKILL');
    await eventually(async () => !(await accepts(started.port)) && !alive(started.pid), 30_000);
  });
});
