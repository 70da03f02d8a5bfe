import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo, Socket } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { SLOW_CONSUMER_CLOSE } from '../src/subscriptions/socket';
import { startStack, type Stack } from './stack';

/**
 * A client that stops reading is dropped with a close code, and what waited for it is let
 * go, rather than held without a bound (issue 14). Presence is scripted here, so that it
 * can send events faster than any mutation would: it admits every subscriber and sends
 * chat messages of 8 kB on the shared stream until the gateway lets the subscriber go.
 */

interface Message {
  type: string;
  id?: string;
  payload?: { extensions?: Record<string, unknown> };
}

class ScriptedPresence {
  readonly wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  shared?: { socket: WebSocket; id: string };
  admission?: string;
  /** Admission streams the gateway completed (it let a subscriber go). */
  readonly completed: string[] = [];

  constructor() {
    this.wss.on('connection', (socket) => {
      socket.on('message', (data) => {
        const m = JSON.parse(String(data)) as Message;
        if (m.type === 'connection_init') socket.send('{"type":"connection_ack"}');
        if (m.type === 'ping') socket.send('{"type":"pong"}');
        if (m.type === 'complete' && m.id) this.completed.push(m.id);
        if (m.type !== 'subscribe' || !m.id) return;
        const mode = m.payload?.extensions?.frontrowDelivery;
        if (mode === 'shared') this.shared = { socket, id: m.id };
        if (mode === 'admission') {
          this.admission = m.id;
          socket.send(JSON.stringify({ id: m.id, type: 'next', payload: { extensions: { frontrowDelivery: { admitted: true } } } }));
        }
      });
    });
  }

  get url(): string {
    return `http://127.0.0.1:${(this.wss.address() as AddressInfo).port}/graphql`;
  }

  /** One chat message on the shared stream; resolves once the socket has room again. */
  async post(n: number, body: string): Promise<void> {
    const { socket, id } = this.shared!;
    const message = { __typename: 'ChatMessage', id: String(n), body, sentAt: new Date(0).toISOString() };
    socket.send(JSON.stringify({ id, type: 'next', payload: { data: { partyEvents: { __typename: 'ChatPosted', message } }, extensions: { eventId: `e${n}` } } }));
    while (socket.bufferedAmount > 1024 * 1024) await new Promise((r) => setTimeout(r, 5));
  }

  async close(): Promise<void> {
    for (const s of this.wss.clients) s.terminate();
    await new Promise((resolve) => this.wss.close(resolve));
  }
}

/** Resolves once `test` holds, checked at each turn of the event loop (for at most `ms`). */
async function until(test: () => boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!test()) {
    if (Date.now() > deadline) throw new Error('gave up waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('a client that stops reading', () => {
  let presence: ScriptedPresence;
  let stack: Stack;

  beforeAll(async () => {
    presence = new ScriptedPresence();
    await once(presence.wss, 'listening');
    stack = await startStack({ gateway: { subgraphUrls: { presence: presence.url }, subscriptions: { maxQueuedEvents: 20 } } });
  });
  afterAll(async () => {
    await stack?.close();
    await presence?.close();
  });

  it('is closed with 4413 once more than maxQueuedEvents wait for its socket, and the gateway lets its subscription go', async () => {
    const { token } = await stack.identity.tokens.issueAccessToken({ id: randomUUID(), roles: ['FAN'] });
    const client = new WebSocket(stack.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    const received: string[] = [];
    const closed = new Promise<{ code: number; reason: string }>((resolve) => client.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
    client.on('message', (data) => received.push(String(data)));
    await once(client, 'open');
    client.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
    await until(() => received.some((m) => m.includes('connection_ack')));
    client.send(
      JSON.stringify({
        id: 'party',
        type: 'subscribe',
        payload: {
          query: 'subscription($p: ID!) { partyEvents(partyId: $p) { __typename ... on ChatPosted { message { id body sentAt } } } }',
          variables: { p: randomUUID() },
        },
      }),
    );
    await until(() => !!presence.shared && !!presence.admission);
    // Events reach it while it reads.
    await presence.post(0, 'hello');
    await until(() => received.some((m) => m.includes('"type":"next"')));
    expect(JSON.parse(received.find((m) => m.includes('"type":"next"'))!)).toMatchObject({ id: 'party', payload: { data: { partyEvents: { message: { body: 'hello' } } } } });

    // It stops reading; the events keep coming until the gateway lets it go.
    (client as unknown as { _socket: Socket })._socket.pause();
    const body = 'x'.repeat(8 * 1024);
    let sent = 1;
    while (!presence.completed.includes(presence.admission!)) {
      if (sent > 20_000) throw new Error('the gateway never let the subscriber go');
      await presence.post(sent++, body);
      if (sent % 50 === 0) await new Promise((r) => setImmediate(r));
    }
    // It reads again: what was sent before the drop, then the close code.
    (client as unknown as { _socket: Socket })._socket.resume();
    expect(await closed).toEqual({ code: SLOW_CONSUMER_CLOSE, reason: 'Too many undelivered events' });
    const events = received.filter((m) => m.includes('"type":"next"')).length;
    expect(events).toBeGreaterThan(1);
    expect(events).toBeLessThan(sent);
    expect(received.some((m) => m.includes('"type":"error"'))).toBe(false);
    // Nothing of it is left at the gateway.
    await until(() => presence.completed.length >= 2); // its admission and the shared stream it alone held
    const metrics = await (await fetch(`${stack.url.replace(/\/graphql$/, '')}/metrics`)).text();
    expect(metrics).toMatch(/^gateway_subscriptions(\{[^}]*\})? 0$/m);
  });
});
