import { signUp, type GqlReply, type Loose } from '@frontrow/kit/testing';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

/** What tests and the fan-out benchmark need to talk to a gateway as fans do. */

export { gql, type Loose } from '@frontrow/kit/testing';
/** A result over HTTP or graphql-ws (only HTTP has a status). */
export type Reply<T = Loose> = Pick<GqlReply<T>, 'data' | 'errors'>;

/** A fan of a party: who they are, and their access token. */
export interface Fan {
  id: string;
  token: string;
  displayName: string;
}

/** A new fan signed up through the gateway with the shared test client. */
export async function signUpFan(gatewayUrl: string, displayName: string): Promise<Fan> {
  const account = await signUp(gatewayUrl, displayName);
  return { id: account.user.id, token: account.accessToken, displayName };
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
