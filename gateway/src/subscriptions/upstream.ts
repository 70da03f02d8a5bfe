import { DELIVERY_EXTENSION, PRINCIPAL_HEADER, RESUME_EXTENSION, signCaller, type Caller, type DeliveryMode } from '@frontrow/kit';
import type { FormattedExecutionResult } from 'graphql';
import { createClient, type Client, type Sink } from 'graphql-ws';
import WebSocket from 'ws';

export interface UpstreamRequest {
  query: string;
  operationName?: string;
  variables: Record<string, unknown>;
}

/**
 * The gateway's connections to the subgraphs that own subscription fields: one
 * graphql-ws connection per subgraph, opened when first needed, carrying every
 * upstream stream to it. The connection is signed as the gateway (an anonymous signed
 * caller proves where it comes from); each subscription names its own caller, signed
 * when it starts.
 */
export class UpstreamPool {
  private readonly clients = new Map<string, Client>();

  constructor(
    private readonly urls: Record<string, string>,
    private readonly principalSecret: string,
    /** Largest message accepted from a subgraph, in bytes. */
    private readonly maxPayload: number,
  ) {}

  /**
   * Starts a subscription on the subgraph for the caller; resolves to what stops it.
   * A lost connection is an `error` that is not an array: the caller re-opens. An
   * array is the subgraph's refusal of the operation itself. `delivery` asks for a
   * shared stream or an admission stream (kit delivery.ts); `resumed` marks a stream
   * re-opened after it was lost, so that the subgraph begins it with what was missed.
   */
  async subscribe(
    serviceName: string,
    request: UpstreamRequest,
    caller: Caller,
    sink: Sink<FormattedExecutionResult<Record<string, unknown>>>,
    delivery?: DeliveryMode,
    resumed = false,
  ): Promise<() => void> {
    const client = this.client(serviceName);
    const signed = await signCaller(caller, this.principalSecret);
    const extensions: Record<string, unknown> = { [PRINCIPAL_HEADER]: signed };
    if (delivery) extensions[DELIVERY_EXTENSION] = delivery;
    if (resumed) extensions[RESUME_EXTENSION] = true;
    return client.subscribe<Record<string, unknown>>({ ...request, extensions }, sink);
  }

  async close(): Promise<void> {
    const clients = [...this.clients.values()];
    this.clients.clear();
    await Promise.all(clients.map((c) => c.dispose()));
  }

  private client(serviceName: string): Client {
    const existing = this.clients.get(serviceName);
    if (existing) return existing;
    const url = this.urls[serviceName];
    if (!url) throw new Error(`no routing URL for subgraph ${serviceName}`);
    const maxPayload = this.maxPayload;
    class LimitedWebSocket extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols, { maxPayload });
      }
    }
    const client = createClient({
      url: url.replace(/^http/, 'ws'),
      webSocketImpl: LimitedWebSocket,
      lazy: true,
      lazyCloseTimeout: 1_000,
      keepAlive: 10_000,
      // Streams re-open themselves, with fresh signatures (SharedStream).
      retryAttempts: 0,
      connectionParams: async () => ({ [PRINCIPAL_HEADER]: await signCaller({ principal: null }, this.principalSecret) }),
    });
    this.clients.set(serviceName, client);
    return client;
  }
}
