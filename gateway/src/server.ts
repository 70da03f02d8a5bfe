import type { IncomingMessage } from 'node:http';
import { ApolloGateway, type ServiceMap } from '@apollo/gateway';
import type { ApolloServerPlugin } from '@apollo/server';
import {
  DEFAULT_OPERATION_LIMITS,
  MAX_DOCUMENT_TOKENS,
  createKeyValueStore,
  apolloLogger,
  createLogger,
  formatError,
  hitRateLimit,
  inputGuard,
  isDomainError,
  MemoryStore,
  requestIdOf,
  ServiceUnavailableError,
  startGraphQLServer,
  type KeyValueStore,
  type Logger,
  type OperationLimits,
  type Principal,
  type ServiceHandle,
} from '@frontrow/kit';
import express from 'express';
import { GraphQLError, print, type ExecutionResult } from 'graphql';
import { Counter, Gauge } from 'prom-client';
import { Authenticator } from './auth';
import { listenForRevocations } from './revocations';
import { DEFAULT_COST_SETTINGS, costLimit, type CostSettings } from './cost';
import { SignedDataSource, type GatewayContext } from './datasource';
import { createSubgraphFetcher } from './subgraph-fetcher';
import { InflightDeduplication, SharedFetches } from './dedup';
import { mountExplorer } from './explorer';
import { mountSignedDownloads } from './files';
import { PersistedOperations, safelistMiddleware } from './safelist';
import { DEFAULT_SUBSCRIPTION_SETTINGS, SubscriptionLayer, type SubscriptionSettings } from './subscriptions';
import { routingUrls } from './supergraph';
import { mountTelemetryBeacon } from './telemetry';

export interface RateLimits {
  /** Requests per minute for a signed-in user or an API key. */
  perPrincipalPerMinute: number;
  /** Requests per minute for anonymous callers, per address. */
  anonymousPerMinute: number;
}

export interface GatewayOptions {
  port: number;
  host?: string;
  supergraphSdl: string;
  principalSecret: string;
  /** Routing URLs by subgraph name that replace the supergraph's (tests, deployments). */
  subgraphUrls?: Record<string, string>;
  /** Where identity serves its JWKS and API-key check; defaults to its routing URL's origin. */
  identityUrl?: string;
  redisUrl?: string;
  kv?: KeyValueStore;
  limits?: Partial<OperationLimits>;
  rateLimits?: Partial<RateLimits>;
  /** Honour X-Forwarded-For from this many proxies in front of the gateway. */
  trustProxy?: number;
  /** Origins whose pages may call the API from a browser; '*' for any (no cookies are used). */
  corsOrigins?: string[] | '*';
  subscriptions?: Partial<SubscriptionSettings>;
  /** How long a subgraph may take to answer one fetch, for queries and subscription events alike. */
  subgraphTimeoutMs?: number;
  /** Connections the gateway keeps open to each subgraph at most; more fetches at once wait for one (default DEFAULT_SUBGRAPH_CONNECTIONS). */
  subgraphConnections?: number;
  /** How long a verified API key is held (default API_KEY_CACHE_SECONDS; 0 asks identity every time). */
  apiKeyCacheMs?: number;
  /** How often the marks of the API keys behind open sockets are re-read (default 15 s; revocations.ts). */
  revocationSweepMs?: number;
  /** Identical queries of one caller (or of anonymous callers) in flight at once share one execution (default true; dedup.ts). */
  inflightDeduplication?: boolean;
  /** Identical query fetches to a subgraph for one caller in flight at once share one (default true; dedup.ts). */
  subgraphDeduplication?: boolean;
  /** What one operation may cost (cost.ts): fields, with lists counted per item. */
  cost?: Partial<CostSettings>;
  /**
   * The first-party clients' operations (safelist.ts), known by hash without registration;
   * gateway/persisted-operations.json, written by `npm run codegen`, unless told.
   */
  persistedOperations?: PersistedOperations;
  /** Refuse, over HTTP and graphql-ws, any operation not among them unless a developer's API key sends it (default false; decision 0028). */
  operationSafelist?: boolean;
  logger?: Logger;
}

/** How long a subgraph may take to answer one fetch, unless told. */
export const DEFAULT_SUBGRAPH_TIMEOUT_MS = 30_000;

/**
 * Connections to one subgraph at most: enough that the throughput bench's 50 callers never
 * wait for one (docs/benchmarks.md), few enough that a burst of callers reaches a subgraph
 * as a queue at the gateway rather than as thousands of sockets at once.
 */
export const DEFAULT_SUBGRAPH_CONNECTIONS = 128;

/** Largest request body the gateway reads. */
export const GATEWAY_BODY_LIMIT = '256kb';

export interface GatewayHandle extends ServiceHandle {
  /** graphql-ws clients at the same URL (ws://…/graphql). */
  wsUrl: string;
  subscriptions: SubscriptionLayer;
}

/**
 * Per caller first: a signed-in fan or a key has its own budget. Anonymous callers are
 * counted per address, generously, since a stadium's fans share one address.
 */
export const DEFAULT_RATE_LIMITS: RateLimits = { perPrincipalPerMinute: 600, anonymousPerMinute: 3000 };

export async function startGateway(opts: GatewayOptions): Promise<GatewayHandle> {
  const logger = opts.logger ?? createLogger('gateway');
  const urls = { ...routingUrls(opts.supergraphSdl), ...opts.subgraphUrls };
  const identityUrl = opts.identityUrl ?? (urls.identity ? new URL(urls.identity).origin : undefined);
  // Any Federation 2 supergraph can be served: without an identity service every caller
  // is anonymous, and a token or key is refused (UNAUTHENTICATED), never trusted unchecked.
  if (!identityUrl) logger.warn('the supergraph has no identity subgraph and IDENTITY_URL is not set: bearer tokens and API keys cannot be verified and are refused');
  const kv = opts.kv ?? createKeyValueStore(opts.redisUrl, logger);
  const auth = new Authenticator(identityUrl, opts.principalSecret, kv, opts.apiKeyCacheMs);
  const rates: Rates = { ...DEFAULT_RATE_LIMITS, ...opts.rateLimits, local: new MemoryStore() };
  const limits = { ...DEFAULT_OPERATION_LIMITS, ...opts.limits };

  // One data source per subgraph, for queries and for the entity fetches of subscription events.
  const timeoutMs = opts.subgraphTimeoutMs ?? DEFAULT_SUBGRAPH_TIMEOUT_MS;
  const shared = opts.subgraphDeduplication === false ? undefined : new SharedFetches();
  const http = createSubgraphFetcher({ connectionsPerSubgraph: opts.subgraphConnections ?? DEFAULT_SUBGRAPH_CONNECTIONS });
  const source = (name: string, url: string) => new SignedDataSource(url, opts.principalSecret, timeoutMs, name, http.fetcher, shared);
  const dataSources: ServiceMap = Object.fromEntries(Object.entries(urls).map(([name, url]) => [name, source(name, url)]));
  const gateway = new ApolloGateway({
    supergraphSdl: opts.supergraphSdl,
    logger: apolloLogger(logger),
    buildService: ({ name, url }) => dataSources[name] ?? source(name, url ?? ''),
  });

  const persisted = opts.persistedOperations ?? PersistedOperations.fromFile();
  const safelist = opts.operationSafelist === true;
  const dedup = opts.inflightDeduplication === false ? undefined : new InflightDeduplication();
  // Who is calling, once per request (its rate limit counted once): the request's
  // context and the deduplication in front of Apollo Server share it.
  const callers = new WeakMap<object, Promise<Principal | null>>();
  const identify = (req: express.Request): Promise<Principal | null> => {
    let caller = callers.get(req);
    if (!caller) {
      const clientIp = req.ip ?? req.socket.remoteAddress ?? 'unknown';
      caller = auth.fromHeaders(req.headers.authorization, headerValue(req, 'x-api-key')).then(async (principal) => {
        await rateLimit(kv, rates, principal, clientIp);
        return principal;
      });
      callers.set(req, caller);
    }
    return caller;
  };

  const subscriptions = new SubscriptionLayer({
    supergraphSdl: opts.supergraphSdl,
    subgraphUrls: urls,
    dataSources,
    principalSecret: opts.principalSecret,
    auth,
    limits,
    logger: logger.child({ part: 'subscriptions' }),
    settings: { ...DEFAULT_SUBSCRIPTION_SETTINGS, trustProxy: opts.trustProxy ?? 0, ...opts.subscriptions },
    admit: (ctx) => rateLimit(kv, rates, ctx.principal, ctx.clientIp),
    persisted,
    safelist,
  });

  // Listening before the first socket opens: a revocation announced from now on closes it.
  const revocations = await listenForRevocations({ kv, auth, subscriptions, logger, sweepMs: opts.revocationSweepMs });

  const handle = await startGraphQLServer<GatewayContext>({
    name: 'gateway',
    port: opts.port,
    host: opts.host,
    logger,
    serve: { gateway: dedup ? dedup.wrap(gateway) : gateway },
    // The explorer reads the schema.
    introspection: true,
    maxTokens: MAX_DOCUMENT_TOKENS,
    // The listed operations are known by hash from the start (decision 0028).
    persistedQueries: { cache: persisted.apqCache() },
    formatError: (formatted, error) => {
      // A subgraph's error was already made safe by the subgraph's own formatError
      // (internal details hidden there); keep its message and reason.
      if (formatted.extensions?.serviceName && typeof formatted.extensions.code === 'string') {
        const { stacktrace: _s, exception: _e, ...extensions } = formatted.extensions;
        return { ...formatted, extensions };
      }
      return formatError(formatted, error);
    },
    plugins: [subscriptionsOverHttpRefused(), costLimit<GatewayContext>({ ...DEFAULT_COST_SETTINGS, ...opts.cost })],
    routes(app) {
      app.set('trust proxy', opts.trustProxy ?? false);
      // Answers to POSTed operations are not revalidated by ETag; hashing each (tens of
      // kilobytes for a large query) cost the gateway a few percent of its time.
      app.set('etag', false);
      mountExplorer(app);
      mountSignedDownloads(app, urls, logger);
      app.use('/telemetry', cors(opts.corsOrigins ?? '*'));
      mountTelemetryBeacon(app, {
        url: urls.telemetry,
        auth,
        principalSecret: opts.principalSecret,
        admit: (principal, clientIp) => rateLimit(kv, rates, principal, clientIp),
        logger,
        timeoutMs,
      });
    },
    graphqlMiddleware: [
      cors(opts.corsOrigins ?? '*'),
      express.json({ limit: GATEWAY_BODY_LIMIT }),
      // Before anything reads the document: an unlisted one is refused unparsed.
      ...(safelist ? [safelistMiddleware(persisted, identify)] : []),
      // Limits and input text are checked before GraphQL's own validation and planning.
      inputGuard({ limits }),
      ...(dedup ? [dedup.middleware(identify)] : []),
    ],
    async context(req) {
      const requestId = requestIdOf(req);
      const clientIp = req.ip ?? req.socket.remoteAddress ?? 'unknown';
      const principal = await identify(req);
      const log = logger.child({ requestId, userId: principal?.userId });
      return { principal, clientIp, requestId, log };
    },
    websocket(server, apollo) {
      // Queries and mutations sent over the socket run through the gateway's usual path.
      subscriptions.attach(server, async (args, ctx) => {
        // A listed operation goes by its hash: Apollo Server takes its validated document
        // from its store without printing, hashing or parsing it again.
        const listed = args.document.loc ? persisted.byTextOf(args.document.loc.source.body) : undefined;
        const request = listed
          ? { extensions: { persistedQuery: { version: 1, sha256Hash: listed.hash } } }
          : { query: print(args.document) };
        const res = await apollo.executeOperation(
          { ...request, variables: args.variableValues ?? undefined, operationName: args.operationName ?? undefined },
          // A context of its own (the subscription context's logger is a getter on its class).
          { contextValue: { principal: ctx.principal, clientIp: ctx.clientIp, requestId: ctx.requestId, log: ctx.log } },
        );
        if (res.body.kind === 'single') return res.body.singleResult as ExecutionResult;
        return { errors: [new GraphQLError('Incremental delivery is not served over WebSocket.', { extensions: { code: 'BAD_USER_INPUT' } })] };
      });
      return { dispose: () => subscriptions.close() };
    },
    async onStop() {
      await revocations.stop();
      await http.close();
      if (!opts.kv) await kv.close();
    },
  });
  new Gauge({
    name: 'gateway_subscriptions',
    help: 'Client subscriptions open over graphql-ws',
    registers: [handle.metrics.registry],
    collect() {
      this.set(subscriptions.stats().subscriptions);
    },
  });
  new Gauge({
    name: 'gateway_upstream_subscription_streams',
    help: 'Upstream subscription streams of events to subgraphs (one per document and variables for a @callerIndependent field, else per caller)',
    registers: [handle.metrics.registry],
    collect() {
      this.set(subscriptions.stats().upstreamStreams);
    },
  });
  new Gauge({
    name: 'gateway_upstream_admission_streams',
    help: 'Upstream admission streams: one per subscriber of a shared stream, carrying no events',
    registers: [handle.metrics.registry],
    collect() {
      this.set(subscriptions.stats().admissions);
    },
  });
  new Gauge({
    name: 'gateway_subscriptions_awaiting_admission',
    help: 'Subscribers of shared streams that the owning subgraph has not admitted yet (their events are held)',
    registers: [handle.metrics.registry],
    collect() {
      this.set(subscriptions.stats().awaitingAdmission);
    },
  });
  new Counter({
    name: 'gateway_subscription_events_written_straight_total',
    help: 'Subscription events serialized once for many subscribers and written straight to their sockets (the rest go through graphql-ws one by one)',
    registers: [handle.metrics.registry],
    collect() {
      this.reset();
      this.inc(subscriptions.stats().writtenStraight);
    },
  });
  if (shared) {
    new Counter({
      name: 'gateway_subgraph_fetches_shared_total',
      help: 'Fetches to subgraphs answered by an identical fetch of the same caller already in flight (outbound deduplication)',
      registers: [handle.metrics.registry],
      collect() {
        this.reset();
        this.inc(shared.stats.shared);
      },
    });
  }
  if (dedup) {
    new Counter({
      name: 'gateway_inflight_shared_total',
      help: 'Queries answered by an identical query of the same caller already in flight (inbound deduplication)',
      registers: [handle.metrics.registry],
      collect() {
        this.reset();
        this.inc(dedup.stats.shared);
      },
    });
  }
  logger.info({ url: handle.url, explorer: handle.url.replace(/\/graphql$/, '/explorer') }, 'gateway ready');
  return { ...handle, wsUrl: handle.url.replace(/^http/, 'ws'), subscriptions };
}

/** The limits, and where this gateway counts alone while Redis cannot be reached. */
type Rates = RateLimits & { local: KeyValueStore };

/**
 * Counts the caller's request against their limit, in Redis, shared by every gateway.
 * While Redis cannot be reached, each gateway counts in its own memory instead: the
 * API stays up and limited (per gateway) rather than refusing every request
 * (platform/test/faults-redis.test.ts, decision 0027).
 */
async function rateLimit(kv: KeyValueStore, rates: Rates, principal: Principal | null, ip: string): Promise<void> {
  const key = principal ? `gw:${principal.apiKeyId ? `key:${principal.apiKeyId}` : `user:${principal.userId}`}` : `gw:ip:${ip}`;
  const max = principal ? rates.perPrincipalPerMinute : rates.anonymousPerMinute;
  try {
    await hitRateLimit(kv, key, max, 60).catch((e: unknown) => {
      if (e instanceof ServiceUnavailableError) return hitRateLimit(rates.local, key, max, 60);
      throw e;
    });
  } catch (e) {
    if (isDomainError(e) && e.code === 'RATE_LIMITED') {
      throw new GraphQLError(e.message, {
        extensions: { code: 'RATE_LIMITED', ...(e as { details?: object }).details, http: { status: 429 } },
      });
    }
    throw e;
  }
}

/**
 * Browsers on other origins (the web and admin clients, developers' pages) may call
 * the API. Credentials travel in headers, never cookies, so no origin gains ambient
 * authority from this.
 */
function cors(origins: string[] | '*'): express.RequestHandler {
  return (req, res, next) => {
    const origin = req.headers.origin;
    if (origin && (origins === '*' || origins.includes(origin))) {
      res.set('access-control-allow-origin', origins === '*' ? '*' : origin);
      res.set('vary', 'origin');
      res.set('access-control-allow-headers', 'content-type, authorization, x-api-key, apollo-require-preflight, x-request-id');
      res.set('access-control-allow-methods', 'GET, POST, OPTIONS');
      res.set('access-control-max-age', '600');
    }
    if (req.method === 'OPTIONS') {
      res.status(204).end();
      return;
    }
    next();
  };
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return typeof v === 'string' && v.length ? v : undefined;
}


/** Subscriptions are served over WebSocket; over HTTP they get a clear error, not a 500. */
function subscriptionsOverHttpRefused(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation }) {
          if (operation?.operation === 'subscription') {
            throw new GraphQLError('Subscriptions are served over WebSocket (graphql-ws) at this same /graphql URL.', {
              extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } },
            });
          }
        },
      };
    },
  };
}
