import { connect, createServer, type Server, type Socket } from 'node:net';
import Redis from 'ioredis';
import { DomainError } from '../src/errors';
import { MemoryStore, RedisStore, type KeyValueStore } from '../src/kv';
import { createLogger } from '../src/logger';
import { freePort } from '../src/net';
import { hitRateLimit, isOverLimit } from '../src/ratelimit';
import { eventually, need, needs, testEnv, uniqueName, type Need } from '../src/testing';

/**
 * One set of behaviours, run against the in-process stand-in and against Redis (which
 * needs REDIS_URL): the stand-in must behave like the real thing.
 */
interface Flavour {
  name: string;
  needs: Need[];
  /** A store under a prefix of its own. */
  open(prefix: string): KeyValueStore;
  /** Removes whatever the suite left under its prefixes. */
  cleanup(prefixes: string[]): Promise<void>;
}

const redisUrl = testEnv.redisUrl ?? '';
const flavours: Flavour[] = [
  { name: 'MemoryStore', needs: [], open: () => new MemoryStore(), cleanup: async () => undefined },
  {
    name: 'RedisStore',
    needs: [need.env('REDIS_URL')],
    open: (prefix) => new RedisStore(redisUrl, createLogger('test'), prefix),
    async cleanup(prefixes) {
      const redis = new Redis(redisUrl);
      try {
        for (const prefix of prefixes) {
          const keys = await redis.keys(`${prefix}*`);
          if (keys.length) await redis.del(...keys);
        }
      } finally {
        await redis.quit();
      }
    },
  },
];

/** Collects what a subscription receives. */
function inbox() {
  const got: string[] = [];
  return { got, handler: (m: string) => void got.push(m) };
}

for (const flavour of flavours) needs(...flavour.needs).describe(flavour.name, () => {
  const prefixes: string[] = [];
  const stores: KeyValueStore[] = [];
  let kv: KeyValueStore;

  function open(): KeyValueStore {
    const prefix = `${uniqueName('kv')}:`;
    prefixes.push(prefix);
    const store = flavour.open(prefix);
    stores.push(store);
    return store;
  }

  beforeAll(() => {
    kv = open();
  });

  afterAll(async () => {
    await flavour.cleanup(prefixes);
    for (const s of stores) await s.close();
  });

  describe('incr', () => {
    it('counts from 1 and sets the expiry when the counter is new', async () => {
      expect(await kv.incr('hits', 60)).toBe(1);
      const ttl = await kv.ttl('hits');
      expect(ttl).toBeGreaterThanOrEqual(59);
      expect(ttl).toBeLessThanOrEqual(60);
      expect(await kv.incr('hits', 60)).toBe(2);
      expect(await kv.incr('hits', 60)).toBe(3);
      expect(await kv.get('hits')).toBe('3');
    });

    it('does not extend the expiry of a running counter', async () => {
      await kv.incr('window', 30);
      await kv.incr('window', 3600);
      expect(await kv.ttl('window')).toBeLessThanOrEqual(30);
    });

    it('gives a counter left without an expiry one', async () => {
      await kv.set('orphan', '5');
      expect(await kv.incr('orphan', 60)).toBe(6);
      expect(await kv.ttl('orphan')).toBeGreaterThan(0);
    });

    it('counts every one of many increments sent at once (they share writes to Redis)', async () => {
      const counts = await Promise.all(Array.from({ length: 500 }, () => kv.incr('burst-count', 60)));
      expect([...counts].sort((a, b) => a - b)).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
      expect(await kv.get('burst-count')).toBe('500');
    });
  });

  describe('ttl', () => {
    it('is -1 for a key that does not exist or has no expiry, the seconds left otherwise', async () => {
      expect(await kv.ttl('absent')).toBe(-1);
      await kv.set('forever', 'v');
      expect(await kv.ttl('forever')).toBe(-1);
      await kv.set('brief', 'v', 120);
      const t = await kv.ttl('brief');
      expect(t).toBeGreaterThanOrEqual(119);
      expect(t).toBeLessThanOrEqual(120);
      await kv.del('forever');
    });
  });

  describe('set, get and del', () => {
    it('stores, overwrites and deletes a value', async () => {
      expect(await kv.get('name')).toBeNull();
      await kv.set('name', 'first');
      expect(await kv.get('name')).toBe('first');
      await kv.set('name', 'second', 60);
      expect(await kv.get('name')).toBe('second');
      expect(await kv.ttl('name')).toBeGreaterThan(0);
      await kv.set('name', 'third');
      expect(await kv.ttl('name')).toBe(-1);
      await kv.del('name');
      expect(await kv.get('name')).toBeNull();
      await kv.del('name');
    });

    it('keeps stores with different prefixes apart', async () => {
      const other = open();
      await kv.set('shared-name', 'mine', 60);
      expect(await other.get('shared-name')).toBeNull();
      await other.set('shared-name', 'theirs', 60);
      expect(await kv.get('shared-name')).toBe('mine');
    });
  });

  describe('setIfAbsent', () => {
    it('sets only the first time, with the expiry, and again once the key is gone', async () => {
      expect(await kv.setIfAbsent('lock', 'a', 60)).toBe(true);
      expect(await kv.setIfAbsent('lock', 'b', 60)).toBe(false);
      expect(await kv.get('lock')).toBe('a');
      expect(await kv.ttl('lock')).toBeGreaterThan(0);
      await kv.del('lock');
      expect(await kv.setIfAbsent('lock', 'c', 60)).toBe(true);
      expect(await kv.get('lock')).toBe('c');
    });
  });

  describe('expiry', () => {
    // One wait for the three, to keep the suite fast.
    it('forgets a value, restarts a counter from 1 and opens a new rate-limit window', async () => {
      await kv.set('fleeting', 'v', 1);
      expect(await kv.incr('short', 1)).toBe(1);
      expect(await kv.incr('short', 1)).toBe(2);
      await hitRateLimit(kv, 'burst', 1, 1);
      await expect(hitRateLimit(kv, 'burst', 1, 1)).rejects.toMatchObject({ code: 'RATE_LIMITED' });
      expect(await kv.get('fleeting')).toBe('v');

      await eventually(async () => (await kv.get('fleeting')) === null && (await kv.get('short')) === null, 5000);
      expect(await kv.ttl('short')).toBe(-1);
      expect(await kv.incr('short', 1)).toBe(1);
      await eventually(() => hitRateLimit(kv, 'burst', 1, 1).then(() => true), 5000);
    });
  });

  describe('publish and subscribe', () => {
    it('delivers to every subscriber of the channel, in order, and to no other channel', async () => {
      const a = inbox();
      const b = inbox();
      const elsewhere = inbox();
      const offA = await kv.subscribe('scores', a.handler);
      const offB = await kv.subscribe('scores', b.handler);
      const offElsewhere = await kv.subscribe('chat', elsewhere.handler);
      await kv.publish('scores', '1-0');
      await kv.publish('scores', '2-0');
      await eventually(() => a.got.length === 2 && b.got.length === 2, 5000);
      expect(a.got).toEqual(['1-0', '2-0']);
      expect(b.got).toEqual(['1-0', '2-0']);
      await kv.publish('chat', 'hello');
      await eventually(() => elsewhere.got.length === 1, 5000);
      expect(a.got).toHaveLength(2);
      await offA();
      await offB();
      await offElsewhere();
    });

    it('stops delivering to a handler once it unsubscribed, and to a channel nobody listens to', async () => {
      const leaving = inbox();
      const staying = inbox();
      const sentinel = inbox();
      const offLeaving = await kv.subscribe('match', leaving.handler);
      const offStaying = await kv.subscribe('match', staying.handler);
      const offSentinel = await kv.subscribe('sentinel', sentinel.handler);

      await offLeaving();
      await kv.publish('match', 'after-leaving');
      await eventually(() => staying.got.length === 1, 5000);
      expect(staying.got).toEqual(['after-leaving']);

      await offStaying();
      await kv.publish('match', 'nobody-listens');
      // Messages arrive in order: once the sentinel's arrived, the one before it would have too.
      await kv.publish('sentinel', 'done');
      await eventually(() => sentinel.got.length === 1, 5000);
      expect(leaving.got).toEqual([]);
      expect(staying.got).toEqual(['after-leaving']);
      await offSentinel();
    });

    it('has every subscriber of a new channel listening once its subscribe resolves, when several subscribe at once', async () => {
      // A fresh store: its listening connection is not even open yet.
      const fresh = open();
      const first = inbox();
      const second = inbox();
      const subscribing = fresh.subscribe('kickoff', first.handler);
      const offSecond = await fresh.subscribe('kickoff', second.handler);
      // The second subscribe resolved: what is published now reaches both handlers.
      await fresh.publish('kickoff', 'go');
      const offFirst = await subscribing;
      await eventually(() => first.got.length === 1 && second.got.length === 1, 5000);
      expect(first.got).toEqual(['go']);
      expect(second.got).toEqual(['go']);
      await offFirst();
      await offSecond();
    });

    it('does not cross prefixes', async () => {
      const other = open();
      const mine = inbox();
      const theirs = inbox();
      const offMine = await kv.subscribe('room', mine.handler);
      const offTheirs = await other.subscribe('room', theirs.handler);
      await other.publish('room', 'for-them');
      await kv.publish('room', 'for-me');
      await eventually(() => mine.got.length === 1 && theirs.got.length === 1, 5000);
      expect(mine.got).toEqual(['for-me']);
      expect(theirs.got).toEqual(['for-them']);
      await offMine();
      await offTheirs();
    });
  });

  describe('hitRateLimit', () => {
    it('allows max hits per window, then throws RATE_LIMITED with the seconds left', async () => {
      for (let i = 0; i < 3; i++) await hitRateLimit(kv, 'sign-in:203.0.113.7', 3, 60);
      expect(await isOverLimit(kv, 'sign-in:203.0.113.7', 3)).toBe(true);
      const err = await hitRateLimit(kv, 'sign-in:203.0.113.7', 3, 60).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(DomainError);
      expect((err as DomainError).code).toBe('RATE_LIMITED');
      const retry = (err as DomainError).details.retryAfterSeconds as number;
      expect(retry).toBeGreaterThan(0);
      expect(retry).toBeLessThanOrEqual(60);
      // Still limited on the next try; another key has its own budget.
      await expect(hitRateLimit(kv, 'sign-in:203.0.113.7', 3, 60)).rejects.toMatchObject({ code: 'RATE_LIMITED' });
      await expect(hitRateLimit(kv, 'sign-in:198.51.100.1', 3, 60)).resolves.toBeUndefined();
      expect(await isOverLimit(kv, 'sign-in:198.51.100.1', 3)).toBe(false);
    });
  });
});

/**
 * Redis away when a subscriber arrives: a port with nothing on it, then a relay to the
 * test's Redis on that port. The subscriber is told SERVICE_UNAVAILABLE within the
 * store's bound (it used to wait for as long as Redis was away), and once Redis
 * answers, subscribing works again.
 */
needs(need.env('REDIS_URL')).describe('RedisStore while Redis is away', () => {
  let relay: Server | undefined;
  const sockets = new Set<Socket>();
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => (relay ? relay.close(() => resolve()) : resolve()));
  });

  it('answers a subscriber SERVICE_UNAVAILABLE within its bound, and subscribes once Redis is back', async () => {
    const port = await freePort();
    const prefix = `${uniqueName('kvaway')}:`;
    const store = new RedisStore(`redis://127.0.0.1:${port}`, createLogger('test'), prefix, 5000, 300);
    try {
      const started = Date.now();
      await expect(store.subscribe('room', () => undefined)).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
      expect(Date.now() - started).toBeLessThan(5000);
      // The next subscriber asks again, and is told the same.
      await expect(store.subscribe('room', () => undefined)).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });

      // Redis comes back on that port.
      const target = new URL(redisUrl);
      relay = createServer((client) => {
        const upstream = connect(Number(target.port || 6379), target.hostname);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => undefined);
        }
        client.pipe(upstream).pipe(client);
      });
      await new Promise<void>((resolve) => relay!.listen(port, '127.0.0.1', () => resolve()));
      const got = inbox();
      const off = await eventually(async () => store.subscribe('room', got.handler).catch(() => undefined), 15_000, 200);
      await store.publish('room', 'back');
      await eventually(() => got.got.length === 1, 5000);
      expect(got.got).toEqual(['back']);
      await off();
    } finally {
      await store.close();
    }
  });
});
