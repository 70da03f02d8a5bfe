import type { Server } from 'node:http';
import { PRINCIPAL_HEADER, formatError, verifyCaller, type Logger, type Principal, type RequestBase } from '@frontrow/kit';
import { createSourceEventStream, execute, type ExecutionArgs, type ExecutionResult, type GraphQLError, type GraphQLSchema } from 'graphql';
import { useServer } from '@frontrow/kit';
import { WebSocketServer } from 'ws';

/** What the gateway sends in `connection_init`: the caller it verified, signed for this hop. */
export interface ConnectionParams extends Record<string, unknown> {
  [PRINCIPAL_HEADER]?: string;
}

interface ConnectionExtra extends Record<PropertyKey, unknown> {
  principal: Principal | null;
  clientIp: string;
}

export interface WebSocketOptions {
  schema: GraphQLSchema;
  principalSecret: string;
  logger: Logger;
  exposeInternals?: boolean;
  context(base: RequestBase): unknown;
}

/**
 * graphql-ws on the subgraph's own HTTP server, at /graphql. The gateway connects
 * with `{ "x-frontrow-principal": <signed caller> }` as the connection_init payload;
 * a missing, forged or expired signature closes the socket with 4403 Forbidden. The
 * gateway carries many callers' subscriptions on one connection: each `subscribe`
 * names its own caller, signed, in `extensions["x-frontrow-principal"]`, and that
 * caller (not the connection's) is who the resolvers see. A forged or expired one
 * makes the subscription anonymous. Errors reach the client through the kit's
 * formatError.
 */
export function attachWebSocket(server: Server, opts: WebSocketOptions): { dispose(): Promise<void> } {
  const wss = new WebSocketServer({ server, path: '/graphql' });
  const format = (e: GraphQLError) => formatError(e.toJSON(), e, { exposeInternals: opts.exposeInternals });
  let connections = 0;
  const disposable = useServer<ConnectionParams, ConnectionExtra>(
    {
      schema: opts.schema,
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
        }) as object;
      },
      subscribe: (args) => subscribeOnce(args),
      onNext(_ctx, _id, _payload, _args, result) {
        if (!result.errors?.length) return;
        return { ...result, errors: result.errors.map(format) };
      },
      onError(_ctx, _id, _payload, errors) {
        return errors.map(format);
      },
      isProd: !opts.exposeInternals,
    },
    wss,
    12_000,
    opts.logger,
  );
  opts.logger.debug('graphql-ws listening at /graphql');
  return {
    async dispose() {
      opts.logger.debug({ connections }, 'closing party event streams');
      await disposable.dispose();
    },
  };
}

/**
 * Runs a subscription like graphql-js does, except that an event's result for one
 * document and variables is computed once and shared by every stream that receives the
 * same event object (a party's members all get the same one from the hub). Party
 * events are self-contained and the same for every member: none of their fields
 * depends on who is asking. Authorization is not shared: it runs per subscription, in
 * the field's subscribe function (createSourceEventStream).
 */
const results = new WeakMap<object, Map<string, Promise<ExecutionResult>>>();

async function subscribeOnce(args: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
  const source = await createSourceEventStream(args);
  if (!(Symbol.asyncIterator in (source as object))) return source as ExecutionResult;
  const events = source as AsyncIterableIterator<unknown>;
  const key = `${args.operationName ?? ''}\n${args.document.loc?.source.body ?? ''}\n${JSON.stringify(args.variableValues ?? {})}`;
  const resultOf = (payload: unknown): Promise<ExecutionResult> => {
    if (!payload || typeof payload !== 'object') return Promise.resolve(execute({ ...args, rootValue: payload }));
    let byDocument = results.get(payload);
    if (!byDocument) {
      byDocument = new Map();
      results.set(payload, byDocument);
    }
    let result = byDocument.get(key);
    if (!result) {
      result = Promise.resolve(execute({ ...args, rootValue: payload }));
      byDocument.set(key, result);
    }
    return result;
  };
  const mapped: AsyncIterableIterator<ExecutionResult> = {
    async next() {
      const r = await events.next();
      return r.done ? { value: undefined, done: true } : { value: await resultOf(r.value), done: false };
    },
    async return() {
      await events.return?.();
      return { value: undefined, done: true };
    },
    async throw(e: unknown) {
      await events.return?.();
      throw e;
    },
    [Symbol.asyncIterator]() {
      return mapped;
    },
  };
  return mapped;
}
