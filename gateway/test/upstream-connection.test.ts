import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { ConnectionLost, UpstreamConnection, type UpstreamConnectionOptions, type UpstreamSink } from '../src/subscriptions/connection';

/**
 * The gateway's own graphql-ws client for its upstream streams, against a subgraph
 * scripted here message by message (what a graphql-ws server sends, and what it may do
 * wrong): every stream on one socket, each sink hearing only its own.
 */

interface Message {
  type: string;
  id?: string;
  payload?: Record<string, unknown>;
}

/** A scripted subgraph: it acknowledges `connection_init` and records what each connection sends. */
class Subgraph {
  readonly wss: WebSocketServer;
  readonly sockets: WebSocket[] = [];
  readonly received: Message[] = [];
  readonly closes: number[] = [];
  private listeners: Array<() => void> = [];
  answerPings = true;
  acknowledge = true;

  constructor() {
    this.wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    this.wss.on('connection', (socket) => {
      this.sockets.push(socket);
      socket.on('message', (data) => {
        const message = JSON.parse(String(data)) as Message;
        this.received.push(message);
        if (message.type === 'connection_init' && this.acknowledge) socket.send('{"type":"connection_ack"}');
        if (message.type === 'ping' && this.answerPings) socket.send('{"type":"pong"}');
        this.changed();
      });
      socket.on('close', (code) => {
        this.closes.push(code);
        this.changed();
      });
      this.changed();
    });
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.wss.address() as AddressInfo).port}/graphql`;
  }

  /** Resolves once `test` holds (checked on every message, connection and close). */
  until(test: () => boolean): Promise<void> {
    if (test()) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => {
        if (!test()) return;
        this.listeners = this.listeners.filter((l) => l !== check);
        resolve();
      };
      this.listeners.push(check);
    });
  }

  subscribes(): Message[] {
    return this.received.filter((m) => m.type === 'subscribe');
  }

  send(message: Message, socket = this.sockets.at(-1)!): void {
    socket.send(JSON.stringify(message));
  }

  async close(): Promise<void> {
    for (const s of this.wss.clients) s.terminate();
    await new Promise((resolve) => this.wss.close(resolve));
  }

  private changed(): void {
    for (const l of [...this.listeners]) l();
  }
}

/** A sink that records what it hears, and can be waited on. */
function recorder(): UpstreamSink & { events: unknown[]; errors: unknown[]; completed: number; heard: () => Promise<void> } {
  let wake: (() => void) | undefined;
  const sink = {
    events: [] as unknown[],
    errors: [] as unknown[],
    completed: 0,
    next(r: unknown) {
      sink.events.push(r);
      wake?.();
    },
    error(e: unknown) {
      sink.errors.push(e);
      wake?.();
    },
    complete() {
      sink.completed++;
      wake?.();
    },
    heard: () => new Promise<void>((resolve) => (wake = resolve)),
  };
  return sink;
}

const options = (over: Partial<UpstreamConnectionOptions> = {}): UpstreamConnectionOptions => ({
  maxPayload: 1024 * 1024,
  connectionParams: async () => ({ signed: 'the gateway' }),
  keepAliveMs: 60_000,
  idleCloseMs: 50,
  ackTimeoutMs: 5_000,
  ...over,
});

describe("the gateway's upstream connection", () => {
  let subgraph: Subgraph;
  const connections: UpstreamConnection[] = [];
  const open = (over?: Partial<UpstreamConnectionOptions>, url = subgraph.url) => {
    const c = new UpstreamConnection(url, options(over));
    connections.push(c);
    return c;
  };

  beforeEach(async () => {
    subgraph = new Subgraph();
    await once(subgraph.wss, 'listening');
  });
  afterEach(async () => {
    await Promise.all(connections.splice(0).map((c) => c.close()));
    await subgraph.close();
  });

  it('carries every stream on one socket, opened when the first needs it, each event to its own sink', async () => {
    const connection = open();
    expect(subgraph.sockets).toHaveLength(0);
    const a = recorder();
    const b = recorder();
    connection.subscribe({ query: 'subscription { a }' }, a);
    connection.subscribe({ query: 'subscription { b }', extensions: { caller: 'signed' } }, b);
    await subgraph.until(() => subgraph.subscribes().length === 2);
    expect(subgraph.sockets).toHaveLength(1);
    expect(subgraph.sockets[0].protocol).toBe('graphql-transport-ws');
    expect(subgraph.received[0]).toEqual({ type: 'connection_init', payload: { signed: 'the gateway' } });
    const [sa, sb] = subgraph.subscribes();
    expect(sa.payload).toEqual({ query: 'subscription { a }' });
    expect(sb.payload).toEqual({ query: 'subscription { b }', extensions: { caller: 'signed' } });
    expect(sa.id).not.toBe(sb.id);

    const heard = b.heard();
    subgraph.send({ type: 'next', id: sb.id, payload: { data: { b: 1 } } });
    subgraph.send({ type: 'next', id: 'unknown', payload: { data: { x: 1 } } });
    await heard;
    expect(b.events).toEqual([{ data: { b: 1 } }]);
    expect(a.events).toEqual([]);
    expect(connection.size).toBe(2);
  });

  it('tells the subgraph when a stream stops, and closes the socket once nothing has used it for a while', async () => {
    const connection = open();
    const a = recorder();
    const stop = connection.subscribe({ query: 'subscription { a }' }, a);
    await subgraph.until(() => subgraph.subscribes().length === 1);
    const id = subgraph.subscribes()[0].id;
    stop();
    stop(); // twice is once
    await subgraph.until(() => subgraph.closes.length === 1);
    expect(subgraph.received.filter((m) => m.type === 'complete')).toEqual([{ type: 'complete', id }]);
    expect(subgraph.closes).toEqual([1000]);
    expect(a.errors).toEqual([]);

    // The next stream opens a socket again.
    const b = recorder();
    connection.subscribe({ query: 'subscription { b }' }, b);
    await subgraph.until(() => subgraph.subscribes().length === 2);
    expect(subgraph.sockets).toHaveLength(2);
  });

  it('hands a refusal over as the array of errors, and a completion as complete; neither is a lost connection', async () => {
    const connection = open();
    const refused = recorder();
    const ended = recorder();
    connection.subscribe({ query: 'subscription { a }' }, refused);
    connection.subscribe({ query: 'subscription { b }' }, ended);
    await subgraph.until(() => subgraph.subscribes().length === 2);
    const [sa, sb] = subgraph.subscribes();
    const both = Promise.all([refused.heard(), ended.heard()]);
    subgraph.send({ type: 'error', id: sa.id, payload: [{ message: 'no', extensions: { code: 'FORBIDDEN' } }] as never });
    subgraph.send({ type: 'complete', id: sb.id });
    await both;
    expect(refused.errors).toEqual([[{ message: 'no', extensions: { code: 'FORBIDDEN' } }]]);
    expect(ended.completed).toBe(1);
    expect(connection.size).toBe(0);
    // Nothing more reaches them: the ids are forgotten.
    subgraph.send({ type: 'next', id: sa.id, payload: { data: {} } });
    await subgraph.until(() => subgraph.closes.length === 1); // and the idle socket closes
    expect(refused.events).toEqual([]);
  });

  it('answers the subgraph\'s pings', async () => {
    const connection = open();
    connection.subscribe({ query: 'subscription { a }' }, recorder());
    await subgraph.until(() => subgraph.subscribes().length === 1);
    subgraph.send({ type: 'ping' });
    await new Promise<void>((resolve) => subgraph.sockets[0].once('message', (d) => (JSON.parse(String(d)).type === 'pong' ? resolve() : undefined)));
  });

  it('tells every stream when the socket is lost, as an error that is not an array, and opens afresh after', async () => {
    const connection = open();
    const sinks = [recorder(), recorder(), recorder()];
    for (const s of sinks) connection.subscribe({ query: 'subscription { a }' }, s);
    await subgraph.until(() => subgraph.subscribes().length === 3);
    const all = Promise.all(sinks.map((s) => s.heard()));
    subgraph.sockets[0].close(4403, 'Forbidden');
    await all;
    for (const s of sinks) {
      expect(s.errors).toHaveLength(1);
      expect(s.errors[0]).toBeInstanceOf(ConnectionLost);
      expect(s.errors[0]).toMatchObject({ code: 4403, reason: 'Forbidden' });
    }
    expect(connection.size).toBe(0);
    const again = recorder();
    connection.subscribe({ query: 'subscription { a }' }, again);
    await subgraph.until(() => subgraph.subscribes().length === 4);
    expect(subgraph.sockets).toHaveLength(2);
  });

  it('ends a connection whose subgraph stops answering pings', async () => {
    subgraph.answerPings = false;
    const connection = open({ keepAliveMs: 100 });
    const a = recorder();
    connection.subscribe({ query: 'subscription { a }' }, a);
    const heard = a.heard();
    await heard;
    expect(subgraph.received.filter((m) => m.type === 'ping').length).toBeGreaterThanOrEqual(1);
    expect(a.errors[0]).toBeInstanceOf(ConnectionLost);
    expect((a.errors[0] as ConnectionLost).code).toBe(1006);
  });

  it('ends a connection whose subgraph never acknowledges it', async () => {
    subgraph.acknowledge = false;
    const connection = open({ ackTimeoutMs: 100 });
    const a = recorder();
    const heard = a.heard();
    connection.subscribe({ query: 'subscription { a }' }, a);
    await heard;
    expect(a.errors[0]).toBeInstanceOf(ConnectionLost);
    expect(subgraph.subscribes()).toEqual([]);
  });

  it('drops a connection that sends a message over the size limit', async () => {
    const connection = open({ maxPayload: 1_000 });
    const a = recorder();
    connection.subscribe({ query: 'subscription { a }' }, a);
    await subgraph.until(() => subgraph.subscribes().length === 1);
    const heard = a.heard();
    subgraph.send({ type: 'next', id: subgraph.subscribes()[0].id, payload: { data: { big: 'x'.repeat(5_000) } } });
    await heard;
    expect(a.events).toEqual([]);
    expect(a.errors[0]).toBeInstanceOf(ConnectionLost);
  });

  it('tells a stream when the subgraph cannot be reached', async () => {
    const port = (subgraph.wss.address() as AddressInfo).port;
    await subgraph.close();
    const connection = open({}, `ws://127.0.0.1:${port}/graphql`);
    const a = recorder();
    const heard = a.heard();
    connection.subscribe({ query: 'subscription { a }' }, a);
    await heard;
    expect(a.errors[0]).toBeInstanceOf(ConnectionLost);
    subgraph = new Subgraph(); // for afterEach
    await once(subgraph.wss, 'listening');
  });

  it('once closed, calls no sink and opens nothing', async () => {
    const connection = open();
    const a = recorder();
    connection.subscribe({ query: 'subscription { a }' }, a);
    await subgraph.until(() => subgraph.subscribes().length === 1);
    await connection.close();
    await subgraph.until(() => subgraph.closes.length === 1);
    expect(subgraph.closes).toEqual([1000]);
    const b = recorder();
    connection.subscribe({ query: 'subscription { b }' }, b);
    expect(connection.size).toBe(0);
    expect(a.errors).toEqual([]);
    expect(b.errors).toEqual([]);
  });
});
