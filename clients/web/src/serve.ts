import { serveApp, type AppHandle } from '@frontrow/sdk/serve/app';
import { WEB } from './build';

export type WebHandle = AppHandle;

/**
 * Serves the web portal: the built app, `config.json` (where the gateway is), and
 * index.html for every route the app owns (/events/…, /watch/…), so a reload or a
 * shared link works.
 */
export function startWeb(opts: { port: number; host?: string; gatewayUrl: string; build?: boolean }): Promise<WebHandle> {
  return serveApp({
    root: WEB,
    service: 'web',
    port: opts.port,
    host: opts.host,
    build: opts.build,
    config: { gatewayUrl: opts.gatewayUrl },
    routes: (app) =>
      app.get('/viewer.html', (req, res) => {
        // The old viewer's links (demo:feed printed them) lead to the watch page.
        const feed = typeof req.query.feed === 'string' ? req.query.feed : '';
        res.redirect(301, feed ? `/watch/${encodeURIComponent(feed)}` : '/');
      }),
  });
}
