import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApolloServerOptions } from '@apollo/server';
import { errorBody, type Principal } from '@frontrow/kit';
import type { Request, RequestHandler } from 'express';
import { GraphQLError } from 'graphql';

/** The code of an operation the safelist refuses (kit errors.ts; decision 0028). */
export const NOT_ALLOWED = 'PERSISTED_QUERY_NOT_ALLOWED';

/** Apollo Server's cache of automatic persisted queries (a KeyValueCache of texts). */
export type PersistedQueryCache = NonNullable<Exclude<ApolloServerOptions<object>['persistedQueries'], false | undefined>['cache']>;

/** Where `npm run codegen` writes the first-party clients' operations. */
export const DEFAULT_PERSISTED_OPERATIONS_PATH = join(__dirname, '..', 'persisted-operations.json');

export interface PersistedOperation {
  name: string;
  type: 'query' | 'mutation' | 'subscription';
  /** SHA-256 of `text`, hex: Apollo's `extensions.persistedQuery.sha256Hash`. */
  hash: string;
  text: string;
}

const NOT_ALLOWED_MESSAGE =
  'This gateway runs only the operations of FrontRow\'s own apps, and this one is not among them. ' +
  'To send operations of your own, use an API key of a developer account (x-api-key).';

export function notAllowed(): GraphQLError {
  return new GraphQLError(NOT_ALLOWED_MESSAGE, { extensions: { code: NOT_ALLOWED, http: { status: 403 } } });
}

/**
 * Who may send any operation while the safelist is on: an API key whose owner is a
 * developer (the DEVELOPER role; a key carries its owner's roles, never ADMIN). A
 * signed-in person, whatever their roles, sends what the apps send.
 */
export function mayRunAnyOperation(principal: Principal | null): boolean {
  return principal?.kind === 'apiKey' && principal.roles.includes('DEVELOPER');
}

/**
 * The operations the first-party clients send, as `npm run codegen` lists them
 * (gateway/persisted-operations.json), looked up by hash and by exact text.
 */
export class PersistedOperations {
  private readonly byHash = new Map<string, PersistedOperation>();
  private readonly byText = new Map<string, PersistedOperation>();

  constructor(operations: readonly PersistedOperation[]) {
    for (const op of operations) {
      this.byHash.set(op.hash, op);
      this.byText.set(op.text, op);
    }
  }

  /** Reads the list `npm run codegen` writes; throws naming the file when it is unreadable or malformed. */
  static fromFile(path: string = DEFAULT_PERSISTED_OPERATIONS_PATH): PersistedOperations {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(path, 'utf8'));
    } catch (e) {
      throw new Error(`the persisted operations (${path}) cannot be read: ${(e as Error).message}`);
    }
    const operations = (parsed as { operations?: unknown } | null)?.operations;
    const valid = (o: unknown): o is PersistedOperation => {
      const op = o as Partial<PersistedOperation> | null;
      return !!op && typeof op.name === 'string' && typeof op.text === 'string' && typeof op.hash === 'string' && /^[0-9a-f]{64}$/.test(op.hash);
    };
    if (!Array.isArray(operations) || !operations.every(valid)) throw new Error(`the persisted operations (${path}) are not a list of { name, type, hash, text }`);
    return new PersistedOperations(operations);
  }

  get size(): number {
    return this.byHash.size;
  }

  byHashOf(hash: string): PersistedOperation | undefined {
    return this.byHash.get(hash);
  }

  /** The operation whose text this is, exactly (no hashing: a map lookup). */
  byTextOf(text: string): PersistedOperation | undefined {
    return this.byText.get(text);
  }

  /**
   * Apollo Server's cache of automatic persisted queries, which answers the listed
   * operations' hashes itself: a client may send a listed operation by hash alone, with
   * no registration first, and Apollo Server then takes its parsed, validated document
   * from its document store by that hash (no hashing, parsing or validating). Other
   * hashes are registered and kept as before, in memory.
   */
  apqCache(): PersistedQueryCache {
    const registered = new Map<string, string>();
    let chars = 0;
    return {
      get: async (key) => {
        const listed = this.byHash.get(key.startsWith(APQ_PREFIX) ? key.slice(APQ_PREFIX.length) : key);
        if (listed) return listed.text;
        const text = registered.get(key);
        if (text !== undefined) {
          // The most recently used stay.
          registered.delete(key);
          registered.set(key, text);
        }
        return text;
      },
      set: async (key, value) => {
        if (registered.has(key) || this.byHash.has(key.slice(APQ_PREFIX.length))) return;
        registered.set(key, value);
        chars += value.length;
        while (chars > MAX_REGISTERED_CHARS && registered.size) {
          const [oldest, text] = registered.entries().next().value!;
          registered.delete(oldest);
          chars -= text.length;
        }
      },
      delete: async (key) => {
        const text = registered.get(key);
        if (text !== undefined) chars -= text.length;
        return registered.delete(key);
      },
    };
  }
}

/** Texts registered by hash (operations not listed) held at once, in characters; the least recently used go first. */
const MAX_REGISTERED_CHARS = 16 * 1024 * 1024;

/** Apollo Server prefixes the keys of its persisted-query cache with this. */
const APQ_PREFIX = 'apq:';

interface Sent {
  query?: string;
  hash?: string;
}

/** The text, or else the persisted-query hash, of a request; undefined for what Apollo Server refuses itself (batches, no body). */
function sentOf(req: Request): Sent | undefined {
  let query: unknown;
  let extensions: unknown;
  if (req.method === 'GET') {
    const q = req.query as Record<string, unknown>;
    query = q.query;
    try {
      extensions = typeof q.extensions === 'string' ? JSON.parse(q.extensions) : undefined;
    } catch {
      return undefined; // Apollo Server answers a malformed extensions parameter
    }
  } else {
    const body = req.body as unknown;
    if (!body || typeof body !== 'object' || Array.isArray(body)) return undefined;
    ({ query, extensions } = body as { query?: unknown; extensions?: unknown });
  }
  const hash = (extensions as { persistedQuery?: { sha256Hash?: unknown } } | null | undefined)?.persistedQuery?.sha256Hash;
  return { query: typeof query === 'string' && query.length ? query : undefined, hash: typeof hash === 'string' ? hash : undefined };
}

/**
 * The safelist over HTTP, in front of Apollo Server and before any parsing: a request
 * whose text is a listed operation's (exactly), or which sends a listed operation's hash
 * alone, goes on; any other is refused with PERSISTED_QUERY_NOT_ALLOWED (HTTP 403)
 * unless its caller may run any operation (a developer's API key). The caller is
 * identified only for an unlisted operation; `identify` is the request's own, memoized,
 * so its rate limit is counted once, and a caller it refuses is refused by the request's
 * context with the same error.
 */
export function safelistMiddleware(operations: PersistedOperations, identify: (req: Request) => Promise<Principal | null>): RequestHandler {
  return (req, res, next) => {
    const sent = sentOf(req);
    if (!sent) return next();
    if (sent.query !== undefined ? operations.byTextOf(sent.query) : sent.hash !== undefined && operations.byHashOf(sent.hash)) return next();
    if (sent.query === undefined && sent.hash === undefined) return next(); // Apollo Server: "must contain a query"
    identify(req).then(
      (principal) => {
        if (mayRunAnyOperation(principal)) next();
        else res.status(403).json(errorBody(NOT_ALLOWED, NOT_ALLOWED_MESSAGE));
      },
      () => next(),
    );
  };
}
