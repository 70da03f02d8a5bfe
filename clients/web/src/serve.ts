import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { DIST, buildWeb } from './build';

export interface WebHandle {
  url: string;
  server: Server;
  stop(): Promise<void>;
}

/** Serves the web client; `config.json` tells it where the gateway is. */
export async function startWeb(opts: { port: number; host?: string; gatewayUrl: string; build?: boolean }): Promise<WebHandle> {
  if (opts.build !== false) await buildWeb();
  const app = express();
  app.disable('x-powered-by');
  app.get('/config.json', (_req, res) => {
    res.json({ gatewayUrl: opts.gatewayUrl });
  });
  app.get('/', (_req, res) => res.redirect('/viewer.html'));
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok', service: 'web' });
  });
  app.use(express.static(DIST, { maxAge: '5m' }));
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
