import { DELIVERY_EXTENSION, PRINCIPAL_HEADER, RESUME_EXTENSION, signCaller, type Caller, type DeliveryMode } from '@frontrow/kit';
import { UpstreamConnection, type UpstreamSink } from './connection';

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
  private readonly connections = new Map<string, UpstreamConnection>();

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
    sink: UpstreamSink,
    delivery?: DeliveryMode,
    resumed = false,
  ): Promise<() => void> {
    const connection = this.connection(serviceName);
    const signed = await signCaller(caller, this.principalSecret);
    const extensions: Record<string, unknown> = { [PRINCIPAL_HEADER]: signed };
    if (delivery) extensions[DELIVERY_EXTENSION] = delivery;
    if (resumed) extensions[RESUME_EXTENSION] = true;
    return connection.subscribe({ ...request, extensions }, sink);
  }

  async close(): Promise<void> {
    const connections = [...this.connections.values()];
    this.connections.clear();
    await Promise.all(connections.map((c) => c.close()));
  }

  private connection(serviceName: string): UpstreamConnection {
    const existing = this.connections.get(serviceName);
    if (existing) return existing;
    const url = this.urls[serviceName];
    if (!url) throw new Error(`no routing URL for subgraph ${serviceName}`);
    const connection = new UpstreamConnection(url.replace(/^http/, 'ws'), {
      maxPayload: this.maxPayload,
      keepAliveMs: 10_000,
      idleCloseMs: 1_000,
      ackTimeoutMs: 10_000,
      // Streams re-open themselves after a lost connection, with fresh signatures (SharedStream).
      connectionParams: async () => ({ [PRINCIPAL_HEADER]: await signCaller({ principal: null }, this.principalSecret) }),
    });
    this.connections.set(serviceName, connection);
    return connection;
  }
}
