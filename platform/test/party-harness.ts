import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

/** What tests and the fan-out benchmark need to talk to a gateway as fans do. */

// Responses are read loosely; each assertion states the shape it expects.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Loose = Record<string, any>;

export interface Reply<T = Loose> {
  data?: T | null;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
}

export async function gql<T = Loose>(url: string, query: string, variables: Record<string, unknown> = {}, token?: string): Promise<Reply<T>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as Reply<T>;
}

export interface Fan {
  id: string;
  token: string;
  displayName: string;
}

export async function signUp(gatewayUrl: string, displayName: string, unique: string): Promise<Fan> {
  const r = await gql(gatewayUrl, `mutation($i: SignUpInput!) { signUp(input: $i) { accessToken user { id } } }`, {
    i: { email: `${unique}@example.com`, password: 'a party password', displayName },
  });
  if (!r.data) throw new Error(`signUp failed: ${JSON.stringify(r.errors)}`);
  return { id: r.data.signUp.user.id, token: r.data.signUp.accessToken, displayName };
}

/** A graphql-ws client of the gateway, as the web and VR clients connect. */
export function connect(wsUrl: string, params: Record<string, unknown> | (() => Record<string, unknown>)): Client {
  return createClient({ url: wsUrl, webSocketImpl: WebSocket, connectionParams: params, retryAttempts: 0, lazy: true });
}

export const PARTY_EVENTS = `subscription($p: ID!) { partyEvents(partyId: $p) {
  __typename
  ... on PlaybackChanged { state { playing positionMs version } by { id displayName } }
  ... on MemberJoined { member { user { id displayName } } }
  ... on MemberKicked { member { user { id displayName } } }
  ... on MemberUpdated { member { online user { id } } }
  ... on ChatPosted { message { body } }
} }`;

/** One subscription's events, errors and end, with a way to wait for an event. */
export class Events {
  readonly events: Loose[] = [];
  readonly errors: unknown[] = [];
  completed = false;
  readonly ended: Promise<void>;
  readonly stop: () => void;
  private readonly waiters: Array<{ match: (e: Loose) => boolean; resolve: (e: Loose) => void }> = [];

  constructor(client: Client, query: string, variables: Record<string, unknown>) {
    let done!: () => void;
    this.ended = new Promise((r) => (done = r));
    this.stop = client.subscribe<Loose>(
      { query, variables },
      {
        next: (value) => {
          if (value.errors?.length) this.errors.push(...value.errors);
          const event = value.data && Object.values(value.data)[0];
          if (!event) return;
          this.events.push(event);
          for (const w of [...this.waiters]) {
            if (w.match(event)) {
              this.waiters.splice(this.waiters.indexOf(w), 1);
              w.resolve(event);
            }
          }
        },
        error: (err) => {
          this.errors.push(err);
          done();
        },
        complete: () => {
          this.completed = true;
          done();
        },
      },
    );
  }

  /** The first event so far or to come that matches (fails after `ms`). */
  next(match: (e: Loose) => boolean, ms = 15_000): Promise<Loose> {
    const found = this.events.find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching event in ${ms} ms; got ${JSON.stringify(this.events)} ${JSON.stringify(this.errors)}`)), ms);
      this.waiters.push({
        match,
        resolve: (e) => {
          clearTimeout(timer);
          resolve(e);
        },
      });
    });
  }
}
