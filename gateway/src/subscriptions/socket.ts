import type { IncomingMessage, Server } from 'node:http';
import { checkVariables, formatError, useServer, type Logger, type Principal } from '@frontrow/kit';
import { GraphQLError, getOperationAST, type ExecutionArgs, type ExecutionResult } from 'graphql';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Authenticator } from '../auth';
import type { GatewayContext } from '../datasource';
import { mayRunAnyOperation, notAllowed, type PersistedOperations } from '../safelist';
import { asGraphQLError, type Operations } from './operations';

/** The close code for a connection whose access token expired: reconnect with a fresh one. */
export const TOKEN_EXPIRED_CLOSE = 4401;

/** The close code for a connection whose API key was revoked: reconnecting with that key is refused (4403). */
export const API_KEY_REVOKED_CLOSE = 4410;

/**
 * The close code for a client that reads slower than its events come: more than
 * `maxQueuedEvents` of one subscription wait behind what its socket has not sent. It may
 * reconnect at once and read what it missed as a snapshot (the SDK does both).
 */
export const SLOW_CONSUMER_CLOSE = 4413;

export interface SocketSettings {
  /** Largest message a client may send, in bytes (larger: the socket closes with 1009). */
  maxMessageBytes: number;
  /** How often graphql-ws pings each client; one that has not answered a ping within as long is dropped. */
  keepAliveMs: number;
  /** Time allowed for connection_init (graphql-ws closes with 4408 after it). */
  connectionInitWaitMs: number;
  /** Proxies in front of the gateway whose X-Forwarded-For is believed (as for HTTP). */
  trustProxy: number;
}

interface ConnectionState extends Record<PropertyKey, unknown> {
  principal: Principal | null;
  clientIp: string;
  expiry?: NodeJS.Timeout;
}

export interface SocketOptions {
  settings: SocketSettings;
  operations: Operations;
  auth: Authenticator;
  logger: Logger;
  /** Called for each operation a client starts (rate limits); throws to refuse it. */
  admit?(ctx: GatewayContext): Promise<void>;
  /** The first-party clients' operations: sent by hash alone (an empty query), they are taken from here. */
  persisted?: PersistedOperations;
  /** Refuse an operation not among them unless a developer's API key sends it. */
  safelist?: boolean;
  /** Queries and mutations sent over the socket. */
  execute(args: ExecutionArgs, ctx: GatewayContext): Promise<ExecutionResult>;
  /** A valid subscription with coerced variables. */
  subscribe(args: ExecutionArgs, ctx: GatewayContext): AsyncIterableIterator<ExecutionResult> | ExecutionResult;
}

/**
 * graphql-ws at the gateway's own `/graphql`: the credentials of connection_init
 * checked once per connection (4403 when they are bad), the connection closed with
 * 4401 when the access token expires, and each operation admitted, validated and
 * its variables coerced before it runs.
 */
export class SocketServer {
  private readonly wss: WebSocketServer;
  private acknowledged = 0;
  /** The open connections authenticated by each API key (by the key's id). */
  private readonly byApiKey = new Map<string, Set<WebSocket>>();

  constructor(server: Server, opts: SocketOptions) {
    const { settings, operations, logger } = opts;
    this.wss = new WebSocketServer({ server, path: '/graphql', maxPayload: settings.maxMessageBytes });
    useServer<Record<string, unknown> | undefined, ConnectionState>(
      {
        schema: operations.schema,
        connectionInitWaitTimeout: settings.connectionInitWaitMs,
        onConnect: async (ctx) => {
          const params = ctx.connectionParams ?? {};
          const authorization = stringParam(params, 'authorization') ?? stringParam(params, 'Authorization');
          const apiKey = stringParam(params, 'apiKey') ?? stringParam(params, 'x-api-key');
          let principal: Principal | null;
          try {
            principal = await opts.auth.fromHeaders(authorization, apiKey);
          } catch {
            return false; // graphql-ws closes with 4403 Forbidden
          }
          ctx.extra.principal = principal;
          ctx.extra.clientIp = clientIpOf(ctx.extra.request, settings.trustProxy);
          // graphql-ws keeps connectionParams as long as the connection lives: the credentials
          // (a token of about 0.4 kB) are not needed again once the principal is known.
          for (const name of ['authorization', 'Authorization', 'apiKey', 'x-api-key']) delete (params as Record<string, unknown>)[name];
          // Nothing reads the upgrade request again: it is not kept for as long as the connection lives.
          (ctx.extra as { request?: IncomingMessage }).request = undefined;
          this.acknowledged++;
          const apiKeyId = principal?.apiKeyId;
          if (apiKeyId) {
            const sockets = this.byApiKey.get(apiKeyId) ?? new Set();
            sockets.add(ctx.extra.socket);
            this.byApiKey.set(apiKeyId, sockets);
          }
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
          if (ctx.acknowledged) this.acknowledged--;
          const apiKeyId = ctx.extra.principal?.apiKeyId;
          const sockets = apiKeyId ? this.byApiKey.get(apiKeyId) : undefined;
          if (sockets) {
            sockets.delete(ctx.extra.socket);
            if (!sockets.size) this.byApiKey.delete(apiKeyId!);
          }
        },
        onSubscribe: async (ctx, id, payload) => {
          const context = new SubscriptionContext(ctx.extra.principal ?? null, ctx.extra.clientIp ?? 'unknown', `ws-${id}`, { socket: ctx.extra.socket, id }, logger);
          try {
            await opts.admit?.(context);
            checkVariables(payload.variables);
          } catch (e) {
            return [asGraphQLError(e)];
          }
          const source = this.sourceOf(payload, context.principal, opts);
          if (typeof source !== 'string') return [source];
          const parsed = operations.document(source);
          if ('errors' in parsed) return parsed.errors;
          const { document } = parsed;
          const operation = getOperationAST(document, payload.operationName);
          if (!operation) return [new GraphQLError('Name the operation to run.', { extensions: { code: 'BAD_USER_INPUT' } })];
          const coerced = operations.variables(operation, payload.variables);
          if ('errors' in coerced) return coerced.errors;
          return {
            schema: operations.schema,
            document,
            operationName: payload.operationName ?? undefined,
            variableValues: coerced.variables,
            contextValue: context,
          };
        },
        execute: (args) => opts.execute(args, args.contextValue as GatewayContext),
        subscribe: (args) => opts.subscribe(args, args.contextValue as GatewayContext),
        onNext: (_ctx, _id, _payload, _args, result) => {
          if (!result.errors?.length) return;
          return { ...result, errors: result.errors.map((e) => formatError(e instanceof GraphQLError ? e.toJSON() : e, e)) };
        },
        onError: (_ctx, _id, _payload, errors) => errors.map((e) => formatError(e.toJSON(), e)),
      },
      this.wss,
      // graphql-ws pings every client this often and drops one that missed the last pong:
      // the gateway's only keep-alive.
      settings.keepAliveMs,
      logger,
    );
  }

  /**
   * The text to run: the one sent, or for an empty query with a persisted-query hash the
   * listed operation's; with the safelist on, an unlisted text or hash is refused unless
   * a developer's API key sends it. Over the socket nothing is registered by hash.
   */
  private sourceOf(payload: { query: string; extensions?: Record<string, unknown> | null }, principal: Principal | null, opts: SocketOptions): string | GraphQLError {
    const listed = payload.query ? opts.persisted?.byTextOf(payload.query) : undefined;
    if (payload.query) return listed || !opts.safelist || mayRunAnyOperation(principal) ? payload.query : notAllowed();
    const hash = (payload.extensions?.persistedQuery as { sha256Hash?: unknown } | undefined)?.sha256Hash;
    const byHash = typeof hash === 'string' ? opts.persisted?.byHashOf(hash) : undefined;
    if (byHash) return byHash.text;
    if (opts.safelist && !mayRunAnyOperation(principal)) return notAllowed();
    return new GraphQLError(
      typeof hash === 'string' ? 'No listed operation has this hash; over WebSocket send the operation\'s text.' : 'Send the operation\'s text as the query.',
      { extensions: { code: typeof hash === 'string' ? 'PERSISTED_QUERY_NOT_FOUND' : 'BAD_USER_INPUT' } },
    );
  }

  /** The ids of the API keys that authenticated open connections. */
  apiKeys(): string[] {
    return [...this.byApiKey.keys()];
  }

  /** Closes every connection the key authenticated (it was revoked); returns how many. */
  closeApiKey(apiKeyId: string): number {
    const sockets = this.byApiKey.get(apiKeyId);
    this.byApiKey.delete(apiKeyId);
    for (const socket of sockets ?? []) socket.close(API_KEY_REVOKED_CLOSE, 'API key revoked');
    return sockets?.size ?? 0;
  }

  /** Connections past connection_init. */
  get clients(): number {
    return this.acknowledged;
  }

  async close(): Promise<void> {
    for (const socket of this.wss.clients) socket.close(1001, 'Server shutting down');
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}

/**
 * A subscription's context, as a class: 10,000 of them are open at once for one party,
 * and an object literal with a getter is kept as a dictionary (about 0.5 kB more each).
 * The logger is made when something is logged: a subscription that lives for hours
 * mostly logs nothing.
 */
class SubscriptionContext implements GatewayContext {
  callerHeader?: Promise<string> = undefined;
  private logger?: Logger = undefined;

  constructor(
    public principal: Principal | null,
    public clientIp: string,
    public requestId: string,
    public socket: { socket: WebSocket; id: string },
    private readonly parent: Logger,
  ) {}

  get log(): Logger {
    return (this.logger ??= this.parent.child({ requestId: this.requestId, userId: this.principal?.userId }));
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
