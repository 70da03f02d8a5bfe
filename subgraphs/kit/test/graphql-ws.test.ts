/**
 * The kit's graphql-ws binding (src/graphql-ws.ts): one keep-alive sweep for every
 * connection, and messages written without waiting while the socket keeps up, but not
 * past its high-water mark for a client that stops reading.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GraphQLObjectType, GraphQLSchema, GraphQLString } from 'graphql';
import WebSocket, { WebSocketServer } from 'ws';
import { SOCKET_HIGH_WATER_BYTES, shareQueryText, useServer } from '../src/graphql-ws';
import { createLogger } from '../src/logger';
import { eventually } from '../src/testing';

const EVENTS = 5_000;
const EVENT_BYTES = 10_000;

describe('graphql-ws binding', () => {
  /** Two servers: one without keep-alive (a client that stops reading never answers a ping), and one that pings every 200 ms. */
  const servers: Array<{ server: Server; wss: WebSocketServer; binding: { dispose(): Promise<void> }; url: string }> = [];
  /** How many events the subscription's source has handed out. */
  let pulled = 0;
  const clients: WebSocket[] = [];

  beforeAll(async () => {
    const chunk = 'x'.repeat(EVENT_BYTES);
    const schema = new GraphQLSchema({
      query: new GraphQLObjectType({ name: 'Query', fields: { ok: { type: GraphQLString, resolve: () => 'ok' } } }),
      subscription: new GraphQLObjectType({
        name: 'Subscription',
        fields: {
          flood: {
            type: GraphQLString,
            subscribe: async function* () {
              for (let i = 0; i < EVENTS; i++) {
                pulled++;
                yield { flood: chunk };
              }
            },
          },
        },
      }),
    });
    for (const keepAliveMs of [0, 200]) {
      const server = createServer();
      const wss = new WebSocketServer({ server, path: '/graphql' });
      const binding = useServer({ schema }, wss, keepAliveMs, createLogger('graphql-ws-test'));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      servers.push({ server, wss, binding, url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/graphql` });
    }
  });

  afterAll(async () => {
    for (const c of clients) c.terminate();
    for (const { server, binding } of servers) {
      await binding.dispose();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  /** A connected, acknowledged client of the server without keep-alive, or of the pinging one; `autoPong: false` never answers pings. */
  async function connect(opts: { autoPong?: boolean; pinged?: boolean } = {}): Promise<WebSocket> {
    const ws = new WebSocket(servers[opts.pinged ? 1 : 0].url, 'graphql-transport-ws', { autoPong: opts.autoPong ?? true });
    clients.push(ws);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const acked = new Promise<void>((resolve) => ws.once('message', () => resolve()));
    ws.send(JSON.stringify({ type: 'connection_init' }));
    await acked;
    return ws;
  }

  it('stops taking events for a client that stops reading once its socket holds the high-water mark, and delivers them all when it reads again', async () => {
    const ws = await connect();
    // The client reads nothing more: the kernel's buffers fill, then the server socket's own.
    const raw = (ws as unknown as { _socket: import('node:net').Socket })._socket;
    raw.pause();
    ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: 'subscription { flood }' } }));
    const serverSocket = await eventually(async () => [...servers[0].wss.clients].find((c) => c.bufferedAmount >= SOCKET_HIGH_WATER_BYTES), 30_000, 10);
    // Without the mark every event would already be taken: handing them out runs in microtasks, before this check.
    expect(pulled).toBeLessThan(EVENTS);
    // Below the mark a message is written at once; the one that finds the mark passed waits, and nothing follows it.
    expect(serverSocket.bufferedAmount).toBeLessThan(SOCKET_HIGH_WATER_BYTES + 2 * (EVENT_BYTES + 64));

    let received = 0;
    const done = new Promise<void>((resolve) =>
      ws.on('message', (data) => {
        const m = JSON.parse(String(data)) as { type: string };
        if (m.type === 'next') received++;
        if (m.type === 'complete') resolve();
      }),
    );
    raw.resume();
    await done;
    expect(received).toBe(EVENTS);
    expect(pulled).toBe(EVENTS);
  });

  it('terminates a connection that stops answering pings, and keeps one that answers', async () => {
    const silent = await connect({ autoPong: false, pinged: true });
    const answering = await connect({ pinged: true });
    let pings = 0;
    const answeredThree = new Promise<void>((resolve) => answering.on('ping', () => ++pings === 3 && resolve()));
    const code = await new Promise<number>((resolve) => silent.once('close', (c) => resolve(c)));
    // No close frame: the connection was cut (1006).
    expect(code).toBe(1006);
    await answeredThree;
    expect(answering.readyState).toBe(WebSocket.OPEN);
  });
});

describe('shareQueryText, the reviver of incoming messages', () => {
  it('reads every message as JSON.parse does, whatever its query, variables or size', () => {
    const messages = [
      { id: '1', type: 'subscribe', payload: { query: 'subscription { a }', variables: { query: 'a variable named query', n: 1 } } },
      { id: '2', type: 'subscribe', payload: { query: 'subscription { a }' } },
      { id: '3', type: 'subscribe', payload: { query: `{ ${'a '.repeat(5_000)}}` } },
      { id: '4', type: 'subscribe', payload: { query: { not: 'a string' }, variables: null } },
      { type: 'connection_init', payload: { authorization: 'Bearer x' } },
    ];
    for (let round = 0; round < 300; round++) {
      for (const m of messages) expect(JSON.parse(JSON.stringify(m), shareQueryText)).toEqual(m);
      const unique = { id: String(round), type: 'subscribe', payload: { query: `subscription { a${round} }` } };
      expect(JSON.parse(JSON.stringify(unique), shareQueryText)).toEqual(unique);
    }
  });
});
