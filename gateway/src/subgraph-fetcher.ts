import { STATUS_CODES } from 'node:http';
import type { Fetcher, FetcherHeaders, FetcherRequestInit, FetcherResponse } from '@apollo/utils.fetcher';
import { Agent, request } from 'undici';

/**
 * The gateway's calls to its subgraphs: undici's `request` on keep-alive connections,
 * not `fetch`. A subgraph call is one POST of a JSON text whose answer is read whole,
 * and `fetch` wraps both ends in WHATWG streams: the body went out as an iterable in
 * writes of its own, and the answer came back through a ReadableStream (a profile of
 * the event-page load, docs/benchmarks.md). Here the request is written with its
 * headers and the answer is read as one text; the answer Apollo's data source gets
 * has what it reads (status, headers, text, json).
 */
export function createSubgraphFetcher(opts: { connectionsPerSubgraph?: number } = {}): { fetcher: Fetcher; close(): Promise<void> } {
  const agent = new Agent({ connections: opts.connectionsPerSubgraph ?? null, keepAliveTimeout: 10_000 });
  const fetcher: Fetcher = async (url: string, init?: FetcherRequestInit) => {
    const response = await request(url, {
      method: (init?.method ?? 'GET') as 'GET' | 'POST',
      headers: init?.headers,
      body: init?.body,
      signal: init?.signal,
      dispatcher: agent,
    });
    const text = await response.body.text();
    return new SubgraphResponse(url, response.statusCode, response.headers, text);
  };
  return { fetcher, close: () => agent.close() };
}

/** An answer made from a text already read (dedup.ts hands one to each request that shared a fetch). */
export function subgraphResponse(url: string, status: number, headers: Iterable<[string, string]>, body: string): FetcherResponse {
  return new SubgraphResponse(url, status, Object.fromEntries(headers), body);
}

class SubgraphHeaders implements FetcherHeaders {
  private readonly map = new Map<string, string>();

  constructor(raw: Record<string, string | string[] | undefined>) {
    for (const name of Object.keys(raw)) {
      const value = raw[name];
      if (value !== undefined) this.map.set(name.toLowerCase(), Array.isArray(value) ? value.join(', ') : value);
    }
  }

  get(name: string): string | null {
    return this.map.get(name.toLowerCase()) ?? null;
  }
  has(name: string): boolean {
    return this.map.has(name.toLowerCase());
  }
  set(name: string, value: string): void {
    this.map.set(name.toLowerCase(), value);
  }
  append(name: string, value: string): void {
    const key = name.toLowerCase();
    const before = this.map.get(key);
    this.map.set(key, before === undefined ? value : `${before}, ${value}`);
  }
  delete(name: string): void {
    this.map.delete(name.toLowerCase());
  }
  entries(): IterableIterator<[string, string]> {
    return this.map.entries();
  }
  keys(): IterableIterator<string> {
    return this.map.keys();
  }
  values(): IterableIterator<string> {
    return this.map.values();
  }
  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.map.entries();
  }
}

/** An answer already read whole: its body can be read more than once. */
class SubgraphResponse implements FetcherResponse {
  readonly headers: SubgraphHeaders;
  readonly redirected = false;
  readonly bodyUsed = false;

  constructor(
    readonly url: string,
    readonly status: number,
    rawHeaders: Record<string, string | string[] | undefined>,
    private readonly body: string,
  ) {
    this.headers = new SubgraphHeaders(rawHeaders);
  }

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }
  get statusText(): string {
    return STATUS_CODES[this.status] ?? '';
  }
  async text(): Promise<string> {
    return this.body;
  }
  async json(): Promise<unknown> {
    return JSON.parse(this.body);
  }
  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = Buffer.from(this.body);
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }
  clone(): FetcherResponse {
    return new SubgraphResponse(this.url, this.status, Object.fromEntries(this.headers), this.body);
  }
}
