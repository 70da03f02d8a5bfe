import type { Server } from 'node:http';
import { DeliveryNoticeEvent, EVENT_ID_EXTENSION, attachSubgraphWebSocket, type SubgraphWebSocketOptions } from '@frontrow/kit';
import { createSourceEventStream, execute, type ExecutionArgs, type ExecutionResult } from 'graphql';
import type { PresenceContext } from './context';
import { eventIdOf, type PartyEventPayload } from './events';

/**
 * graphql-ws on presence's HTTP server (the kit's attachSubgraphWebSocket: the gateway's
 * signed caller in connection_init and per subscription), with party events' results
 * shared between the members' streams (subscribeOnce).
 */
export function attachWebSocket(server: Server, opts: Omit<SubgraphWebSocketOptions, 'subscribe'>): { dispose(): Promise<void> } {
  return attachSubgraphWebSocket(server, { ...opts, subscribe: subscribeOnce });
}

/**
 * Runs a subscription like graphql-js does, except that an event's result for one
 * document and variables is computed once and shared by every stream that receives the
 * same event object (a party's members all get the same one from the hub). Party
 * events are self-contained and the same for every member: none of their fields
 * depends on who is asking. Authorization is not shared: it runs per subscription, in
 * the field's subscribe function (createSourceEventStream).
 *
 * For the gateway's shared delivery (kit delivery.ts) an admission stream's notices
 * go out as results without data, and each event of a shared stream carries its id.
 */
const results = new WeakMap<object, Map<string, Promise<ExecutionResult>>>();

async function subscribeOnce(args: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
  const source = await createSourceEventStream(args);
  if (!(Symbol.asyncIterator in (source as object))) return source as ExecutionResult;
  const events = source as AsyncIterableIterator<unknown>;
  const key = `${args.operationName ?? ''}\n${args.document.loc?.source.body ?? ''}\n${JSON.stringify(args.variableValues ?? {})}`;
  const shared = (args.contextValue as PresenceContext | undefined)?.delivery === 'shared';
  const resultOf = (payload: unknown): Promise<ExecutionResult> => {
    if (payload instanceof DeliveryNoticeEvent) return Promise.resolve(payload.result());
    if (!payload || typeof payload !== 'object') return Promise.resolve(execute({ ...args, rootValue: payload }));
    if (shared) {
      const id = eventIdOf(payload as PartyEventPayload);
      return Promise.resolve(execute({ ...args, rootValue: payload })).then((r) => (id ? { ...r, extensions: { ...r.extensions, [EVENT_ID_EXTENSION]: id } } : r));
    }
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
