import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { eventually } from '@frontrow/kit/testing';
import { createSubgraphFetcher, subgraphResponse } from '../src/subgraph-fetcher';

describe('the subgraph fetcher (undici request)', () => {
  let server: Server;
  let url: string;
  const seen: Array<{ method?: string; headers: Record<string, unknown>; body: string }> = [];
  const http = createSubgraphFetcher();

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ method: req.method, headers: req.headers, body });
        if (req.url === '/fail') {
          res.writeHead(503, { 'content-type': 'application/json' }).end('{"errors":[{"message":"down"}]}');
          return;
        }
        res.setHeader('set-cookie', ['a=1', 'b=2']);
        res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'max-age=5' }).end(`{"data":{"echo":${JSON.stringify(body)}}}`);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await http.close();
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends the method, headers and body, and gives the answer as Apollo reads it', async () => {
    const response = await http.fetcher(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'r1' }, body: '{"query":"{a}"}' });
    expect(seen.at(-1)).toMatchObject({ method: 'POST', body: '{"query":"{a}"}', headers: { 'x-request-id': 'r1', 'content-type': 'application/json' } });
    expect(response).toMatchObject({ ok: true, status: 200, statusText: 'OK', url: `${url}/graphql` });
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.get('CACHE-CONTROL')).toBe('max-age=5');
    expect(response.headers.get('set-cookie')).toBe('a=1, b=2');
    expect(response.headers.has('x-absent')).toBe(false);
    // Read as often as wanted, each json() its own objects.
    const first = await response.json();
    expect(first).toEqual({ data: { echo: '{"query":"{a}"}' } });
    expect(await response.json()).not.toBe(first);
    expect(await response.text()).toBe('{"data":{"echo":"{\\"query\\":\\"{a}\\"}"}}');
  });

  it('gives a failed answer its status and body', async () => {
    const response = await http.fetcher(`${url}/fail`, { method: 'POST', body: '{}' });
    expect(response).toMatchObject({ ok: false, status: 503, statusText: 'Service Unavailable' });
    expect(await response.json()).toEqual({ errors: [{ message: 'down' }] });
  });

  it('fails with the network error when nothing listens, and stops when its signal aborts', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await expect(http.fetcher(`http://127.0.0.1:${port}/`, { method: 'POST', body: '{}' })).rejects.toMatchObject({ code: 'ECONNREFUSED' });

    const hanging = createServer(() => undefined);
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    const controller = new AbortController();
    const pending = http.fetcher(`http://127.0.0.1:${(hanging.address() as AddressInfo).port}/`, { method: 'POST', body: '{}', signal: controller.signal });
    controller.abort(new DOMException('too slow', 'TimeoutError'));
    // The data source's unreachable() knows it by its name: SERVICE_UNAVAILABLE, not INTERNAL_SERVER_ERROR.
    const error = (await pending.then(() => undefined, (e: unknown) => e)) as { name?: string };
    expect(['AbortError', 'TimeoutError']).toContain(error?.name);
    hanging.closeAllConnections();
    await new Promise((resolve) => hanging.close(resolve));
  });

  it('makes an answer from a text already read, for fetches that shared one', async () => {
    const response = subgraphResponse('http://x/graphql', 200, [['Content-Type', 'application/json']], '{"data":{}}');
    expect(response.headers.get('content-type')).toBe('application/json');
    expect([...response.headers]).toEqual([['content-type', 'application/json']]);
    expect(await response.clone().json()).toEqual({ data: {} });
  });

  it('keeps at most its number of connections to a subgraph: more fetches at once wait for one, and all are answered', async () => {
    const bounded = createSubgraphFetcher({ connectionsPerSubgraph: 2 });
    const sockets = new Set<unknown>();
    const held: Array<() => void> = [];
    let atOnce = 0;
    let most = 0;
    const slow = createServer((req, res) => {
      sockets.add(req.socket);
      atOnce++;
      most = Math.max(most, atOnce);
      held.push(() => {
        atOnce--;
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"data":{}}');
      });
    });
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    const target = `http://127.0.0.1:${(slow.address() as AddressInfo).port}/graphql`;
    try {
      const answers = Array.from({ length: 6 }, () => bounded.fetcher(target, { method: 'POST', body: '{}' }));
      // Answer one at a time, as each arrives: the rest wait at the gateway, not at the subgraph.
      for (let answered = 0; answered < 6; answered++) {
        await eventually(() => held.length > answered);
        expect(atOnce).toBeLessThanOrEqual(2);
        held[answered]();
      }
      expect((await Promise.all(answers)).map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
      expect(most).toBe(2);
      expect(sockets.size).toBe(2);
    } finally {
      slow.closeAllConnections();
      await bounded.close();
      await new Promise((resolve) => slow.close(resolve));
    }
  });
});
