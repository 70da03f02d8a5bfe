import type { IncomingMessage, Server } from 'node:http';
import { Supergraph, operationFromDocument, type Schema } from '@apollo/federation-internals';
import { QueryPlanner, type FetchNode, type PlanNode } from '@apollo/query-planner';
import {
  MAX_DOCUMENT_TOKENS,
  PRINCIPAL_HEADER,
  checkLimits,
  checkLiterals,
  checkVariables,
  formatError,
  signCaller,
  type Logger,
  type OperationLimits,
  type Principal,
} from '@frontrow/kit';
import {
  GraphQLError,
  Kind,
  execute,
  getOperationAST,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type FormattedExecutionResult,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { getVariableValues } from 'graphql/execution/values';
import { createClient, type Client } from 'graphql-ws';
import { useServer } from '@frontrow/kit';
import WebSocket, { WebSocketServer } from 'ws';
import type { Authenticator } from './auth';
import { executePlan, unsupportedIn, type FetchReply, type FetchRequest } from './plan';

/** The close code for a connection whose access token expired: reconnect with a fresh one. */
export const TOKEN_EXPIRED_CLOSE = 4401;

export interface SubscriptionSettings {
  /** Largest message a client may send, in bytes (larger: the socket closes with 1009). */
  maxMessageBytes: number;
  /** Largest message accepted from a subgraph, in bytes. */
  maxUpstreamMessageBytes: number;
  /** How often clients are pinged; one that missed a pong by the next ping is dropped. */
  keepAliveMs: number;
  /** Time allowed for connection_init (graphql-ws closes with 4408 after it). */
  connectionInitWaitMs: number;
  /** Events queued for a client that reads slower than they come; beyond it the client is dropped. */
  maxQueuedEvents: number;
  /** Longest wait between attempts to re-open an upstream stream after its subgraph went away. */
  maxRetryDelayMs: number;
  /** Longest wait for a subgraph's answer to an entity fetch that completes an event. */
  fetchTimeoutMs: number;
  /** Proxies in front of the gateway whose X-Forwarded-For is believed (as for HTTP). */
  trustProxy: number;
}

export const DEFAULT_SUBSCRIPTION_SETTINGS: SubscriptionSettings = {
  maxMessageBytes: 64 * 1024,
  maxUpstreamMessageBytes: 1024 * 1024,
  keepAliveMs: 15_000,
  connectionInitWaitMs: 5_000,
  maxQueuedEvents: 500,
  maxRetryDelayMs: 5_000,
  fetchTimeoutMs: 10_000,
  trustProxy: 0,
};

export interface ConnectionState extends Record<PropertyKey, unknown> {
  principal: Principal | null;
  clientIp: string;
  expiry?: NodeJS.Timeout;
}

export interface WsContext {
  principal: Principal | null;
  clientIp: string;
  requestId: string;
  log: Logger;
}

export interface SubscriptionLayerOptions {
  supergraphSdl: string;
  /** Routing URLs by subgraph name (HTTP; the WebSocket URL is derived from it). */
  subgraphUrls: Record<string, string>;
  principalSecret: string;
  auth: Authenticator;
  limits: OperationLimits;
  logger: Logger;
  settings?: Partial<SubscriptionSettings>;
  /** Queries and mutations sent over the socket run through the gateway's usual path. */
  runOperation(args: ExecutionArgs, ctx: WsContext): Promise<ExecutionResult>;
  /** Called for each operation a client starts over the socket (rate limits). */
  admit?(ctx: WsContext): Promise<void>;
}

interface Prepared {
  /** The operation's text and name: what makes two subscriptions the same. */
  key: string;
  document: DocumentNode;
  operation: OperationDefinitionNode;
  primary: FetchNode;
  rest?: PlanNode;
}

/**
 * Subscriptions for the supergraph, which @apollo/gateway does not serve: graphql-ws
 * on the gateway's own `/graphql`. A subscription is planned by Apollo's query planner
 * against the supergraph; its primary fetch (the root field) is forwarded to the
 * subgraph that owns it, with the caller's signed principal, and each event then runs
 * the rest of the plan (fields other subgraphs own) before it is shaped to what the
 * client asked for. Identical subscriptions of the same caller share one upstream
 * stream; all upstream streams to a subgraph share one connection.
 */
export class SubscriptionLayer {
  private readonly settings: SubscriptionSettings;
  private readonly supergraph: Supergraph;
  private readonly apiSchema: Schema;
  private readonly schema: GraphQLSchema;
  private readonly planner: QueryPlanner;
  /** Valid documents by their text (at most 500, the oldest dropped first). */
  private readonly documents = new Map<string, DocumentNode>();
  /** Plans by operation text, the most recently used kept (at most 500). */
  private readonly plans = new Map<string, Prepared>();
  private readonly upstreams = new Map<string, Client>();
  private readonly streams = new Map<string, SharedStream>();
  private wss?: WebSocketServer;
  private clients = 0;

  constructor(private readonly opts: SubscriptionLayerOptions) {
    this.settings = { ...DEFAULT_SUBSCRIPTION_SETTINGS, ...opts.settings };
    this.supergraph = Supergraph.build(opts.supergraphSdl);
    this.apiSchema = this.supergraph.apiSchema();
    this.schema = this.apiSchema.toGraphQLJSSchema();
    this.planner = new QueryPlanner(this.supergraph);
  }

  /** Client subscriptions open now, and the upstream streams that serve them. */
  stats(): { clients: number; subscriptions: number; upstreamStreams: number } {
    let subscriptions = 0;
    for (const s of this.streams.values()) subscriptions += s.size;
    return { clients: this.clients, subscriptions, upstreamStreams: this.streams.size };
  }

  attach(server: Server): void {
    const wss = new WebSocketServer({ server, path: '/graphql', maxPayload: this.settings.maxMessageBytes });
    this.wss = wss;
    const log = this.opts.logger;
    useServer<Record<string, unknown> | undefined, ConnectionState>(
      {
        schema: this.schema,
        connectionInitWaitTimeout: this.settings.connectionInitWaitMs,
        // Close reasons name no internal error.
        isProd: true,
        onConnect: async (ctx) => {
          const params = ctx.connectionParams ?? {};
          const authorization = stringParam(params, 'authorization') ?? stringParam(params, 'Authorization');
          const apiKey = stringParam(params, 'apiKey') ?? stringParam(params, 'x-api-key');
          let principal: Principal | null;
          try {
            principal = await this.opts.auth.fromHeaders(authorization, apiKey);
          } catch {
            return false; // graphql-ws closes with 4403 Forbidden
          }
          ctx.extra.principal = principal;
          ctx.extra.clientIp = clientIpOf(ctx.extra.request, this.settings.trustProxy);
          this.clients++;
          if (principal?.expiresAt) {
            // No one keeps listening on a dead credential: at expiry the socket closes,
            // and the client reconnects with a fresh token.
            const ms = Math.max(0, principal.expiresAt * 1000 - Date.now());
            ctx.extra.expiry = setTimeout(() => ctx.extra.socket.close(TOKEN_EXPIRED_CLOSE, 'Access token expired'), Math.min(ms, 2 ** 31 - 1));
            ctx.extra.expiry.unref();
          }
          return true;
        },
        onClose: (ctx) => {
          if (ctx.extra.expiry) clearTimeout(ctx.extra.expiry);
          if (ctx.acknowledged) this.clients--;
        },
        onSubscribe: async (ctx, id, payload) => {
          const wsCtx: WsContext = {
            principal: ctx.extra.principal ?? null,
            clientIp: ctx.extra.clientIp ?? 'unknown',
            requestId: `ws-${id}`,
            log: log.child({ requestId: `ws-${id}`, userId: ctx.extra.principal?.userId }),
          };
          try {
            await this.opts.admit?.(wsCtx);
          } catch (e) {
            return [asGraphQLError(e)];
          }
          try {
            checkVariables(payload.variables);
          } catch (e) {
            return [asGraphQLError(e)];
          }
          // Thousands of fans send the same few documents: each text is parsed and validated once.
          let document = this.documents.get(payload.query);
          if (!document) {
            try {
              document = parse(payload.query, { maxTokens: MAX_DOCUMENT_TOKENS });
            } catch (e) {
              return [new GraphQLError((e as Error).message, { extensions: { code: 'BAD_USER_INPUT' } })];
            }
            try {
              // Before GraphQL's own rules, some of which cost the square of the document.
              checkLimits(document, this.opts.limits);
              checkLiterals(document);
            } catch (e) {
              return [asGraphQLError(e)];
            }
            const errors = validate(this.schema, document, specifiedRules);
            if (errors.length) return errors.map(withCode);
            this.documents.set(payload.query, document);
            if (this.documents.size > 500) this.documents.delete(this.documents.keys().next().value!);
          }
          const operation = getOperationAST(document, payload.operationName);
          if (!operation) return [new GraphQLError('Name the operation to run.', { extensions: { code: 'BAD_USER_INPUT' } })];
          const coerced = getVariableValues(this.schema, operation.variableDefinitions ?? [], payload.variables ?? {});
          if (coerced.errors) return coerced.errors.map(withCode);
          return {
            schema: this.schema,
            document,
            operationName: payload.operationName ?? undefined,
            variableValues: payload.variables ?? {},
            contextValue: wsCtx,
          };
        },
        execute: (args) => this.opts.runOperation(args, args.contextValue as WsContext),
        subscribe: (args) => this.subscribe(args),
        onNext: (_ctx, _id, _payload, _args, result) => {
          if (!result.errors?.length) return;
          return { ...result, errors: result.errors.map((e) => formatError(e instanceof GraphQLError ? e.toJSON() : e, e)) };
        },
        onError: (_ctx, _id, _payload, errors) => errors.map((e) => formatError(e.toJSON(), e)),
      },
      wss,
      // graphql-ws pings every client this often and drops one that missed the last pong.
      this.settings.keepAliveMs,
      this.opts.logger,
    );
  }

  private prepare(document: DocumentNode, operationName: string | undefined): Prepared {
    const key = `${operationName ?? ''}\n${document.loc?.source.body ?? JSON.stringify(document)}`;
    const cached = this.plans.get(key);
    if (cached) {
      this.plans.delete(key);
      this.plans.set(key, cached);
      return cached;
    }
    const operation = getOperationAST(document, operationName);
    if (!operation) throw new GraphQLError('Name the operation to run.', { extensions: { code: 'BAD_USER_INPUT' } });
    const plan = this.planner.buildQueryPlan(operationFromDocument(this.apiSchema, document, { operationName }));
    if (plan.node?.kind !== 'Subscription') throw new Error('the query planner produced no subscription plan');
    const why = unsupportedIn(plan.node.rest);
    if (why) throw new GraphQLError(`This subscription needs ${why}, which the gateway does not execute.`, { extensions: { code: 'BAD_USER_INPUT' } });
    const prepared: Prepared = { key, document, operation, primary: plan.node.primary, rest: plan.node.rest };
    this.plans.set(key, prepared);
    if (this.plans.size > 500) this.plans.delete(this.plans.keys().next().value!);
    return prepared;
  }

  private subscribe(args: ExecutionArgs): AsyncIterableIterator<ExecutionResult> | ExecutionResult {
    const ctx = args.contextValue as WsContext;
    let prepared: Prepared;
    try {
      prepared = this.prepare(args.document, args.operationName ?? undefined);
    } catch (e) {
      return { errors: [asGraphQLError(e)] };
    }
    const variables = (args.variableValues ?? {}) as Record<string, unknown>;
    const key = [principalKey(ctx.principal), args.operationName ?? '', args.document.loc?.source.body ?? '', stableJson(variables)].join('\n');
    let stream = this.streams.get(key);
    if (!stream) {
      stream = new SharedStream(this, key, prepared, variables, ctx);
      this.streams.set(key, stream);
      stream.open();
    }
    return stream.join(this.settings.maxQueuedEvents);
  }

  /** @internal */
  forget(stream: SharedStream): void {
    if (this.streams.get(stream.key) === stream) this.streams.delete(stream.key);
  }

  /** @internal One connection per subgraph, carrying every upstream stream to it. */
  upstream(serviceName: string): Client {
    let client = this.upstreams.get(serviceName);
    if (client) return client;
    const url = this.opts.subgraphUrls[serviceName];
    if (!url) throw new Error(`no routing URL for subgraph ${serviceName}`);
    const maxPayload = this.settings.maxUpstreamMessageBytes;
    class LimitedWebSocket extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols, { maxPayload });
      }
    }
    client = createClient({
      url: url.replace(/^http/, 'ws'),
      webSocketImpl: LimitedWebSocket,
      lazy: true,
      lazyCloseTimeout: 1_000,
      keepAlive: 10_000,
      // Streams re-open themselves (with fresh signatures): see SharedStream.
      retryAttempts: 0,
      // The connection proves it comes from the gateway; each subscription names its caller.
      connectionParams: async () => ({ [PRINCIPAL_HEADER]: await signCaller({ principal: null }, this.opts.principalSecret) }),
    });
    this.upstreams.set(serviceName, client);
    return client;
  }

  /** @internal An entity fetch of a plan, over HTTP like any query of the gateway. Never throws: a failure is an error reply. */
  async fetch(request: FetchRequest, principal: Principal | null, clientIp: string, requestId: string): Promise<FetchReply> {
    const url = this.opts.subgraphUrls[request.serviceName];
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-request-id': requestId,
          [PRINCIPAL_HEADER]: await signCaller({ principal, clientIp }, this.opts.principalSecret),
        },
        body: JSON.stringify({ query: request.query, operationName: request.operationName, variables: request.variables }),
        signal: AbortSignal.timeout(this.settings.fetchTimeoutMs),
      });
      if (!res.headers.get('content-type')?.includes('json')) {
        return { errors: [{ message: `The ${request.serviceName} service failed to answer.`, extensions: { code: 'INTERNAL_SERVER_ERROR' } }] };
      }
      return (await res.json()) as FetchReply;
    } catch (err) {
      this.opts.logger.warn({ err, service: request.serviceName, requestId }, 'entity fetch for a subscription event failed');
      return { errors: [{ message: `The ${request.serviceName} service did not answer in time.`, extensions: { code: 'INTERNAL_SERVER_ERROR' } }] };
    }
  }

  private readonly shaped = new Map<string, Promise<ExecutionResult>>();

  /** @internal shape() for events that need nothing from other subgraphs, remembered for the streams that carry the same event. */
  shapeOnce(prepared: Prepared, data: Record<string, unknown>, variables: Record<string, unknown>, variablesKey: string): Promise<ExecutionResult> {
    const key = `${prepared.key}\n${variablesKey}\n${JSON.stringify(data)}`;
    let result = this.shaped.get(key);
    if (!result) {
      result = this.shape(prepared, data, variables);
      this.shaped.set(key, result);
      if (this.shaped.size > 256) this.shaped.delete(this.shaped.keys().next().value!);
    }
    return result;
  }

  /** @internal Shapes an event to the client's selection (aliases, fragments, __typename). */
  async shape(prepared: Prepared, data: Record<string, unknown>, variables: Record<string, unknown>): Promise<ExecutionResult> {
    return execute({
      schema: this.schema,
      document: { kind: Kind.DOCUMENT, definitions: [prepared.operation, ...prepared.document.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION)] },
      rootValue: data,
      variableValues: variables,
      fieldResolver: (source, _args, _ctx, info) => (source as Record<string, unknown> | null)?.[String(info.path.key)],
      typeResolver: (value) => (value as { __typename?: string }).__typename,
    });
  }

  get retryCeilingMs(): number {
    return this.settings.maxRetryDelayMs;
  }

  get logger(): Logger {
    return this.opts.logger;
  }

  get secret(): string {
    return this.opts.principalSecret;
  }

  async close(): Promise<void> {
    for (const s of [...this.streams.values()]) s.end();
    for (const socket of this.wss?.clients ?? []) socket.close(1001, 'Server shutting down');
    await new Promise<void>((resolve) => (this.wss ? this.wss.close(() => resolve()) : resolve()));
    await Promise.all([...this.upstreams.values()].map((c) => c.dispose()));
    this.upstreams.clear();
  }
}

/** A client's end of a shared stream: events queued until the client reads them. */
class Subscriber implements AsyncIterableIterator<ExecutionResult> {
  private readonly queue: ExecutionResult[] = [];
  private waiting?: (r: IteratorResult<ExecutionResult>) => void;
  private done = false;

  constructor(
    private readonly limit: number,
    private readonly onLeave: (s: Subscriber) => void,
  ) {}

  push(result: ExecutionResult): void {
    if (this.done) return;
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = undefined;
      w({ value: result, done: false });
      return;
    }
    if (this.queue.length >= this.limit) {
      // A client this far behind is gone or hopeless; it resubscribes and reads a snapshot.
      this.queue.length = 0;
      this.queue.push({ errors: [new GraphQLError('Too many undelivered events: the subscription ended.', { extensions: { code: 'RATE_LIMITED' } })] });
      this.finish();
      return;
    }
    this.queue.push(result);
  }

  /** Ends after what is queued has been read. */
  finish(): void {
    if (this.done) return;
    this.done = true;
    this.onLeave(this);
    if (this.waiting && !this.queue.length) {
      const w = this.waiting;
      this.waiting = undefined;
      w({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<ExecutionResult>> {
    if (this.queue.length) return Promise.resolve({ value: this.queue.shift()!, done: false });
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiting = resolve));
  }

  return(): Promise<IteratorResult<ExecutionResult>> {
    this.queue.length = 0;
    this.finish();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<ExecutionResult> {
    return this;
  }
}

/** One upstream subscription and the clients it serves. */
class SharedStream {
  private readonly subscribers = new Set<Subscriber>();
  private stopUpstream?: () => void;
  private chain: Promise<void> = Promise.resolve();
  private attempts = 0;
  private retry?: NodeJS.Timeout;
  private ended = false;

  private readonly variablesKey: string;

  constructor(
    private readonly layer: SubscriptionLayer,
    readonly key: string,
    private readonly prepared: Prepared,
    private readonly variables: Record<string, unknown>,
    private readonly ctx: WsContext,
  ) {
    this.variablesKey = stableJson(variables);
  }

  get size(): number {
    return this.subscribers.size;
  }

  join(limit: number): Subscriber {
    const s = new Subscriber(limit, (gone) => this.leave(gone));
    this.subscribers.add(s);
    return s;
  }

  private leave(s: Subscriber): void {
    this.subscribers.delete(s);
    if (!this.subscribers.size) this.end();
  }

  open(): void {
    if (this.ended) return;
    const { primary } = this.prepared;
    const variables: Record<string, unknown> = {};
    for (const name of primary.variableUsages ?? []) if (name in this.variables) variables[name] = this.variables[name];
    void signCaller({ principal: this.ctx.principal, clientIp: this.ctx.clientIp }, this.layer.secret).then((signed) => {
      if (this.ended) return;
      let client: Client;
      try {
        client = this.layer.upstream(primary.serviceName);
      } catch (e) {
        this.failAll(asGraphQLError(e));
        return;
      }
      this.stopUpstream = client.subscribe<Record<string, unknown>>(
        { query: primary.operation, operationName: primary.operationName, variables, extensions: { [PRINCIPAL_HEADER]: signed } },
        {
          next: (result) => {
            this.attempts = 0;
            this.chain = this.chain
              .then(() => this.deliver(result as FormattedExecutionResult<Record<string, unknown>>))
              .catch((err: unknown) => {
                // Every subscriber hears of every event: when one cannot be completed it
                // arrives as an error, never as silence.
                this.layer.logger.error({ err }, 'could not complete a subscription event');
                const error = new GraphQLError('This event could not be completed; it was skipped.', { extensions: { code: 'INTERNAL_SERVER_ERROR' } });
                for (const s of this.subscribers) s.push({ errors: [error] });
              });
          },
          error: (err) => this.upstreamFailed(err),
          complete: () => {
            // The subgraph ended it (a kicked member, a deleted party): so do the clients, after what is on its way.
            this.chain = this.chain.then(() => this.end());
          },
        },
      );
    });
  }

  private async deliver(result: FormattedExecutionResult<Record<string, unknown>>): Promise<void> {
    const errors = (result.errors ?? []).map((e) => new GraphQLError(e.message, { path: e.path, extensions: e.extensions }));
    let out: ExecutionResult;
    if (!result.data) {
      out = { errors };
    } else if (!this.prepared.rest && !errors.length) {
      // Nothing to add from other subgraphs: the result depends only on the event and the
      // document, so the streams that carry the same event share one.
      out = await this.layer.shapeOnce(this.prepared, result.data, this.variables, this.variablesKey);
    } else {
      const data = result.data as Record<string, never>;
      if (this.prepared.rest) {
        await executePlan(this.prepared.rest, data, {
          variables: this.variables,
          errors,
          fetch: (request) => this.layer.fetch(request, this.ctx.principal, this.ctx.clientIp, this.ctx.requestId),
        });
      }
      const shaped = await this.layer.shape(this.prepared, data, this.variables);
      out = errors.length || shaped.errors?.length ? { ...shaped, errors: [...errors, ...(shaped.errors ?? [])] } : shaped;
    }
    for (const s of this.subscribers) s.push(out);
  }

  private upstreamFailed(err: unknown): void {
    if (this.ended) return;
    if (Array.isArray(err)) {
      // The subgraph refused the operation itself: tell the clients and stop.
      this.failAll(...err.map((e: { message: string; extensions?: Record<string, unknown> }) => new GraphQLError(e.message, { extensions: e.extensions })));
      return;
    }
    // The connection went away (a subgraph restart): open the stream again, backing off.
    this.stopUpstream = undefined;
    const delay = Math.min(this.layer.retryCeilingMs, 100 * 2 ** this.attempts++);
    this.layer.logger.warn({ key: this.key.split('\n')[1], delay }, 'upstream subscription lost; re-opening');
    this.retry = setTimeout(() => this.open(), delay);
  }

  private failAll(...errors: GraphQLError[]): void {
    for (const s of this.subscribers) s.push({ errors });
    this.end();
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.retry) clearTimeout(this.retry);
    this.stopUpstream?.();
    this.layer.forget(this);
    for (const s of [...this.subscribers]) s.finish();
    this.subscribers.clear();
  }
}

function stringParam(params: Record<string, unknown>, name: string): string | undefined {
  const v = params[name];
  return typeof v === 'string' && v.length ? v : undefined;
}

/**
 * The client's address as Express computes it with `trust proxy` set to a number of
 * hops: the peer, then X-Forwarded-For from the right, skipping the trusted proxies.
 */
export function clientIpOf(req: IncomingMessage, trustedHops: number): string {
  const peer = req.socket.remoteAddress ?? 'unknown';
  if (trustedHops <= 0) return peer;
  const header = req.headers['x-forwarded-for'];
  const forwarded = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .reverse();
  const chain = [peer, ...forwarded];
  return chain[Math.min(trustedHops, chain.length - 1)];
}

function principalKey(p: Principal | null): string {
  if (!p) return 'anonymous';
  return `${p.kind}:${p.apiKeyId ?? p.userId}:${[...p.roles].sort().join(',')}:${[...p.scopes].sort().join(',')}`;
}

function stableJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b))) : v,
  );
}

function withCode(e: GraphQLError): GraphQLError {
  return e.extensions?.code ? e : new GraphQLError(e.message, { nodes: e.nodes, extensions: { ...e.extensions, code: 'BAD_USER_INPUT' } });
}

function asGraphQLError(e: unknown): GraphQLError {
  if (e instanceof GraphQLError) return e;
  return new GraphQLError('Internal server error.', { originalError: e instanceof Error ? e : undefined, extensions: { code: 'INTERNAL_SERVER_ERROR' } });
}
