import type { BusTransport } from './bus';
import type { DeliveryMode } from './delivery';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, type ApolloServerOptions, type ApolloServerOptionsWithGateway, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginInlineTraceDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginInlineTrace } from '@apollo/server/plugin/inlineTrace';
import { expressMiddleware } from '@as-integrations/express5';
import express, { type Express, type Request, type RequestHandler } from 'express';
import { GraphQLError, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import { formatError, isDatabaseUnavailable, isDomainError } from './errors';
import { inputGuard, isServiceSdlQuery } from './guard';
import { errorBody, jsonErrorHandlers } from './http';
import { DEFAULT_OPERATION_LIMITS, MAX_DOCUMENT_TOKENS, SUBGRAPH_DEPTH_ALLOWANCE, type OperationLimits } from './limits';
import { apolloLogger, type Logger } from './logger';
import { createMetrics, type ServiceMetrics } from './metrics';
import { PRINCIPAL_HEADER, verifyCaller, type Caller, type Principal } from './principal';
import { nameActiveSpan, traceRequests } from './tracing';

export interface RequestBase {
  principal: Principal | null;
  /** The client's address as the gateway saw it (or the peer's, for a direct call). */
  clientIp: string;
  requestId: string;
  log: Logger;
  /** A subscription's delivery mode, when the gateway asked for one (delivery.ts). */
  delivery?: DeliveryMode;
  /** A subscription the gateway re-opens after losing it: begin with what a subscriber needs to catch up (delivery.ts). */
  resumed?: boolean;
}

/**
 * What every subgraph's `start()` takes; each adds its own settings. Without
 * `databaseUrl` a subgraph starts an embedded PostgreSQL of its own (in
 * `embeddedDataDir`, or a temporary folder); without `amqpUrl` or `transport` it runs
 * on the in-process bus stand-in.
 */
export interface SubgraphOptions {
  /** 0 picks a free port. */
  port: number;
  host?: string;
  /** Verifies the caller header the gateway signs. */
  principalSecret: string;
  databaseUrl?: string;
  /** The Postgres schema for the subgraph's tables (tests give each suite its own). */
  databaseSchema?: string;
  embeddedDataDir?: string;
  amqpUrl?: string;
  /** A shared bus transport (the embedded quick start runs every service in one process). */
  transport?: BusTransport;
  /**
   * Starts the name of every bus queue of the platform (`busQueue`): none in production;
   * a test run, or a second platform on one broker, gives its own.
   */
  busNamespace?: string;
  /**
   * Declare the platform's queues in `busNamespace` before the first publish, so that what
   * is published before a consumer's first start waits for it (a platform, and each
   * service run alone, do; a test of one subgraph does not, and leaves no queues).
   */
  declareBusTopology?: boolean;
  logger?: Logger;
  exposeInternals?: boolean;
  /** Tests: drop the schema when the service stops. */
  dropSchemaOnStop?: boolean;
  /** Receives every SQL statement (tests count queries). */
  onQuery?: (sql: string) => void;
  /** Federated tracing (`ftv1`) for the gateway's requests; off by default. */
  inlineTrace?: boolean;
  /** Database connections at most (default: DATABASE_POOL_SIZE, 10). */
  poolSize?: number;
  /** How long a query waits for a database connection (default: DATABASE_ACQUIRE_TIMEOUT_MS, 5000). */
  acquireTimeoutMs?: number;
}

export interface ServiceHandle {
  url: string;
  port: number;
  server: Server;
  metrics: ServiceMetrics;
  stop(): Promise<void>;
}

export interface SubgraphServerOptions<C extends RequestBase> {
  name: string;
  port: number;
  host?: string;
  schema: GraphQLSchema;
  logger: Logger;
  /** The secret the gateway signs the principal header with. */
  principalSecret: string;
  /** Builds the per-request context (a forked EntityManager and the like). */
  context(base: RequestBase): C | Promise<C>;
  /** Extra HTTP routes mounted before /graphql (webhooks, JWKS, internal endpoints). */
  routes?(app: Express): void;
  /** Throws when the service cannot serve (database unreachable...). */
  health?(): Promise<void>;
  /** Attaches a WebSocket server (graphql-ws) to the same HTTP server, once Apollo Server has started. */
  websocket?(server: Server): { dispose(): Promise<void> | void };
  /** Shows internal error messages; development only. */
  exposeInternals?: boolean;
  /** Runs after the HTTP server closed. */
  onStop?(): Promise<void>;
  /** The gateway's operation limits; the subgraph allows SUBGRAPH_DEPTH_ALLOWANCE more levels. */
  limits?: OperationLimits;
  /**
   * Federated tracing: a request with the header `apollo-federation-include-trace: ftv1`
   * (which only the gateway can make: every data request is signed) gets its trace in
   * `extensions.ftv1`, error messages masked. Off by default.
   */
  inlineTrace?: boolean;
}

/** Largest request body a subgraph reads (the gateway's limit is smaller). */
export const SUBGRAPH_BODY_LIMIT = '1mb';

export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && /^[\w.-]{1,100}$/.test(given) ? given : randomUUID();
}

/**
 * What any GraphQL service of FrontRow starts with: a subgraph (startSubgraphServer)
 * or the gateway. The caller says what Apollo Server serves, how errors are shown, who
 * is calling (the context) and what runs on `/graphql` before Apollo.
 */
export interface GraphQLServerOptions<C extends RequestBase> {
  name: string;
  port: number;
  host?: string;
  logger: Logger;
  /** What Apollo Server serves: a schema, or a gateway that plans over subgraphs. */
  serve: { schema: GraphQLSchema } | { gateway: ApolloServerOptionsWithGateway<C>['gateway'] };
  /** Apollo Server's default (off in production) unless told. */
  introspection?: boolean;
  /** The parser stops after this many tokens. */
  maxTokens: number;
  /** Apollo Server's automatic persisted queries (its default: on, in memory) unless told. */
  persistedQueries?: ApolloServerOptions<C>['persistedQueries'];
  formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError;
  /** Plugins beside the common ones (drain, no landing page, operation resolution, metrics). */
  plugins?: ApolloServerPlugin<C>[];
  /** Express settings and routes, before /graphql (webhooks, JWKS, the explorer). */
  routes?(app: Express): void;
  /** Throws when the service cannot serve (database unreachable...). */
  health?(): Promise<void>;
  /** What runs on /graphql before Apollo Server: CORS, the body parser, checks of the caller and the input. */
  graphqlMiddleware: RequestHandler[];
  /** Who is calling, and what a request's resolvers get. */
  context(req: Request): Promise<C>;
  /**
   * Attaches a WebSocket server (graphql-ws) to the same HTTP server, once Apollo
   * Server has started (operations sent over the socket may run through it).
   */
  websocket?(server: Server, apollo: ApolloServer<C>): { dispose(): Promise<void> | void };
  /** Runs after the HTTP server closed. */
  onStop?(): Promise<void>;
}

/**
 * Starts a GraphQL service: Apollo Server under Express with `/graphql`, `/health`,
 * `/metrics` (operations by name and outcome, their durations), JSON errors for what
 * Express refuses, and room for a WebSocket server on the same port. Resolves once it
 * listens; `stop()` drains it.
 */
export async function startGraphQLServer<C extends RequestBase>(opts: GraphQLServerOptions<C>): Promise<ServiceHandle> {
  const app = express();
  app.disable('x-powered-by');
  const server = createServer(app);
  const metrics = createMetrics(opts.name);
  // Attached once Apollo Server has started, disposed when it drains.
  const attached: { ws?: { dispose(): Promise<void> | void } } = {};

  const apollo = new ApolloServer<C>({
    ...opts.serve,
    logger: apolloLogger(opts.logger),
    introspection: opts.introspection,
    parseOptions: { maxTokens: opts.maxTokens },
    ...(opts.persistedQueries !== undefined ? { persistedQueries: opts.persistedQueries } : {}),
    includeStacktraceInErrorResponses: false,
    // The process's owner stops services in order (npm start: services, then the
    // database); Apollo's own handler would re-raise the signal and end the process
    // before that is done.
    stopOnTerminationSignals: false,
    formatError: (formatted, error) => opts.formatError(formatted, error),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer: server }),
      ApolloServerPluginLandingPageDisabled(),
      operationResolution<C>(),
      observe<C>(metrics),
      spanNaming<C>(),
      { async serverWillStart() { return { async drainServer() { await attached.ws?.dispose(); } }; } },
      ...(opts.plugins ?? []),
    ],
  } as ApolloServerOptions<C>);
  await apollo.start();
  attached.ws = opts.websocket?.(server, apollo);

  app.get('/health', async (_req, res) => {
    try {
      await opts.health?.();
      res.status(200).json({ status: 'ok', service: opts.name });
    } catch (e) {
      opts.logger.warn({ err: e }, 'health check failed');
      res.status(503).json({ status: 'unavailable', service: opts.name });
    }
  });
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  // Requests after this point run in a span (health checks and scrapes do not).
  app.use(traceRequests(opts.name));
  opts.routes?.(app);
  app.use('/graphql', ...opts.graphqlMiddleware, expressMiddleware(apollo, { context: ({ req }) => opts.context(req) }));
  jsonErrorHandlers(app, opts.logger);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${opts.host && opts.host !== '0.0.0.0' ? opts.host : '127.0.0.1'}:${port}/graphql`;
  let stopped: Promise<void> | undefined;
  return {
    url,
    port,
    server,
    metrics,
    stop() {
      stopped ??= (async () => {
        await apollo.stop();
        await opts.onStop?.();
      })();
      return stopped;
    },
  };
}

/**
 * Starts a subgraph: startGraphQLServer with request-scoped logs and the principal
 * verified from the gateway's signed header (an unsigned request gets the SDL only).
 */
export async function startSubgraphServer<C extends RequestBase>(opts: SubgraphServerOptions<C>): Promise<ServiceHandle> {
  const gatewayLimits = opts.limits ?? DEFAULT_OPERATION_LIMITS;
  const signedCaller = new WeakMap<IncomingMessage, Caller>();
  const handle = await startGraphQLServer<C>({
    name: opts.name,
    port: opts.port,
    host: opts.host,
    logger: opts.logger,
    serve: { schema: opts.schema },
    // The gateway's fetches are no bigger than what clients may send it, but the
    // planner adds the `_entities` wrapper and repeats selections per type condition.
    maxTokens: MAX_DOCUMENT_TOKENS * 2,
    formatError: (formatted, error) => formatError(formatted, error, { exposeInternals: opts.exposeInternals }),
    plugins: [
      opts.inlineTrace ? ApolloServerPluginInlineTrace({ includeErrors: { masked: true } }) : ApolloServerPluginInlineTraceDisabled(),
      // Nothing reads a subgraph's cache hints (the gateway does not cache responses), and
      // the plugin's hook on every resolved field made each field of a long list cost more:
      // 500 members reading a party of 1,000 at once after a gateway went away.
      ApolloServerPluginCacheControlDisabled(),
    ],
    routes: opts.routes,
    health: opts.health,
    websocket: opts.websocket,
    onStop: opts.onStop,
    graphqlMiddleware: [
      express.json({ limit: SUBGRAPH_BODY_LIMIT }),
      // Only the gateway talks to a subgraph: it signs every request, an anonymous
      // caller's too. Unsigned, a subgraph answers nothing but its SDL (for composition
      // tools), so a direct call can neither read data nor load the service.
      async (req, res, next) => {
        const header = req.headers[PRINCIPAL_HEADER];
        const caller = await verifyCaller(typeof header === 'string' ? header : undefined, opts.principalSecret);
        if (caller) {
          signedCaller.set(req, caller);
          next();
        } else if (isServiceSdlQuery((req.body as { query?: unknown } | undefined)?.query ?? req.query.query)) {
          next();
        } else {
          res.status(401).json(errorBody('UNAUTHENTICATED', 'This service answers only requests that come through the gateway.'));
        }
      },
      inputGuard({
        limits: { ...gatewayLimits, maxDepth: gatewayLimits.maxDepth + SUBGRAPH_DEPTH_ALLOWANCE },
        maxTokens: MAX_DOCUMENT_TOKENS * 2,
      }),
    ],
    context: async (req) => {
      const requestId = requestIdOf(req);
      const caller = signedCaller.get(req) ?? null;
      const principal = caller?.principal ?? null;
      const clientIp = caller?.clientIp ?? req.socket.remoteAddress ?? 'unknown';
      const log = opts.logger.child({ requestId, userId: principal?.userId });
      return opts.context({ principal, clientIp, requestId, log });
    },
  });
  opts.logger.info({ url: handle.url }, `${opts.name} subgraph ready`);
  return handle;
}

function observe<C extends RequestBase>(metrics: ServiceMetrics): ApolloServerPlugin<C> {
  return {
    async requestDidStart() {
      const started = process.hrtime.bigint();
      return {
        async didEncounterErrors({ errors, contextValue }) {
          for (const err of errors) {
            if (!isDomainError(err) && isDatabaseUnavailable(err.originalError)) {
              contextValue.log?.warn({ err: err.originalError, path: err.path }, 'database unavailable: answered SERVICE_UNAVAILABLE');
            } else if (!isDomainError(err) && !err.extensions?.code) {
              contextValue.log?.error({ err: err.originalError ?? err, path: err.path }, 'internal error');
            } else if (!isDomainError(err) && err.extensions?.code === 'INTERNAL_SERVER_ERROR') {
              contextValue.log?.error({ err: err.originalError ?? err, path: err.path }, 'internal error');
            }
          }
        },
        async willSendResponse({ operationName, errors, response }) {
          const op = operationName ?? 'anonymous';
          const failed = Boolean(errors?.length) || (response.body.kind === 'single' && Boolean(response.body.singleResult.errors?.length));
          metrics.operations.inc({ operation: op, outcome: failed ? 'error' : 'ok' });
          metrics.duration.observe({ operation: op }, Number(process.hrtime.bigint() - started) / 1e9);
        },
      };
    },
  };
}

/** The request's span is named after its operation (`query EventPage`), once that is known. */
function spanNaming<C extends object>(): ApolloServerPlugin<C> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, operationName }) {
          if (!operation) return;
          const name = operationName ?? 'anonymous';
          nameActiveSpan(`${operation.operation} ${name}`, { 'graphql.operation.type': operation.operation, 'graphql.operation.name': name });
        },
      };
    },
  };
}

/**
 * A document with several operations and no operationName (or a name it lacks) is the
 * caller's mistake: BAD_USER_INPUT with HTTP 400, said before anything runs.
 */
export function operationResolution<C extends object>(): ApolloServerPlugin<C> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, request }) {
          if (operation) return;
          throw new GraphQLError(
            request.operationName
              ? 'The document has no operation with the given operationName.'
              : 'The document has several operations: name the one to run in operationName.',
            { extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } } },
          );
        },
      };
    },
  };
}
