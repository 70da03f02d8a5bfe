import { spawn } from 'node:child_process';
import { createConnection } from 'node:net';
import { testSecret } from '@frontrow/kit/testing';
import { ROOT } from '../src/launch';

/**
 * A supervisor that signals only the process it started (systemd, a container runtime,
 * `timeout`) stops a service run through npm: the start scripts exec node, so npm's
 * SIGTERM reaches the server itself, which lets go of its port and exits.
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

it('npm run start:gateway stops, port and all, when npm alone gets SIGTERM', async () => {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'info', PORT: '0', PRINCIPAL_SECRET: testSecret() };
  for (const name of ['REDIS_URL', 'NODE_ENV']) delete env[name];
  const npm = spawn('npm', ['run', '--silent', 'start:gateway'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const npmExited = new Promise((resolve) => npm.once('exit', resolve));
  let output = '';
  const url = await new Promise<URL>((resolve, reject) => {
    const onData = (c: Buffer) => {
      output += c.toString();
      const m = /"url":"(http:\/\/[^"]+)"[^\n]*"msg":"gateway ready"/.exec(output);
      if (m) resolve(new URL(m[1]));
    };
    npm.stdout.on('data', onData);
    npm.stderr.on('data', onData);
    npm.once('exit', (code) => reject(new Error(`npm exited (${code}) before the gateway served:\n${output.slice(-2000)}`)));
  });
  const port = Number(url.port);
  expect(await accepts(port)).toBe(true);
  npm.kill('SIGTERM');
  await npmExited;
  // The server, not only npm, is gone: nothing listens on its port any more.
  for (let i = 0; i < 100 && (await accepts(port)); i++) await new Promise((r) => setTimeout(r, 100));
  expect(await accepts(port)).toBe(false);
}, 60_000);
