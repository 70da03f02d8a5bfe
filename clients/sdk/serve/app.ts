/**
 * Building and serving a client app (the web portal, the VR client): Node only, outside
 * `src/` so that no client bundles it.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import express from 'express';

const run = promisify(execFile);
const SDK_SRC = join(__dirname, '..', 'src');

/** Every file an app's bundle is built from (its sources, the SDK it imports, the build's settings). */
function inputs(root: string): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((f) => {
      const p = join(dir, f);
      return statSync(p).isDirectory() ? walk(p) : [p];
    });
  return [...walk(join(root, 'src')), ...walk(SDK_SRC), join(root, 'index.html'), join(root, 'vite.config.ts'), join(root, 'package.json')].sort();
}

function sourceHash(root: string): string {
  const h = createHash('sha256');
  for (const f of inputs(root)) h.update(f).update(readFileSync(f));
  return h.digest('hex');
}

/**
 * Builds the app at `root` with Vite into `<root>/dist`, unless dist/ was built from these
 * very sources (`dist/.source-hash`): tests and `npm start` then start at once. `force`
 * rebuilds anyway.
 */
export async function buildApp(root: string, opts: { force?: boolean } = {}): Promise<string> {
  const dist = join(root, 'dist');
  const stamp = join(dist, '.source-hash');
  const hash = sourceHash(root);
  if (!opts.force && existsSync(stamp) && readFileSync(stamp, 'utf8') === hash) return dist;
  const vite = join(dirname(require.resolve('vite/package.json', { paths: [root] })), 'bin', 'vite.js');
  await run(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: root, maxBuffer: 16 * 1024 * 1024 });
  writeFileSync(stamp, hash);
  return dist;
}

export interface AppHandle {
  url: string;
  server: Server;
  stop(): Promise<void>;
}

export interface ServeAppOptions {
  /** The app's folder (its dist/ is served). */
  root: string;
  /** Its name in /health. */
  service: string;
  port: number;
  host?: string;
  /** What the app is told (inlined in the page, and at /config.json). */
  config: Record<string, unknown>;
  build?: boolean;
  /** Routes of the app's own, mounted before the page fallback. */
  routes?: (app: express.Express) => void;
}

/**
 * Serves a built app: hashed assets as immutable, `config.json`, `/health`, and
 * index.html (with the configuration inlined: no round trip before the first query) for
 * every other GET, so a reload or a shared link of any route works.
 */
export async function serveApp(opts: ServeAppOptions): Promise<AppHandle> {
  const dist = opts.build === false ? join(opts.root, 'dist') : await buildApp(opts.root);
  const page = readFileSync(join(dist, 'index.html'), 'utf8').replace(
    '</head>',
    `<script id="frontrow-config" type="application/json">${JSON.stringify(opts.config).replace(/</g, '\\u003c')}</script></head>`,
  );
  const app = express();
  app.disable('x-powered-by');
  app.get('/config.json', (_req, res) => {
    res.set('cache-control', 'no-store').json(opts.config);
  });
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok', service: opts.service });
  });
  // Hashed file names: cache them for good; index.html never.
  app.use('/assets', express.static(join(dist, 'assets'), { immutable: true, maxAge: '1y', fallthrough: false }));
  app.use(express.static(dist, { index: false, maxAge: 0 }));
  opts.routes?.(app);
  app.use((req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    res.set('cache-control', 'no-cache').type('html').send(page);
  });
  const server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${opts.host && opts.host !== '0.0.0.0' ? opts.host : 'localhost'}:${port}`,
    server,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
