import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '@frontrow/kit/testing';
import { ROOT } from '../src/launch';

/**
 * `npm start` on embedded defaults, as a newcomer runs it: it says what it is doing,
 * prints its URLs, serves, and on Ctrl-C stops its services and then its database
 * before it exits, leaving no PostgreSQL behind.
 */
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

let dataRoot: string;

beforeAll(() => {
  dataRoot = mkdtempSync(join(tmpdir(), 'frontrow-start-'));
  // Run as root, the database is the postgres user's: it must be able to pass through.
  chmodSync(dataRoot, 0o711);
});

afterAll(() => {
  rmSync(dataRoot, { recursive: true, force: true });
});

it('starts with progress in the log, serves, and stops everything on SIGINT', async () => {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'info', DATA_DIR: join(dataRoot, 'data'), PORT: '0', WEB_PORT: '0', VR_PORT: '0', ADMIN_PORT: '0' };
  // As a person runs it: no service URLs, and not Jest's NODE_ENV=test (under which
  // Apollo Server leaves signals alone).
  for (const name of ['DATABASE_URL', 'REDIS_URL', 'AMQP_URL', 'JANUS_URL', 'PRINCIPAL_SECRET', 'PAYMENTS_WEBHOOK_SECRET', 'NODE_ENV']) delete env[name];
  for (const name of ['IDENTITY', 'EVENTS', 'MEDIA', 'COMMERCE', 'CREATIVE', 'PRESENCE']) env[`${name}_PORT`] = '0';
  const child = spawn(process.execPath, ['-r', '@frontrow/register', 'scripts/start.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  try {
    await eventually(() => /FrontRow is up\./.test(output) || child.exitCode !== null, 120_000, 100);
    const gatewayUrl = /GraphQL\s+(\S+)/.exec(output)?.[1];
    const postgresPort = Number(/PostgreSQL\s+127\.0\.0\.1:(\d+)/.exec(output)?.[1]);
    expect(gatewayUrl).toBeDefined();

    const steps = output
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { msg: string; step?: string });
    const said = steps.map((s) => s.msg).join('\n');
    expect(said).toMatch(/starting the embedded PostgreSQL, a stand-in for the quick start only/);
    expect(said).toMatch(/initialising a new cluster/);
    expect(said).toMatch(/applying \d+ migration\(s\) to schema identity/);
    expect(said).toMatch(/seeding the demo catalog/);
    expect(said).toMatch(/gateway ready \(8\/8\)/);
    expect(said).toMatch(/seeded the demo sponsor and its boards/);

    const res = await fetch(gatewayUrl!, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'mutation { signUp(input: {email: "ada@example.com", password: "a long password", displayName: "Ada"}) { user { displayName } } }' }),
    });
    expect(await res.json()).toEqual({ data: { signUp: { user: { displayName: 'Ada' } } } });
    expect(await accepts(postgresPort)).toBe(true);
    // The web portal and the admin dashboard are served, each on its own port.
    for (const name of ['Web portal', 'Admin']) {
      const url = new RegExp(`${name}\\s+(http\\S+)`).exec(output)?.[1];
      expect({ name, status: url ? (await fetch(url)).status : 'not printed' }).toEqual({ name, status: 200 });
    }

    // The demo games' boards: the seeded placements, their images served from storage.
    const boards = await fetch(gatewayUrl!, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ events(first: 1) { edges { node { placements { surface asset { contentType width url } } adManifest { version url } } } } }' }),
    });
    const event = ((await boards.json()) as { data: { events: { edges: Array<{ node: { placements: Array<{ surface: string; asset: { url: string; width: number } }>; adManifest: { version: number; url: string } } }> } } })
      .data.events.edges[0].node;
    expect(event.placements.map((p) => p.surface).sort()).toEqual(['BOARD_EAST', 'BOARD_NORTH', 'BOARD_SOUTH', 'BOARD_WEST', 'JUMBOTRON']);
    const image = Buffer.from(await (await fetch(event.placements[0].asset.url)).arrayBuffer());
    expect(image.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(((await (await fetch(event.adManifest.url)).json()) as { placements: unknown[] }).placements).toHaveLength(5);

    // The VR client is served beside the portal, told where the gateway and the portal are.
    const vrUrl = /VR client\s+(\S+)/.exec(output)?.[1];
    const webUrl = /Web portal\s+(\S+)/.exec(output)?.[1];
    const vrConfig = (await (await fetch(`${vrUrl}/config.json`)).json()) as { gatewayUrl: string; webUrl: string };
    expect(vrConfig.gatewayUrl).toBe(gatewayUrl);
    expect(new URL(vrConfig.webUrl).port).toBe(new URL(webUrl!).port);

    child.kill('SIGINT');
    // It stops its services, then the database, then exits by itself with 0.
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(output).toMatch(/"msg":"stopped"/);
    await eventually(async () => !(await accepts(postgresPort)), 20_000);
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  }
});
