import type { Server } from 'node:http';
import {
  parse,
  subscribe as graphqlSubscribe,
  validate,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLError,
  type GraphQLSchema,
} from 'graphql';
import { WebSocketServer } from 'ws';
import { deliveryModeOf, isResumed } from './delivery';
import { formatError } from './errors';
import { useServer } from './graphql-ws';
import type { Logger } from './logger';
import { PRINCIPAL_HEADER, verifyCaller, type Principal } from './principal';
import type { RequestBase } from './server';

/** Documents a subgraph's WebSocket remembers, parsed (the oldest dropped first). */
const DOCUMENT_CACHE_SIZE = 200;

/** What the gateway sends in `connection_init`: the caller it verified, signed for this hop. */
export interface SubgraphConnectionParams extends Record<string, unknown> {
  [PRINCIPAL_HEADER]?: string;
}

interface ConnectionExtra extends Record<PropertyKey, unknown> {
  principal: Principal | null;
  clientIp: string;
}

export interface SubgraphWebSocketOptions {
  schema: GraphQLSchema;
  principalSecret: string;
  logger: Logger;
  exposeInternals?: boolean;
  context(base: RequestBase): unknown;
  /** How a subscription runs (default: graphql-js's `subscribe`). */
  subscribe?(args: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult>;
}

/**
 * graphql-ws on a subgraph's own HTTP server, at /graphql (presence, telemetry). The gateway connects
 * with `{ "x-frontrow-principal": <signed caller> }` as the connection_init payload;
 * a missing, forged or expired signature closes the socket with 4403 Forbidden. The
 * gateway carries many callers' subscriptions on one connection: each `subscribe`
 * names its own caller, signed, in `extensions["x-frontrow-principal"]`, and that
 * caller (not the connection's) is who the resolvers see. A forged or expired one
 * makes the subscription anonymous. Errors reach the client through the kit's
 * formatError.
 */
export function attachSubgraphWebSocket(server: Server, opts: SubgraphWebSocketOptions): { dispose(): Promise<void> } {
  const wss = new WebSocketServer({ server, path: '/graphql' });
  const format = (e: GraphQLError) => formatError(e.toJSON(), e, { exposeInternals: opts.exposeInternals });
  let connections = 0;
  // The gateway sends the same few documents for thousands of callers (one admission
  // stream per party member): each text is parsed and validated once.
  const documents = new Map<string, DocumentNode>();
  const valid = new WeakSet<DocumentNode>();
  const disposable = useServer<SubgraphConnectionParams, ConnectionExtra>(
    {
      schema: opts.schema,
      parse(source) {
        const text = typeof source === 'string' ? source : source.body;
        let document = documents.get(text);
        if (!document) {
          document = parse(source);
          documents.set(text, document);
          if (documents.size > DOCUMENT_CACHE_SIZE) documents.delete(documents.keys().next().value!);
        }
        return document;
      },
      validate(schema, document) {
        if (valid.has(document)) return [];
        const errors = validate(schema, document);
        if (!errors.length) valid.add(document);
        return errors;
      },
      connectionInitWaitTimeout: 5000,
      async onConnect(ctx) {
        const header = ctx.connectionParams?.[PRINCIPAL_HEADER];
        const caller = await verifyCaller(typeof header === 'string' ? header : undefined, opts.principalSecret);
        if (!caller) return false;
        ctx.extra.principal = caller.principal;
        ctx.extra.clientIp = caller.clientIp ?? ctx.extra.request.socket.remoteAddress ?? 'unknown';
        connections++;
        return true;
      },
      onDisconnect() {
        connections--;
      },
      async context(ctx, id, payload) {
        let principal = ctx.extra.principal ?? null;
        let clientIp = ctx.extra.clientIp ?? 'unknown';
        const own = payload.extensions?.[PRINCIPAL_HEADER];
        if (own !== undefined) {
          const caller = await verifyCaller(typeof own === 'string' ? own : undefined, opts.principalSecret);
          principal = caller?.principal ?? null;
          clientIp = caller?.clientIp ?? clientIp;
        }
        const requestId = `ws-${id}`;
        return opts.context({
          principal,
          clientIp,
          requestId,
          log: opts.logger.child({ requestId, userId: principal?.userId }),
          delivery: deliveryModeOf(payload.extensions),
          resumed: isResumed(payload.extensions),
        }) as object;
      },
      subscribe: (args) => (opts.subscribe ? opts.subscribe(args) : graphqlSubscribe(args)),
      onNext(_ctx, _id, _payload, _args, result) {
        if (!result.errors?.length) return;
        return { ...result, errors: result.errors.map(format) };
      },
      onError(_ctx, _id, _payload, errors) {
        return errors.map(format);
      },
    },
    wss,
    12_000,
    opts.logger,
  );
  opts.logger.debug('graphql-ws listening at /graphql');
  return {
    async dispose() {
      opts.logger.debug({ connections }, 'closing subscription streams');
      await disposable.dispose();
    },
  };
}
