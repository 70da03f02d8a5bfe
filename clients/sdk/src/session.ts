/**
 * The signed-in session: tokens kept in a storage (localStorage in browsers), and a
 * refresh that runs once however many requests find the access token expired.
 * Browser-safe: fetch, and Web Locks when the browser has them.
 */
export interface SessionUser {
  id: string;
  displayName: string;
  email?: string | null;
  roles: string[];
}

export interface Session {
  accessToken: string;
  /** Absent for a session handed over without one (it cannot be refreshed). */
  refreshToken?: string;
  /** ISO-8601; when the access token stops working. */
  expiresAt?: string;
  user?: SessionUser;
}

/** The part of the Web Storage API the session needs. */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** A storage that forgets on reload (tests, Node, private modes without storage). */
export function memoryStorage(): KeyValueStorage {
  const m = new Map<string, string>();
  return {
    getItem: (k) => m.get(k) ?? null,
    setItem: (k, v) => void m.set(k, v),
    removeItem: (k) => void m.delete(k),
  };
}

type Listener = (session: Session | null) => void;

/** The one operation the SDK sends without Apollo Client (a plain fetch): listed among the persisted operations as it is sent. */
export const REFRESH_SESSION_OPERATION = `mutation RefreshSession($refreshToken: String!) { refreshSession(refreshToken: $refreshToken) { accessToken refreshToken expiresAt user { id displayName email roles } } }`;

export interface SessionManagerOptions {
  /** The gateway's GraphQL URL. */
  url: string;
  storage?: KeyValueStorage;
  /** The storage key (default `frontrow.session`). */
  key?: string;
  fetch?: typeof fetch;
  /** Refresh this long before expiry when asked for a fresh token (default 30 s). */
  earlyMs?: number;
  now?: () => number;
}

/** Thrown when the session cannot be refreshed: the person must sign in again. */
export class SessionExpiredError extends Error {
  readonly code = 'UNAUTHENTICATED';
  constructor(message = 'Your session has ended. Please sign in again.') {
    super(message);
  }
}

interface LockManagerLike {
  request<T>(name: string, cb: () => Promise<T>): Promise<T>;
}

export class SessionManager {
  private readonly storage: KeyValueStorage;
  private readonly key: string;
  private readonly fetchFn: typeof fetch;
  private readonly earlyMs: number;
  private readonly now: () => number;
  private readonly listeners = new Set<Listener>();
  private inflight?: Promise<Session>;
  /** How many refreshSession calls this manager made (tests and metrics read it). */
  refreshes = 0;

  constructor(private readonly opts: SessionManagerOptions) {
    this.storage = opts.storage ?? memoryStorage();
    this.key = opts.key ?? 'frontrow.session';
    this.fetchFn = opts.fetch ?? ((...args) => fetch(...args));
    this.earlyMs = opts.earlyMs ?? 30_000;
    this.now = opts.now ?? (() => Date.now());
  }

  get current(): Session | null {
    const raw = this.storage.getItem(this.key);
    if (!raw) return null;
    try {
      const s = JSON.parse(raw) as Session;
      return typeof s.accessToken === 'string' ? s : null;
    } catch {
      return null;
    }
  }

  set(session: Session | null): void {
    if (session) this.storage.setItem(this.key, JSON.stringify(session));
    else this.storage.removeItem(this.key);
    for (const l of this.listeners) l(session);
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The access token to send, refreshed first when it is about to expire; null when signed out. */
  async accessToken(): Promise<string | null> {
    const s = this.current;
    if (!s) return null;
    if (s.refreshToken && s.expiresAt && Date.parse(s.expiresAt) - this.now() < this.earlyMs) {
      return (await this.refresh(s.accessToken).catch(() => null))?.accessToken ?? null;
    }
    return s.accessToken;
  }

  /**
   * A new session after `staleToken` was refused. One refresh at a time: callers that
   * arrive while one is in flight share it, and a caller whose token was already
   * replaced gets the replacement without refreshing again (the refresh token rotates,
   * and a reused one would revoke the whole session).
   */
  refresh(staleToken?: string): Promise<Session> {
    const s = this.current;
    if (s && staleToken && s.accessToken !== staleToken) return Promise.resolve(s);
    this.inflight ??= this.withLock(() => this.rotate(staleToken)).finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async withLock<T>(fn: () => Promise<T>): Promise<T> {
    // Tabs share the stored refresh token: the Web Lock makes them rotate it in turn.
    const locks = (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator?.locks;
    return locks ? locks.request(`${this.key}.refresh`, fn) : fn();
  }

  private async rotate(staleToken?: string): Promise<Session> {
    const s = this.current;
    if (!s) throw new SessionExpiredError('You are signed out.');
    // Another tab may have rotated while this one waited for the lock.
    if (staleToken && s.accessToken !== staleToken) return s;
    if (!s.refreshToken) {
      this.set(null);
      throw new SessionExpiredError();
    }
    this.refreshes++;
    let body: { data?: { refreshSession?: Session }; errors?: Array<{ message: string; extensions?: { code?: string } }> };
    try {
      const res = await this.fetchFn(this.opts.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: REFRESH_SESSION_OPERATION, variables: { refreshToken: s.refreshToken }, operationName: 'RefreshSession' }),
      });
      body = (await res.json()) as typeof body;
    } catch (e) {
      // Offline: keep the session, the next request tries again.
      throw new Error(`Could not reach FrontRow to renew the session: ${e instanceof Error ? e.message : String(e)}`);
    }
    const next = body.data?.refreshSession;
    if (!next) {
      const code = body.errors?.[0]?.extensions?.code;
      if (code === 'UNAUTHENTICATED' || code === 'BAD_USER_INPUT' || code === 'FORBIDDEN') {
        this.set(null);
        throw new SessionExpiredError();
      }
      throw new Error(body.errors?.[0]?.message ?? 'The session could not be renewed.');
    }
    this.set(next);
    return next;
  }
}
