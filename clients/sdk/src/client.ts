import { ApolloClient, ApolloLink, CombinedGraphQLErrors, HttpLink, InMemoryCache, ServerError } from '@apollo/client';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { relayStylePagination } from '@apollo/client/utilities';
import { OperationTypeNode } from 'graphql';
import { createClient, type Client as WsClient } from 'graphql-ws';
import { Observable } from 'rxjs';
import { SessionManager, type KeyValueStorage } from './session';

export interface FrontRowClientOptions {
  /** The gateway's GraphQL URL, http(s)://…/graphql. */
  url: string;
  /** Its graphql-ws URL; derived from `url` by default. */
  wsUrl?: string;
  /** Where the session is kept (localStorage in browsers; memory by default). */
  storage?: KeyValueStorage;
  storageKey?: string;
  fetch?: typeof fetch;
  /** A WebSocket implementation where there is no global one (Node 20: the `ws` package). */
  webSocketImpl?: unknown;
  /** Automatic persisted queries (default on: the gateway's Apollo Server keeps them). */
  persistedQueries?: boolean;
  /** Subscriptions over graphql-ws (default on). */
  subscriptions?: boolean;
}

export interface FrontRowClient {
  apollo: ApolloClient;
  session: SessionManager;
  /** The graphql-ws client, when subscriptions are on. */
  ws?: WsClient;
  /** Closes the socket and stops the client. */
  dispose(): Promise<void>;
}

/** graphql-ws close codes the gateway uses for credentials (docs/decisions/0008). */
const TOKEN_EXPIRED = 4401;
const FORBIDDEN = 4403;

function isUnauthenticated(value: unknown): boolean {
  if (CombinedGraphQLErrors.is(value)) return value.errors.some((e) => e.extensions?.code === 'UNAUTHENTICATED');
  if (ServerError.is(value)) return value.statusCode === 401;
  const errors = (value as { errors?: ReadonlyArray<{ extensions?: { code?: unknown } }> } | undefined)?.errors;
  return Array.isArray(errors) && errors.some((e) => e.extensions?.code === 'UNAUTHENTICATED');
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Sends the access token with every request; when the gateway answers
 * UNAUTHENTICATED for a token, refreshes the session once (shared by every request
 * that failed the same way) and replays the request with the new token, once.
 */
export function authLink(session: SessionManager): ApolloLink {
  return new ApolloLink((operation, forward) => {
    return new Observable((observer) => {
      let inner: { unsubscribe(): void } | undefined;
      let closed = false;
      const attempt = async (retried: boolean) => {
        const token = await session.accessToken();
        if (closed) return;
        operation.setContext(({ headers = {} }: { headers?: Record<string, string> }) => {
          const next = { ...headers };
          if (token) next.authorization = `Bearer ${token}`;
          else delete next.authorization;
          return { headers: next };
        });
        const retry = (why: unknown) => {
          if (retried || !token || !session.current?.refreshToken) return false;
          inner?.unsubscribe();
          session.refresh(token).then(
            () => void attempt(true).catch((e: unknown) => observer.error(e)),
            () => observer.error(why),
          );
          return true;
        };
        inner = forward(operation).subscribe({
          next: (result) => {
            if (isUnauthenticated(result) && retry(new CombinedGraphQLErrors(result))) return;
            observer.next(result);
          },
          error: (error: unknown) => {
            if (isUnauthenticated(error) && retry(error)) return;
            observer.error(error);
          },
          complete: () => observer.complete(),
        });
      };
      attempt(false).catch((e: unknown) => observer.error(e));
      return () => {
        closed = true;
        inner?.unsubscribe();
      };
    });
  });
}

/** The normalized cache, with Relay pagination for every connection field. */
export function createCache(): InMemoryCache {
  return new InMemoryCache({
    possibleTypes: {
      PartyEvent: ['ChatPosted', 'ChatRemoved', 'ControlModeChanged', 'MemberJoined', 'MemberKicked', 'MemberLeft', 'MemberUpdated', 'PlaybackChanged', 'ReactionSent'],
    },
    typePolicies: {
      Query: {
        fields: {
          events: relayStylePagination(['filter']),
          myOrders: relayStylePagination(),
          orders: relayStylePagination(['status', 'userId', 'eventId', 'from', 'to']),
          moderationQueue: relayStylePagination(),
          assetsInReview: relayStylePagination(),
          auditLog: relayStylePagination(['filter']),
        },
      },
      // Members have no id of their own: they live inside their party.
      PartyMember: { keyFields: false },
      PlaybackState: { keyFields: false },
      Money: { keyFields: false },
    },
  });
}

export interface FrontRowSocketOptions {
  /** The gateway's graphql-ws URL, ws(s)://…/graphql. */
  url: string;
  session: SessionManager;
  /** A WebSocket implementation where there is no global one (Node 20: the `ws` package). */
  webSocketImpl?: unknown;
}

/** How many times the socket reconnects after it was lost, with graphql-ws's randomised exponential back-off between tries. */
export const SOCKET_RETRY_ATTEMPTS = 20;

/**
 * The graphql-ws client every FrontRow client subscribes through (the Apollo link of
 * `createFrontRowClient` uses it; a client without Apollo can use it alone). It connects
 * when first used, sends the session's access token on every (re)connection, and after a
 * lost connection (a gateway restarted or gone) tries again up to
 * `SOCKET_RETRY_ATTEMPTS` times, 1.3 to 4 s first, then twice as long each time,
 * subscribing again to what was open. A refused token is refreshed once; a
 * connection refused without a session to refresh is not retried.
 */
export function createFrontRowSocket(opts: FrontRowSocketOptions): WsClient {
  const { session } = opts;
  let sent: string | null = null;
  let refused = false;
  return createClient({
    url: opts.url,
    lazy: true,
    webSocketImpl: opts.webSocketImpl,
    // Read on every (re)connection: a reconnect carries a fresh token.
    connectionParams: async () => {
      sent = await session.accessToken();
      return sent ? { authorization: `Bearer ${sent}` } : {};
    },
    retryAttempts: SOCKET_RETRY_ATTEMPTS,
    shouldRetry: () => !refused,
    on: {
      closed: (event) => {
        const code = (event as { code?: number } | undefined)?.code;
        if ((code === TOKEN_EXPIRED || code === FORBIDDEN) && sent && session.current?.refreshToken) {
          // Refreshed before the retry's connectionParams reads the token; no session: stop.
          session.refresh(sent).catch(() => (refused = true));
        } else if (code === FORBIDDEN) {
          refused = true;
        }
      },
      connected: () => {
        refused = false;
      },
    },
  });
}

/**
 * Calls `f` each time the socket connects again after it was lost (a gateway restarted
 * or went away), not on its first connection. graphql-ws subscribes again by itself,
 * but what happened while it was away is not replayed: a party room reads the party
 * again then. Returns what stops it.
 */
export function onReconnected(ws: WsClient, f: () => void): () => void {
  return ws.on('connected', (_socket, _payload, wasRetry) => {
    if (wasRetry) f();
  });
}

/** The Apollo Client every FrontRow client uses: auth with silent refresh, APQ, graphql-ws, the cache. */
export function createFrontRowClient(opts: FrontRowClientOptions): FrontRowClient {
  const session = new SessionManager({ url: opts.url, storage: opts.storage, key: opts.storageKey, fetch: opts.fetch });
  const http = new HttpLink({ uri: opts.url, fetch: opts.fetch });
  const persisted =
    opts.persistedQueries === false ? http : ApolloLink.from([new PersistedQueryLink({ sha256: sha256Hex }), http]);
  let link: ApolloLink = ApolloLink.from([authLink(session), persisted]);
  let ws: WsClient | undefined;
  if (opts.subscriptions !== false) {
    ws = createFrontRowSocket({ url: opts.wsUrl ?? opts.url.replace(/^http/, 'ws'), session, webSocketImpl: opts.webSocketImpl });
    const wsLink = new GraphQLWsLink(ws);
    link = ApolloLink.split(
      ({ query }) => query.definitions.some((d) => d.kind === 'OperationDefinition' && d.operation === OperationTypeNode.SUBSCRIPTION),
      wsLink,
      link,
    );
  }
  const apollo = new ApolloClient({ link, cache: createCache() });
  return {
    apollo,
    session,
    ws,
    async dispose() {
      apollo.stop();
      await ws?.dispose();
    },
  };
}
