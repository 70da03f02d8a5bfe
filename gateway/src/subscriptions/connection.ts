import type { FormattedExecutionResult } from 'graphql';
import WebSocket from 'ws';

/** The subprotocol graphql-ws speaks (graphql-transport-ws). */
const SUBPROTOCOL = 'graphql-transport-ws';

/** What a subscription's events go to. `error` with an array is the subgraph's refusal; anything else is a lost connection. */
export interface UpstreamSink {
  next(result: FormattedExecutionResult<Record<string, unknown>>): void;
  error(err: unknown): void;
  complete(): void;
}

/** The connection closed, or never opened: not a refusal, so the stream is opened again. */
export class ConnectionLost extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
  ) {
    super(`the connection to the subgraph closed (${code}${reason ? `: ${reason}` : ''})`);
    this.name = 'ConnectionLost';
  }
}

export interface UpstreamConnectionOptions {
  /** Largest message accepted from the subgraph, in bytes. */
  maxPayload: number;
  /** The `connection_init` payload, asked for at each connect (it is signed, and signatures expire). */
  connectionParams: () => Promise<Record<string, unknown>>;
  /** Every so often the subgraph is pinged; no pong by the next ping ends the connection. */
  keepAliveMs: number;
  /** A connection that carries nothing is closed after this long. */
  idleCloseMs: number;
  /** How long `connection_ack` may take. */
  ackTimeoutMs: number;
}

/**
 * One graphql-ws connection from the gateway to a subgraph, carrying every upstream
 * stream to it: opened when a stream needs it, closed when none has for a while.
 *
 * Why not graphql-ws's client: at 10,000 subscribers of a party the gateway holds 10,000
 * admission streams (decision 0029), and graphql-ws's client keeps, for each one, an
 * async loop with about eight promises, a dozen closures, two listeners in arrays that are
 * searched on removal, and the whole subscribe payload with its signed caller (kept to
 * subscribe again, which the gateway never asks of it). Here a stream is one entry in a
 * map, from its id to its sink, and the payload is written and let go.
 */
export class UpstreamConnection {
  private socket?: WebSocket;
  /** The socket's `connection_ack` has come. */
  private acknowledged = false;
  private ready?: Promise<WebSocket>;
  private readonly sinks = new Map<string, UpstreamSink>();
  private lastId = 0;
  private idle?: NodeJS.Timeout;
  private disposed = false;

  constructor(
    private readonly url: string,
    private readonly opts: UpstreamConnectionOptions,
  ) {}

  /** Streams open or opening on this connection. */
  get size(): number {
    return this.sinks.size;
  }

  /** Starts a subscription; returns what stops it (which tells the subgraph, unless it ended the stream itself). */
  subscribe(payload: Record<string, unknown>, sink: UpstreamSink): () => void {
    if (this.disposed) return () => undefined;
    const id = String(++this.lastId);
    this.sinks.set(id, sink);
    if (this.idle) {
      clearTimeout(this.idle);
      this.idle = undefined;
    }
    this.sendWhenReady(id, sink, payload);
    return this.stopper(id);
  }

  /** The subscribe goes out once the connection is acknowledged, unless the stream stopped meanwhile. */
  private sendWhenReady(id: string, sink: UpstreamSink, payload: Record<string, unknown>): void {
    this.connect().then(
      (socket) => {
        if (this.sinks.get(id) === sink) socket.send(JSON.stringify({ id, type: 'subscribe', payload }));
      },
      // The connection failed: every sink on it has heard already (lost()).
      () => undefined,
    );
  }

  /** What stops the stream `id`: a closure of its own scope, which keeps the id and nothing of the payload. */
  private stopper(id: string): () => void {
    return () => this.stop(id);
  }

  private stop(id: string): void {
    if (!this.sinks.delete(id)) return;
    // Before the acknowledgement the subscribe has not gone out, and now never will.
    if (this.acknowledged && this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify({ id, type: 'complete' }));
    this.closeWhenIdle();
  }

  /** Closes the connection; its streams hear nothing more (their owner ended them). */
  close(): Promise<void> {
    this.disposed = true;
    this.sinks.clear();
    if (this.idle) clearTimeout(this.idle);
    const socket = this.socket;
    this.forget();
    if (!socket || socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      if (socket.readyState === WebSocket.CONNECTING) socket.terminate();
      else socket.close(1000, 'Normal Closure');
    });
  }

  private connect(): Promise<WebSocket> {
    if (this.ready) return this.ready;
    const socket = new WebSocket(this.url, SUBPROTOCOL, { maxPayload: this.opts.maxPayload });
    this.socket = socket;
    this.acknowledged = false;
    this.ready = new Promise<WebSocket>((resolve, reject) => {
      let acknowledged = false;
      let awaitingPong = false;
      let keepAlive: NodeJS.Timeout | undefined;
      const ackTimeout = setTimeout(() => socket.terminate(), this.opts.ackTimeoutMs);
      socket.on('open', () => {
        this.opts.connectionParams().then(
          (params) => socket.readyState === WebSocket.OPEN && socket.send(JSON.stringify({ type: 'connection_init', payload: params })),
          () => socket.terminate(),
        );
      });
      socket.on('message', (data) => {
        let message: { type?: unknown; id?: unknown; payload?: unknown };
        try {
          message = JSON.parse(String(data)) as typeof message;
        } catch {
          socket.close(4400, 'Invalid message received');
          return;
        }
        switch (message.type) {
          case 'connection_ack':
            if (acknowledged) return;
            acknowledged = true;
            if (socket === this.socket) this.acknowledged = true;
            clearTimeout(ackTimeout);
            if (this.opts.keepAliveMs > 0 && Number.isFinite(this.opts.keepAliveMs)) {
              keepAlive = setInterval(() => {
                if (awaitingPong) return socket.terminate();
                awaitingPong = true;
                socket.send('{"type":"ping"}');
              }, this.opts.keepAliveMs);
              keepAlive.unref();
            }
            resolve(socket);
            return;
          case 'ping':
            socket.send('{"type":"pong"}');
            return;
          case 'pong':
            awaitingPong = false;
            return;
        }
        if (typeof message.id !== 'string') return;
        const sink = this.sinks.get(message.id);
        if (!sink) return;
        switch (message.type) {
          case 'next':
            sink.next(message.payload as FormattedExecutionResult<Record<string, unknown>>);
            return;
          case 'error':
            this.sinks.delete(message.id);
            sink.error(message.payload);
            this.closeWhenIdle();
            return;
          case 'complete':
            this.sinks.delete(message.id);
            sink.complete();
            this.closeWhenIdle();
            return;
        }
      });
      // A 'close' follows every error.
      socket.on('error', () => undefined);
      socket.on('close', (code, reason) => {
        clearTimeout(ackTimeout);
        if (keepAlive) clearInterval(keepAlive);
        const lost = new ConnectionLost(code, String(reason));
        if (!acknowledged) reject(lost);
        this.lost(socket, lost);
      });
    });
    return this.ready;
  }

  /** The connection closed: every stream on it hears so (and opens again, if its owner wants). */
  private lost(socket: WebSocket, err: ConnectionLost): void {
    if (socket !== this.socket) return; // closed while idle, or replaced
    this.forget();
    if (this.idle) {
      clearTimeout(this.idle);
      this.idle = undefined;
    }
    const sinks = [...this.sinks.values()];
    this.sinks.clear();
    for (const sink of sinks) sink.error(err);
  }

  private forget(): void {
    this.socket = undefined;
    this.ready = undefined;
    this.acknowledged = false;
  }

  private closeWhenIdle(): void {
    if (this.sinks.size || this.idle || !this.socket) return;
    this.idle = setTimeout(() => {
      this.idle = undefined;
      if (this.sinks.size) return;
      const socket = this.socket;
      this.forget();
      if (socket?.readyState === WebSocket.CONNECTING) socket.terminate();
      else socket?.close(1000, 'Normal Closure');
    }, this.opts.idleCloseMs);
    this.idle.unref();
  }
}
