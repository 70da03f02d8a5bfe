import type { GatewayExecutor, GatewayGraphQLRequestContext, GatewayInterface } from '@apollo/server-gateway-interface';
import type { Fetcher, FetcherResponse } from '@apollo/utils.fetcher';
import { PRINCIPAL_HEADER, type Principal } from '@frontrow/kit';
import type { Request, RequestHandler, Response } from 'express';
import { getOperationAST, parse } from 'graphql';
import type { GatewayContext } from './datasource';
import { subgraphResponse } from './subgraph-fetcher';

/** An answer as it went out: what a request that shared it is sent. */
interface Answer {
  status: number;
  type: string;
  body: Buffer;
}

/** Documents whose operation kind is known, at most (a new one beyond is parsed again). */
const KINDS_MAX = 2000;

/**
 * Inbound in-flight deduplication: a query that arrives while an identical one from a
 * caller with the same authorization is being executed waits for that execution's
 * result instead of running its own. "Identical" is the same document text, operation
 * name and variables; "the same authorization" is the same principal (anonymous callers
 * all share one: nothing a query answers depends on an anonymous caller's address),
 * so a result is never handed to a caller who could not have asked for it. Only
 * queries, only while the first is in flight: nothing is cached, and a mutation always
 * runs. Every request still passes its own parsing, validation, limits and rate limit;
 * only the execution (the query plan's fetches) is shared.
 */
export class InflightDeduplication {
  private readonly inflight = new Map<string, ReturnType<GatewayExecutor>>();
  private readonly answers = new Map<string, Promise<Answer | undefined>>();
  private readonly kinds = new Map<string, boolean>();
  /** Executions started, and requests answered by another's execution or its answer. */
  readonly stats = { executed: 0, shared: 0 };

  /**
   * The same at the HTTP level, in front of Apollo Server, for POSTed queries: a request
   * identical to one in flight (document, operation name, variables, extensions, Accept,
   * and the caller, identified and rate-limited first, as every request is) is sent the
   * bytes of that one's answer when it goes out. What it saves is the rest of the
   * pipeline for each request that shares: Apollo's request handling and the
   * serialization of the answer, which for a large answer cost more than the
   * execution shared below it. `identify` must be the one the request's context uses,
   * memoized per request, so a request is counted against its rate limit once.
   */
  middleware(identify: (req: Request) => Promise<Principal | null>): RequestHandler {
    return (req, res, next) => {
      const body = req.body as { query?: unknown; operationName?: unknown; variables?: unknown; extensions?: unknown } | undefined;
      if (req.method !== 'POST' || !body || typeof body.query !== 'string') return next();
      const operationName = typeof body.operationName === 'string' ? body.operationName : undefined;
      if (!this.isQuery(body.query, operationName)) return next();
      // A caller that goes while it is identified (its rate limit counted in Redis) must
      // not be made the one whose answer the others wait for: its response has closed
      // already, so it would never finish, and every identical query after it would wait
      // for ever.
      let gone = false;
      res.once('close', () => (gone = true));
      identify(req).then(
        (principal) => {
          if (gone) return;
          const key = [principalKey(principal), req.headers.accept ?? '', operationName ?? '', JSON.stringify(body.variables ?? null), JSON.stringify(body.extensions ?? null), body.query].join('\n');
          const running = this.answers.get(key);
          if (running) {
            this.stats.shared++;
            void running.then((answer) => {
              if (answer) {
                res.status(answer.status).type(answer.type).end(answer.body);
                return;
              }
              this.stats.shared--;
              next();
            });
            return;
          }
          this.answers.set(key, capture(res, key, this.answers));
          next();
        },
        // A refused caller is refused by the request's own context, with the same error.
        () => next(),
      );
    };
  }

  /** Whether the document's operation is a query (cached by document). */
  private isQuery(query: string, operationName: string | undefined): boolean {
    const key = `${operationName ?? ''}\n${query}`;
    let kind = this.kinds.get(key);
    if (kind === undefined) {
      try {
        kind = getOperationAST(parse(query, { maxTokens: 10_000 }), operationName)?.operation === 'query';
      } catch {
        kind = false;
      }
      if (this.kinds.size >= KINDS_MAX) this.kinds.clear();
      this.kinds.set(key, kind);
    }
    return kind;
  }

  /** The gateway, with its executor wrapped. */
  wrap(gateway: GatewayInterface): GatewayInterface {
    return {
      load: async (options) => {
        const loaded = await gateway.load(options);
        return { ...loaded, executor: loaded.executor ? this.executor(loaded.executor) : null };
      },
      onSchemaLoadOrUpdate: (callback) => gateway.onSchemaLoadOrUpdate(callback),
      stop: () => gateway.stop(),
    };
  }

  private executor(execute: GatewayExecutor): GatewayExecutor {
    return (requestContext) => {
      const key = keyOf(requestContext);
      if (key === undefined) {
        this.stats.executed++;
        return execute(requestContext);
      }
      const running = this.inflight.get(key);
      if (running) {
        this.stats.shared++;
        // Each request gets its own result object; the data and errors are shared, read-only.
        return running.then((result) => ({ ...result }));
      }
      this.stats.executed++;
      const started = execute(requestContext);
      this.inflight.set(key, started);
      const forget = () => {
        if (this.inflight.get(key) === started) this.inflight.delete(key);
      };
      started.then(forget, forget);
      return started;
    };
  }
}

function principalKey(p: Principal | null): string {
  if (!p) return 'anonymous';
  return `${p.kind}:${p.apiKeyId ?? p.userId}:${[...p.roles].sort().join(',')}:${[...p.scopes].sort().join(',')}:${p.expiresAt ?? ''}`;
}

/** What makes two requests share an execution, or undefined when this one must run its own. */
function keyOf(requestContext: GatewayGraphQLRequestContext): string | undefined {
  if (requestContext.operation?.operation !== 'query') return undefined;
  const source = requestContext.source;
  if (!source) return undefined;
  const context = requestContext.context as unknown as GatewayContext;
  const variables = requestContext.request.variables ? JSON.stringify(requestContext.request.variables) : '';
  return `${principalKey(context.principal ?? null)}\n${requestContext.operationName ?? ''}\n${variables}\n${source}`;
}

/** Keeps what the response sends, for the requests that wait on it; forgets it once sent. */
function capture(res: Response, key: string, answers: Map<string, Promise<Answer | undefined>>): Promise<Answer | undefined> {
  const chunks: Buffer[] = [];
  const keep = (chunk: unknown) => {
    if (typeof chunk === 'string') chunks.push(Buffer.from(chunk));
    else if (Buffer.isBuffer(chunk)) chunks.push(chunk);
    else if (chunk instanceof Uint8Array) chunks.push(Buffer.from(chunk));
  };
  const write = res.write.bind(res) as (...args: unknown[]) => boolean;
  const end = res.end.bind(res) as (...args: unknown[]) => Response;
  res.write = ((...args: unknown[]) => {
    keep(args[0]);
    return write(...args);
  }) as Response['write'];
  res.end = ((...args: unknown[]) => {
    if (typeof args[0] !== 'function') keep(args[0]);
    return end(...args);
  }) as Response['end'];
  const answer = new Promise<Answer | undefined>((resolve) => {
    res.once('finish', () => resolve({ status: res.statusCode, type: String(res.getHeader('content-type') ?? 'application/json'), body: Buffer.concat(chunks) }));
    // A connection that went before its answer: the others run their own.
    res.once('close', () => resolve(undefined));
  });
  void answer.then(() => {
    if (answers.get(key) === answer) answers.delete(key);
  });
  return answer;
}

/** A subgraph's answer as read once, for each request that shares it to read again. */
interface Fetched {
  status: number;
  url: string;
  headers: Array<[string, string]>;
  body: string;
}

/**
 * Outbound in-flight deduplication: a fetch to a subgraph identical to one in flight
 * (same subgraph, same operation and variables, same signed caller, its signature's
 * times aside) waits for that one's answer instead of being sent; each waiting fetch
 * gets a response of its own made from the answer's text, so no two requests ever
 * share an object Apollo's executor merges into. Mutations are always sent.
 */
export class SharedFetches {
  private readonly inflight = new Map<string, Promise<Fetched>>();
  readonly stats = { shared: 0 };

  wrap(fetcher: Fetcher): Fetcher {
    return async (input, init) => {
      const body = typeof init?.body === 'string' ? init.body : undefined;
      const header = (init?.headers as Record<string, string> | undefined)?.[PRINCIPAL_HEADER];
      const caller = header ? callerOf(header) : undefined;
      if (!body || caller === undefined || !isQueryBody(body)) return fetcher(input, init);
      const key = `${String(input)}\n${caller}\n${body}`;
      let running = this.inflight.get(key);
      if (running) {
        this.stats.shared++;
      } else {
        const started = fetcher(input, init).then(async (r) => ({ status: r.status, url: r.url, headers: [...r.headers] as Array<[string, string]>, body: await r.text() }));
        const forget = () => {
          if (this.inflight.get(key) === started) this.inflight.delete(key);
        };
        started.then(forget, forget);
        this.inflight.set(key, started);
        running = started;
      }
      return responseOf(await running);
    };
  }
}

/** Each its own: json() parses the text again, so no two requests hold the same objects. */
function responseOf(f: Fetched): FetcherResponse {
  return subgraphResponse(f.url, f.status, f.headers, f.body);
}

/** The operation in a fetch's body is not a mutation (Apollo writes `{"query":"<operation>…`). */
function isQueryBody(body: string): boolean {
  const kind = /^\{"query":"\s*(\w+|\{)/.exec(body)?.[1];
  return kind === 'query' || kind === '{';
}

/** Who a signed caller header is for, without the times that make each signature unique. */
function callerOf(header: string): string | undefined {
  const payload = header.split('.')[1];
  if (!payload) return undefined;
  try {
    const { iat: _iat, exp: _exp, ...rest } = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    return JSON.stringify(rest);
  } catch {
    return undefined;
  }
}
