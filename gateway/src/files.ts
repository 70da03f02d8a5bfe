import { Readable } from 'node:stream';
import { errorBody, type Logger } from '@frontrow/kit';
import type { Express } from 'express';

/** What a signed download may answer with; anything else from the subgraph is not passed on. */
const PASSED_HEADERS = ['content-type', 'content-disposition', 'content-length', 'cache-control', 'last-modified', 'etag'];

/**
 * Signed downloads (finance exports...) reach the public through the gateway, at
 * `/files/<subgraph>/exports/...`: forwarded as a GET to that subgraph's
 * `/exports/...`, which checks the link's signature and expiry itself. Nothing else of a
 * subgraph is reachable this way (not its /internal routes, not its /metrics).
 */
export function mountSignedDownloads(app: Express, subgraphUrls: Record<string, string>, logger: Logger, timeoutMs = 30_000): void {
  app.get('/files/:subgraph/exports/*rest', async (req, res) => {
    const target = subgraphUrls[req.params.subgraph];
    if (!target) {
      res.status(404).json(errorBody('NOT_FOUND', 'No such download.'));
      return;
    }
    const rest = req.path.slice(`/files/${req.params.subgraph}`.length);
    const url = new URL(rest, target);
    url.search = new URL(req.originalUrl, 'http://gateway').search;
    try {
      const upstream = await fetch(url, { headers: { 'x-request-id': String(req.headers['x-request-id'] ?? '') }, signal: AbortSignal.timeout(timeoutMs) });
      res.status(upstream.status);
      for (const name of PASSED_HEADERS) {
        const value = upstream.headers.get(name);
        if (value) res.set(name, value);
      }
      if (!upstream.body) {
        res.end();
        return;
      }
      Readable.fromWeb(upstream.body as never).pipe(res);
    } catch (err) {
      logger.warn({ err, subgraph: req.params.subgraph }, 'signed download failed');
      if (!res.headersSent) res.status(502).json(errorBody('INTERNAL_SERVER_ERROR', 'The download could not be fetched; try again.'));
      else res.destroy();
    }
  });
}
