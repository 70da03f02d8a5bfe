import Redis, { ReplyError } from 'ioredis';
import { ServiceUnavailableError } from './errors';
import type { Logger } from './logger';

/**
 * What the services need from Redis: counters with an expiry (rate limits), short-
 * lived values, and pub/sub. Redis in production; an in-process stand-in for the
 * embedded quick start, behind the same interface. When Redis cannot be reached, a
 * command fails after two reconnection attempts (a fraction of a second) with
 * `ServiceUnavailableError`, which clients see as SERVICE_UNAVAILABLE.
 */
export interface KeyValueStore {
  readonly kind: 'redis' | 'memory';
  /** Increments a counter, setting its expiry when it is new; returns the new value. */
  incr(key: string, ttlSeconds: number): Promise<number>;
  /** Seconds a key has left, or -1 when it has no expiry or does not exist. */
  ttl(key: string): Promise<number>;
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlSeconds?: number): Promise<void>;
  /** Sets only if absent; true when it was set. */
  setIfAbsent(key: string, value: string, ttlSeconds: number): Promise<boolean>;
  del(key: string): Promise<void>;
  publish(channel: string, message: string): Promise<void>;
  subscribe(channel: string, handler: (message: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export function createKeyValueStore(url: string | undefined, logger: Logger, prefix = 'frontrow:'): KeyValueStore {
  if (url) return new RedisStore(url, logger, prefix);
  logger.info('REDIS_URL is not set: using the in-process stand-in for Redis (quick start only)');
  return new MemoryStore();
}

/** INCR, and EXPIRE NX: the expiry is set when the counter has none (new, or left without one). */
const INCR_WITH_EXPIRY = "local n = redis.call('INCR', KEYS[1]) redis.call('EXPIRE', KEYS[1], ARGV[1], 'NX') return n";

interface IncrCommand {
  frontrowIncr(key: string, ttlSeconds: number): Promise<number>;
}

export class RedisStore implements KeyValueStore {
  readonly kind = 'redis' as const;
  private readonly client: Redis;
  private subscriber?: Redis;
  private readonly handlers = new Map<string, Set<(m: string) => void>>();
  /** Each channel's SUBSCRIBE, settled once Redis delivers its messages. */
  private readonly listening = new Map<string, Promise<void>>();
  /** Settled while the subscriber listens; pending from a lost connection until it has subscribed again. */
  private resubscribed: Promise<void> = Promise.resolve();
  private closing = false;

  constructor(
    private readonly url: string,
    private readonly logger: Logger,
    private readonly prefix: string,
    private readonly resubscribeWaitMs = 5000,
    /** How long a subscriber waits for Redis to take its SUBSCRIBE before being told SERVICE_UNAVAILABLE. */
    private readonly subscribeWaitMs = 5000,
  ) {
    // Commands issued in the same tick go out in one write (the gateway counts a rate
    // limit for every request: one write per request was an eighth of its time).
    this.client = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 2, enableOfflineQueue: true, enableAutoPipelining: true });
    this.client.on('error', (err) => logger.warn({ err }, 'Redis error'));
    // The counter and its expiry in one command (it was MULTI, INCR, EXPIRE, EXEC).
    this.client.defineCommand('frontrowIncr', { numberOfKeys: 1, lua: INCR_WITH_EXPIRY });
  }

  /** Runs a command; a failure to reach Redis (anything but Redis's own reply) becomes ServiceUnavailableError. */
  private async reach<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (err) {
      if (err instanceof ReplyError) throw err;
      this.logger.warn({ err }, 'Redis unreachable: answered SERVICE_UNAVAILABLE');
      throw new ServiceUnavailableError();
    }
  }

  async incr(key: string, ttlSeconds: number): Promise<number> {
    const k = this.prefix + key;
    return this.reach(() => (this.client as Redis & IncrCommand).frontrowIncr(k, ttlSeconds));
  }
  async ttl(key: string): Promise<number> {
    const t = await this.reach(() => this.client.ttl(this.prefix + key));
    return t < 0 ? -1 : t;
  }
  async get(key: string): Promise<string | null> {
    return this.reach(() => this.client.get(this.prefix + key));
  }
  async set(key: string, value: string, ttlSeconds?: number): Promise<void> {
    await this.reach(() => (ttlSeconds ? this.client.set(this.prefix + key, value, 'EX', ttlSeconds) : this.client.set(this.prefix + key, value)));
  }
  async setIfAbsent(key: string, value: string, ttlSeconds: number): Promise<boolean> {
    return (await this.reach(() => this.client.set(this.prefix + key, value, 'EX', ttlSeconds, 'NX'))) === 'OK';
  }
  async del(key: string): Promise<void> {
    await this.reach(() => this.client.del(this.prefix + key));
  }
  /**
   * Publishes once this store's own subscriber listens again after a lost connection
   * (waiting at most `resubscribeWaitMs`): Redis delivers a message only to those
   * subscribed when it arrives, and the two connections reconnect independently, so an
   * event published just after a Redis restart could otherwise reach Redis before the
   * subscriber was back and be lost to this instance's own subscribers (one in a run of
   * 30 restarts, platform/test/faults-redis.test.ts). While Redis is down this waits,
   * then fails with the command.
   */
  async publish(channel: string, message: string): Promise<void> {
    await waitAtMost(this.resubscribed, this.resubscribeWaitMs);
    await this.reach(() => this.client.publish(this.prefix + channel, message));
  }
  /**
   * Resolves once Redis delivers the channel's messages to `handler`. Everyone who
   * subscribes to a channel while its SUBSCRIBE is on its way waits for that same
   * SUBSCRIBE: before, the first waited for it and the others returned at once, so a
   * message they published straight away could reach Redis first and be lost to every
   * handler of the channel (likely how platform/test/party.test.ts once missed a party
   * member's own "online" event, published by an admission that had become quick). The handler is
   * registered before waiting, so a message that arrives with the SUBSCRIBE's answer
   * reaches it too.
   */
  async subscribe(channel: string, handler: (message: string) => void): Promise<() => Promise<void>> {
    const subscriber = this.subscriber ?? this.openSubscriber();
    const ch = this.prefix + channel;
    let set = this.handlers.get(ch);
    if (!set) {
      set = new Set();
      this.handlers.set(ch, set);
      const subscribed = subscriber.subscribe(ch).then(() => undefined);
      // Redis down: the SUBSCRIBE waits in ioredis's queue for as long as Redis is away;
      // its subscribers wait a bounded time, then hear SERVICE_UNAVAILABLE (and retry).
      this.listening.set(ch, boundedWait(subscribed, this.subscribeWaitMs, () => this.logger.warn({ channel }, 'Redis took no SUBSCRIBE in time: answered SERVICE_UNAVAILABLE')));
      // Taken once Redis is back, after its subscribers gave up: nobody listens there any more.
      subscribed.then(
        () => {
          if (!this.handlers.has(ch)) void this.subscriber?.unsubscribe(ch).catch(() => undefined);
        },
        () => undefined,
      );
    }
    set.add(handler);
    try {
      await this.listening.get(ch);
    } catch (err) {
      // Not listening: forget the channel, so that the next subscriber asks Redis again.
      set.delete(handler);
      if (this.handlers.get(ch) === set) {
        this.handlers.delete(ch);
        this.listening.delete(ch);
      }
      throw err;
    }
    return async () => {
      const s = this.handlers.get(ch);
      s?.delete(handler);
      if (s && s.size === 0) {
        this.handlers.delete(ch);
        this.listening.delete(ch);
        await this.subscriber?.unsubscribe(ch);
      }
    };
  }

  /**
   * The connection that listens. When it drops (Redis restarted, the network cut), it
   * reconnects on its own, and it subscribes again here, to every channel that still
   * has a handler. Until that is done, `publish()` waits (see `resubscribed`).
   */
  private openSubscriber(): Redis {
    // autoResubscribe is ioredis's own re-subscription; it gives no way to know when it is done.
    const subscriber = new Redis(this.url, { maxRetriesPerRequest: null, autoResubscribe: false });
    this.subscriber = subscriber;
    subscriber.on('error', (err) => this.logger.warn({ err }, 'Redis subscriber error'));
    subscriber.on('message', (ch: string, msg: string) => {
      for (const h of this.handlers.get(ch) ?? []) h(msg);
    });
    let lost = false;
    let done: (() => void) | undefined;
    subscriber.on('close', () => {
      if (lost || this.closing) return;
      lost = true;
      this.resubscribed = new Promise<void>((resolve) => (done = resolve));
    });
    subscriber.on('ready', () => {
      if (!lost) return;
      lost = false;
      const channels = [...this.handlers.keys()];
      const again = channels.length ? subscriber.subscribe(...channels).then(() => undefined) : Promise.resolve();
      again
        .then(() => this.logger.info({ channels: channels.length }, 'Redis subscriber reconnected and subscribed again'))
        .catch((err) => this.logger.warn({ err }, 'Redis subscriber could not subscribe again'))
        .finally(() => done?.());
    });
    return subscriber;
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.subscriber?.quit();
    await this.client.quit();
  }
}

/** Waits for `promise`, or `ms`, whichever comes first. */
/** `promise`, or ServiceUnavailableError once `ms` have passed without it settling. */
async function boundedWait(promise: Promise<void>, ms: number, onTimeout: () => void): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(new ServiceUnavailableError());
    }, ms);
  });
  try {
    await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

async function waitAtMost(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

/** The in-process stand-in: one process only, nothing persisted. */
export class MemoryStore implements KeyValueStore {
  readonly kind = 'memory' as const;
  private readonly values = new Map<string, { value: string; expiresAt?: number }>();
  private readonly handlers = new Map<string, Set<(m: string) => void>>();

  private live(key: string): { value: string; expiresAt?: number } | undefined {
    const e = this.values.get(key);
    if (e && e.expiresAt !== undefined && e.expiresAt <= Date.now()) {
      this.values.delete(key);
      return undefined;
    }
    return e;
  }
  async incr(key: string, ttlSeconds: number): Promise<number> {
    const e = this.live(key);
    const n = (e ? Number(e.value) : 0) + 1;
    this.values.set(key, { value: String(n), expiresAt: e?.expiresAt ?? Date.now() + ttlSeconds * 1000 });
    return n;
  }
  async ttl(key: string): Promise<number> {
    const e = this.live(key);
    return e?.expiresAt ? Math.ceil((e.expiresAt - Date.now()) / 1000) : -1;
  }
  async get(key: string): Promise<string | null> {
    return this.live(key)?.value ?? null;
  }
  async set(key: string, value: string, ttlSeconds?: number): Promise<void> {
    this.values.set(key, { value, expiresAt: ttlSeconds ? Date.now() + ttlSeconds * 1000 : undefined });
  }
  async setIfAbsent(key: string, value: string, ttlSeconds: number): Promise<boolean> {
    if (this.live(key)) return false;
    await this.set(key, value, ttlSeconds);
    return true;
  }
  async del(key: string): Promise<void> {
    this.values.delete(key);
  }
  async publish(channel: string, message: string): Promise<void> {
    for (const h of this.handlers.get(channel) ?? []) queueMicrotask(() => h(message));
  }
  async subscribe(channel: string, handler: (message: string) => void): Promise<() => Promise<void>> {
    const set = this.handlers.get(channel) ?? new Set();
    set.add(handler);
    this.handlers.set(channel, set);
    return async () => {
      set.delete(handler);
    };
  }
  async close(): Promise<void> {
    this.values.clear();
    this.handlers.clear();
  }
}
