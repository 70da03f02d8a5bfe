/**
 * graphql-ws's server for the `ws` library, for the services that serve subscriptions
 * (presence) or relay them (the gateway).
 */
import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { useServer as useGraphQLWsServer } from 'graphql-ws/use/ws';
import type WebSocket from 'ws';
import type { WebSocketServer } from 'ws';
import type { Logger } from './logger';

type ServerOptions<P extends Record<string, unknown> | undefined, E extends Record<PropertyKey, unknown>> = Parameters<typeof useGraphQLWsServer<P, E>>[0];

/**
 * graphql-ws's `useServer`, with its socket and server errors logged as JSON lines
 * through the service's logger: graphql-ws itself prints them with console.error, a
 * multi-line stack among the JSON logs (a client that sends a message over the size
 * limit is enough). The socket is closed as graphql-ws would close it.
 */
export function useServer<P extends Record<string, unknown> | undefined, E extends Record<PropertyKey, unknown>>(
  options: ServerOptions<P, E>,
  wss: WebSocketServer,
  keepAliveMs: number,
  logger: Logger,
): ReturnType<typeof useGraphQLWsServer> {
  // What graphql-ws sees of the server: its options and clients, its connections, never its errors.
  const facade = Object.assign(new EventEmitter(), {
    options: wss.options,
    clients: wss.clients,
    // graphql-ws's dispose() closes the server it was given: close the real one.
    close(callback: (err?: Error) => void) {
      wss.removeListener('connection', onConnection);
      wss.close(callback);
    },
  });
  wss.on('error', (err) => {
    logger.error({ err }, 'the WebSocket server failed');
    for (const client of wss.clients) client.close(1011, 'Internal server error');
  });
  const onConnection = (socket: WebSocket, request: IncomingMessage) => {
    socket.on('error', (err) => {
      // ws has already closed the socket when a client broke the protocol (1009: too big).
      logger.warn({ err: { message: err.message, code: (err as { code?: string }).code } }, 'a WebSocket client failed');
      if (socket.readyState === socket.OPEN) socket.close(1011, 'Internal server error');
    });
    const quiet = new Proxy(socket, {
      get(target, prop) {
        if (prop === 'once') {
          return (event: string, listener: (...args: unknown[]) => void) => (event === 'error' ? target : target.once(event, listener));
        }
        const value = Reflect.get(target, prop, target) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    facade.emit('connection', quiet, request);
  };
  wss.on('connection', onConnection);
  return useGraphQLWsServer<P, E>(options, facade as unknown as WebSocketServer, keepAliveMs);
}
