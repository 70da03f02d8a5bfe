import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import express from 'express';
import { DIST, buildWeb } from './build';

export interface WebHandle {
  url: string;
  server: Server;
  stop(): Promise<void>;
}

/**
 * Serves the web portal: the built app, `config.json` (where the gateway is), and
 * index.html for every route the app owns (/events/…, /watch/…), so a reload or a
 * shared link works.
 */
export async function startWeb(opts: { port: number; host?: string; gatewayUrl: string; build?: boolean }): Promise<WebHandle> {
  if (opts.build !== false) await buildWeb();
  // The page carries its configuration: no round trip for config.json before the first query.
  const page = readFileSync(join(DIST, 'index.html'), 'utf8').replace(
    '</head>',
    `<script id="frontrow-config" type="application/json">${JSON.stringify({ gatewayUrl: opts.gatewayUrl }).replace(/</g, '\\u003c')}</script></head>`,
  );
  const app = express();
  app.disable('x-powered-by');
  app.get('/config.json', (_req, res) => {
    res.set('cache-control', 'no-store').json({ gatewayUrl: opts.gatewayUrl });
  });
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok', service: 'web' });
  });
  // Hashed file names: cache them for good; index.html never.
  app.use('/assets', express.static(join(DIST, 'assets'), { immutable: true, maxAge: '1y', fallthrough: false }));
  app.use(express.static(DIST, { index: false, maxAge: 0 }));
  app.get('/viewer.html', (req, res) => {
    // The old viewer's links (demo:feed printed them) lead to the watch page.
    const feed = typeof req.query.feed === 'string' ? req.query.feed : '';
    res.redirect(301, feed ? `/watch/${encodeURIComponent(feed)}` : '/');
  });
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
