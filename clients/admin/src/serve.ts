import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import express from 'express';
import { DIST, buildAdmin } from './build';

export interface AdminHandle {
  url: string;
  server: Server;
  stop(): Promise<void>;
}

/**
 * Serves the admin dashboard: the built app with its configuration (where the gateway
 * is) inlined, and index.html for every route the app owns, so a reload or a shared
 * link works. The dashboard may not be framed by another site (clickjacking an
 * admin's buttons) and sends no referrer.
 */
export async function startAdmin(opts: { port: number; host?: string; gatewayUrl: string; build?: boolean }): Promise<AdminHandle> {
  if (opts.build !== false) await buildAdmin();
  const config = JSON.stringify({ gatewayUrl: opts.gatewayUrl }).replace(/</g, '\\u003c');
  const page = readFileSync(join(DIST, 'index.html'), 'utf8').replace('</head>', `<script id="frontrow-config" type="application/json">${config}</script></head>`);
  const app = express();
  app.disable('x-powered-by');
  app.use((_req, res, next) => {
    res.set({ 'x-frame-options': 'DENY', 'content-security-policy': "frame-ancestors 'none'", 'referrer-policy': 'no-referrer' });
    next();
  });
  app.get('/config.json', (_req, res) => {
    res.set('cache-control', 'no-store').json({ gatewayUrl: opts.gatewayUrl });
  });
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok', service: 'admin' });
  });
  // Hashed file names: cached for good; index.html never.
  app.use('/assets', express.static(join(DIST, 'assets'), { immutable: true, maxAge: '1y', fallthrough: false }));
  app.use(express.static(DIST, { index: false, maxAge: 0 }));
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
