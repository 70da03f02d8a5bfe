import type { Server } from 'node:http';
import type { ServiceMap } from '@apollo/gateway';
import type { Logger, OperationLimits } from '@frontrow/kit';
import type { ExecutionArgs, ExecutionResult } from 'graphql';
import type { Authenticator } from '../auth';
import type { GatewayContext } from '../datasource';
import type { PersistedOperations } from '../safelist';
import { EventCompleter } from './completion';
import { Operations, asGraphQLError } from './operations';
import { SocketServer, type SocketSettings } from './socket';
import { SharedStreams, type StreamSettings } from './streams';
import { UpstreamPool } from './upstream';

export { API_KEY_REVOKED_CLOSE, TOKEN_EXPIRED_CLOSE, clientIpOf } from './socket';

export interface SubscriptionSettings extends SocketSettings, StreamSettings {
  /** Largest message accepted from a subgraph, in bytes. */
  maxUpstreamMessageBytes: number;
}

export const DEFAULT_SUBSCRIPTION_SETTINGS: SubscriptionSettings = {
  maxMessageBytes: 64 * 1024,
  maxUpstreamMessageBytes: 1024 * 1024,
  keepAliveMs: 15_000,
  connectionInitWaitMs: 5_000,
  maxQueuedEvents: 500,
  maxRetryDelayMs: 5_000,
  endAfterWaitMs: 5_000,
  trustProxy: 0,
};

export interface SubscriptionLayerOptions {
  supergraphSdl: string;
  /** Routing URLs by subgraph name (HTTP; the WebSocket URL is derived from it). */
  subgraphUrls: Record<string, string>;
  /** The gateway's data sources by subgraph name: entity fetches go through them. */
  dataSources: ServiceMap;
  principalSecret: string;
  auth: Authenticator;
  limits: OperationLimits;
  logger: Logger;
  settings?: Partial<SubscriptionSettings>;
  /** Called for each operation a client starts over the socket (rate limits). */
  admit?(ctx: GatewayContext): Promise<void>;
  /** The first-party clients' operations, which a client may send by hash alone. */
  persisted?: PersistedOperations;
  /** Refuse any operation not among them unless a developer's API key sends it (decision 0028). */
  safelist?: boolean;
}

/**
 * Subscriptions for the supergraph, which @apollo/gateway does not serve: graphql-ws
 * on the gateway's own `/graphql` (socket.ts). A subscription is planned by Apollo's
 * query planner (operations.ts); its root field is forwarded to the subgraph that
 * owns it, with the caller signed (upstream.ts); identical subscriptions of one caller
 * share that stream (streams.ts); each event is completed with the fields other
 * subgraphs own and shaped by @apollo/gateway's executor (completion.ts).
 */
export class SubscriptionLayer {
  private readonly settings: SubscriptionSettings;
  private readonly operations: Operations;
  private readonly upstream: UpstreamPool;
  private readonly streams: SharedStreams;
  private socket?: SocketServer;

  constructor(private readonly opts: SubscriptionLayerOptions) {
    this.settings = { ...DEFAULT_SUBSCRIPTION_SETTINGS, ...opts.settings };
    this.operations = new Operations(opts.supergraphSdl, opts.limits);
    this.upstream = new UpstreamPool(opts.subgraphUrls, opts.principalSecret, this.settings.maxUpstreamMessageBytes);
    this.streams = new SharedStreams({
      upstream: this.upstream,
      completer: new EventCompleter(this.operations, opts.dataSources, opts.logger),
      settings: this.settings,
      logger: opts.logger,
    });
  }

  /** Serves graphql-ws on the server's `/graphql`; queries and mutations sent over it go to `runOperation`. */
  attach(server: Server, runOperation: (args: ExecutionArgs, ctx: GatewayContext) => Promise<ExecutionResult>): void {
    this.socket = new SocketServer(server, {
      settings: this.settings,
      operations: this.operations,
      auth: this.opts.auth,
      logger: this.opts.logger,
      admit: this.opts.admit,
      persisted: this.opts.persisted,
      safelist: this.opts.safelist,
      execute: runOperation,
      subscribe: (args, ctx) => {
        try {
          const prepared = this.operations.subscription(args.document, args.operationName ?? undefined);
          return this.streams.join(prepared, (args.variableValues ?? {}) as Record<string, unknown>, ctx);
        } catch (e) {
          return { errors: [asGraphQLError(e)] };
        }
      },
    });
  }

  /** The ids of the API keys that authenticated open connections. */
  apiKeys(): string[] {
    return this.socket?.apiKeys() ?? [];
  }

  /** Closes every connection the key authenticated (it was revoked); returns how many. */
  closeApiKey(apiKeyId: string): number {
    return this.socket?.closeApiKey(apiKeyId) ?? 0;
  }

  /** Connections open now, the client subscriptions on them, the upstream streams that serve those, and the admission streams of shared ones. */
  stats(): { clients: number; subscriptions: number; upstreamStreams: number; admissions: number; awaitingAdmission: number; writtenStraight: number } {
    return { clients: this.socket?.clients ?? 0, ...this.streams.stats() };
  }

  async close(): Promise<void> {
    this.streams.endAll();
    await this.socket?.close();
    await this.upstream.close();
  }
}
