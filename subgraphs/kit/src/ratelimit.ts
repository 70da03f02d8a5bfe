import { RateLimitedError } from './errors';
import type { KeyValueStore } from './kv';

/**
 * A fixed-window counter: at most `max` hits per `windowSeconds` for one key.
 * Throws RATE_LIMITED with the seconds left when the window is full.
 */
export async function hitRateLimit(kv: KeyValueStore, key: string, max: number, windowSeconds: number): Promise<void> {
  const n = await kv.incr(`rl:${key}`, windowSeconds);
  if (n > max) {
    const ttl = await kv.ttl(`rl:${key}`);
    throw new RateLimitedError(ttl > 0 ? ttl : windowSeconds);
  }
}

/** Like hitRateLimit, but only reports whether the key is over its budget. */
export async function isOverLimit(kv: KeyValueStore, key: string, max: number): Promise<boolean> {
  const v = await kv.get(`rl:${key}`);
  return v !== null && Number(v) >= max;
}
