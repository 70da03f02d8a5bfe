/**
 * What tests share: the real servers when their URLs are set (as in CI), the
 * embedded stand-ins otherwise; and names that keep each suite apart (its own
 * Postgres schema, Redis prefix and queue names). Without DATABASE_URL, each Jest run
 * starts one embedded PostgreSQL (jest.global-setup.js at the root) and its suites
 * share it, each in schemas of its own.
 */
import { randomBytes } from 'node:crypto';
import type { BusTransport } from './bus/types';
import { MemoryTransport } from './bus/memory';
import { RabbitTransport } from './bus/rabbit';
import { MemoryStore, RedisStore, type KeyValueStore } from './kv';
import { createLogger } from './logger';

export { isCi, need, needs, onPath, type Conditional, type Need } from './needs';
export {
  SESSION_FIELDS,
  SIGN_IN,
  SIGN_UP,
  TEST_PASSWORD,
  codeOf,
  dataOf,
  gql,
  signIn,
  signUp,
  type Account,
  type GqlAuth,
  type GqlError,
  type GqlReply,
  type Loose,
  type Session,
} from './test-client';

export const testEnv = {
  /** The real server's URL, or the embedded PostgreSQL of this Jest run. */
  databaseUrl: process.env.DATABASE_URL || process.env.FRONTROW_TEST_EMBEDDED_DATABASE_URL || undefined,
  /** True when the database is the embedded one (no DATABASE_URL). */
  embeddedDatabase: !process.env.DATABASE_URL,
  redisUrl: process.env.REDIS_URL || undefined,
  amqpUrl: process.env.AMQP_URL || undefined,
};

/** A name unique to this run: `identity_t3k9x...`. */
export function uniqueName(prefix: string): string {
  return `${prefix}_t${Date.now().toString(36)}${randomBytes(4).toString('hex')}`;
}

export function testSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function testKv(): KeyValueStore {
  return testEnv.redisUrl ? new RedisStore(testEnv.redisUrl, createLogger('test'), `${uniqueName('test')}:`) : new MemoryStore();
}

export function testTransport(): BusTransport {
  return testEnv.amqpUrl ? new RabbitTransport(testEnv.amqpUrl, createLogger('test'), 'frontrow-test') : new MemoryTransport(createLogger('test-bus'));
}

/** Polls until `check` returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 15_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v as T;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs}ms${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
