import { randomUUID } from 'node:crypto';
import { PRINCIPAL_HEADER, signCaller, type RoleName } from '@frontrow/kit';
import { codeOf, dataOf, gql as post, type GqlReply, type Loose } from '@frontrow/kit/testing';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export type GqlResult<T = Loose> = GqlReply<T>;

/** A person acting on presence: a user id, roles, and a header signed as the gateway would. */
export interface Actor {
  id: string;
  roles: RoleName[];
  header(): Promise<string>;
}

export function actor(secret: string, roles: RoleName[] = ['FAN']): Actor {
  const id = randomUUID();
  return {
    id,
    roles,
    header: () => signCaller({ principal: { kind: 'user', userId: id, roles, scopes: [] }, clientIp: '203.0.113.7' }, secret),
  };
}

/** An anonymous caller, as the gateway forwards one: signed, with no principal. */
export function anonymous(secret: string): Actor {
  return { id: '', roles: [], header: () => signCaller({ principal: null, clientIp: '203.0.113.7' }, secret) };
}

/** The shared test client, calling as `who` (their header signed as the gateway signs it). */
export async function gql<T = Loose>(url: string, query: string, variables: Record<string, unknown> = {}, who?: Actor): Promise<GqlResult<T>> {
  return post<T>(url, query, variables, who ? { headers: { [PRINCIPAL_HEADER]: await who.header() } } : undefined);
}

/** Fails the test with the errors when there are any; returns the data. */
export const ok = dataOf;
export const code = codeOf;

export const PARTY_FIELDS = `id inviteCode controlMode maxMembers createdAt event { id } host { id }
  members { user { id } role online muted joinedAt }
  playback { feed { id } playing positionMs rate updatedAt version }`;

export const EVENTS_SUBSCRIPTION = `subscription($p: ID!) { partyEvents(partyId: $p) {
  __typename
  ... on PlaybackChanged { state { feed { id } playing positionMs rate updatedAt version } by { id } }
  ... on MemberJoined { member { user { id } role online } }
  ... on MemberLeft { member { user { id } role online } }
  ... on MemberKicked { member { user { id } } }
  ... on MemberUpdated { member { user { id } role online muted } }
  ... on ChatPosted { message { id body author { id } sentAt } }
  ... on ChatRemoved { messageId }
  ... on ReactionSent { emoji by { id } count }
  ... on ControlModeChanged { controlMode by { id } }
} }`;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type PartyEventResult = { __typename: string } & Record<string, any>;

/** A graphql-ws client connected as the gateway would: the signed caller in connection_init. */
export function wsClient(wsUrl: string, connectionParams: () => Promise<Record<string, unknown>> | Record<string, unknown>): Client {
  return createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    connectionParams,
    retryAttempts: 0,
    lazy: true,
  });
}

export function memberClient(wsUrl: string, who: Actor): Client {
  return wsClient(wsUrl, async () => ({ [PRINCIPAL_HEADER]: await who.header() }));
}

/** One subscription's events as they come, its end, and its errors. */
export interface Stream {
  events: PartyEventResult[];
  errors: unknown[];
  completed: boolean;
  /** Resolves when the stream completes or fails. */
  ended: Promise<void>;
  stop(): void;
  /** Waits for the first event (after `from`) that matches. */
  next(match: (e: PartyEventResult) => boolean, from?: number): Promise<PartyEventResult>;
}

/** `extensions` go with the subscribe message (the gateway puts each caller's signed header there). */
export function follow(client: Client, partyId: string, extensions?: Record<string, unknown>): Stream {
  let resolveEnded!: () => void;
  const ended = new Promise<void>((r) => (resolveEnded = r));
  const waiters: Array<{ match: (e: PartyEventResult) => boolean; from: number; resolve: (e: PartyEventResult) => void }> = [];
  const stream: Stream = {
    events: [],
    errors: [],
    completed: false,
    ended,
    stop: () => undefined,
    next(match, from = 0) {
      const found = stream.events.slice(from).find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching event; got ${JSON.stringify(stream.events.map((e) => e.__typename))}`)), 10_000);
        waiters.push({
          match,
          from,
          resolve: (e) => {
            clearTimeout(timer);
            resolve(e);
          },
        });
      });
    },
  };
  stream.stop = client.subscribe<{ partyEvents: PartyEventResult }>(
    { query: EVENTS_SUBSCRIPTION, variables: { p: partyId }, ...(extensions ? { extensions } : {}) },
    {
      next(value) {
        if (value.errors?.length) {
          stream.errors.push(...value.errors);
          return;
        }
        const event = value.data?.partyEvents;
        if (!event) return;
        stream.events.push(event);
        for (const w of [...waiters]) {
          if (stream.events.length > w.from && w.match(event)) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(event);
          }
        }
      },
      error(err) {
        stream.errors.push(err);
        resolveEnded();
      },
      complete() {
        stream.completed = true;
        resolveEnded();
      },
    },
  );
  return stream;
}
