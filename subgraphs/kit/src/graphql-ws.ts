/**
 * graphql-ws's server on the `ws` library, for the services that serve subscriptions
 * (presence) or relay them (the gateway): graphql-ws's protocol (`makeServer`) on the
 * kit's own binding to the sockets.
 *
 * Why not graphql-ws's `use/ws`: it prints socket and server errors with console.error
 * (a multi-line stack among the JSON logs; a client that sends a message over the size
 * limit is enough), and what it keeps per connection adds up at 10,000 connections: a
 * ping interval of its own, a timer and a listener for every ping, and a promise and a
 * callback for every message sent. Here one timer pings every connection, and a message
 * is written without a callback while the socket keeps up (decision 0029).
 */
import type { IncomingMessage } from 'node:http';
import { handleProtocols, makeServer, type ServerOptions } from 'graphql-ws';
import WebSocket from 'ws';
import type { WebSocketServer } from 'ws';
import type { Logger } from './logger';

/** What every connection's context carries: its socket, and the upgrade request (which a caller may drop once read). */
export interface SocketExtra {
  readonly socket: WebSocket;
  readonly request: IncomingMessage;
}

/**
 * Bytes a socket may hold unsent before a message waits for the previous ones to be
 * written: past it graphql-ws takes no further event for that subscription until the
 * socket drains, so a slow reader's events wait in the gateway's bounded queue
 * (`maxQueuedEvents`, which drops it) instead of in memory without a bound.
 */
export const SOCKET_HIGH_WATER_BYTES = 64 * 1024;

/**
 * Writes a graphql-ws `next` message whose payload is already JSON (a result serialized
 * once for many subscribers) straight to the socket, if it is open and holds less than the
 * high-water mark; false when it did not, and the message must go the usual way. The
 * caller makes sure nothing of the same subscription is still on its way through
 * graphql-ws, or the order of the messages would change.
 */
export function writeNext(socket: WebSocket, id: string, payloadJson: string): boolean {
  if (socket.readyState !== WebSocket.OPEN || socket.bufferedAmount >= SOCKET_HIGH_WATER_BYTES) return false;
  socket.send(`{"id":${JSON.stringify(id)},"type":"next","payload":${payloadJson}}`);
  return true;
}

/** Operation texts kept to be shared, and the longest one kept: enough for a service's documents, and bounded whatever clients send. */
const SHARED_TEXTS = 256;
const SHARED_TEXT_MAX_LENGTH = 4 * 1024;
const sharedTexts = new Map<string, string>();

/**
 * The reviver of incoming messages: a `query` seen lately is given as the string read then.
 * graphql-ws keeps each subscribe message while its subscription runs, so 10,000
 * subscriptions of one document would otherwise keep 10,000 copies of its text.
 */
export function shareQueryText(key: string, value: unknown): unknown {
  if (key !== 'query' || typeof value !== 'string' || value.length > SHARED_TEXT_MAX_LENGTH) return value;
  const known = sharedTexts.get(value);
  if (known !== undefined) return known;
  if (sharedTexts.size >= SHARED_TEXTS) sharedTexts.clear();
  sharedTexts.set(value, value);
  return value;
}

/**
 * Serves graphql-ws on `wss`. Every `keepAliveMs` each connection is pinged, and one that
 * has not answered the previous ping is terminated. Errors are logged through `logger`
 * as JSON lines, and the socket closed with 1011 and a reason that names no internal error.
 */
export function useServer<P extends Record<string, unknown> | undefined, E extends Record<PropertyKey, unknown>>(
  options: ServerOptions<P, SocketExtra & Partial<E>>,
  wss: WebSocketServer,
  keepAliveMs: number,
  logger: Logger,
): { dispose(): Promise<void> } {
  const server = makeServer<P, SocketExtra & Partial<E>>({ jsonMessageReviver: shareQueryText, ...options });
  wss.options.handleProtocols = handleProtocols;
  /** Sockets pinged by the last sweep that have not answered yet. */
  const unanswered = new Set<WebSocket>();

  const internalError = (socket: WebSocket) => {
    if (socket.readyState === WebSocket.OPEN) socket.close(1011, 'Internal server error');
  };
  wss.on('error', (err) => {
    logger.error({ err }, 'the WebSocket server failed');
    for (const socket of wss.clients) internalError(socket);
  });
  // One listener of each kind for every socket (EventEmitter calls it with the socket as `this`).
  function onPong(this: WebSocket) {
    unanswered.delete(this);
  }
  function onSocketError(this: WebSocket, err: Error) {
    // ws has already closed the socket when a client broke the protocol (1009: too big).
    logger.warn({ err: { message: err.message, code: (err as { code?: string }).code } }, 'a WebSocket client failed');
    internalError(this);
  }

  const sweep =
    keepAliveMs > 0 && Number.isFinite(keepAliveMs)
      ? setInterval(() => {
          for (const socket of wss.clients) {
            if (socket.readyState !== WebSocket.OPEN) continue;
            if (unanswered.has(socket)) {
              // No pong since the last ping: the link is gone.
              socket.terminate();
              continue;
            }
            unanswered.add(socket);
            socket.ping();
          }
        }, keepAliveMs)
      : undefined;
  sweep?.unref();
  // However the server is closed (dispose, or its owner closing it), the sweep ends with it.
  wss.once('close', () => {
    if (sweep) clearInterval(sweep);
  });

  const onConnection = (socket: WebSocket, request: IncomingMessage) => {
    socket.on('error', onSocketError);
    socket.on('pong', onPong);
    const closed = server.opened(
      {
        protocol: socket.protocol,
        send(data) {
          if (socket.readyState !== WebSocket.OPEN) return;
          if (socket.bufferedAmount < SOCKET_HIGH_WATER_BYTES) {
            socket.send(data);
            return;
          }
          return new Promise<void>((resolve, reject) => socket.send(data, (err) => (err ? reject(err) : resolve())));
        },
        close(code, reason) {
          socket.close(code, reason);
        },
        onMessage(handle) {
          socket.on('message', (data) => {
            handle(String(data)).catch((err: unknown) => {
              logger.error({ err }, 'a WebSocket message could not be handled');
              internalError(socket);
            });
          });
        },
      },
      { socket, request } as SocketExtra & Partial<E>,
    );
    socket.once('close', (code, reason) => {
      unanswered.delete(socket);
      void closed(code, String(reason));
    });
  };
  wss.on('connection', onConnection);

  return {
    async dispose() {
      if (sweep) clearInterval(sweep);
      wss.removeListener('connection', onConnection);
      for (const socket of wss.clients) socket.close(1001, 'Going away');
      await new Promise<void>((resolve, reject) => wss.close((err) => (err ? reject(err) : resolve())));
    },
  };
}
