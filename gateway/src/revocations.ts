import { API_KEY_REVOKED_CHANNEL, type KeyValueStore, type Logger } from '@frontrow/kit';
import type { Authenticator } from './auth';
import type { SubscriptionLayer } from './subscriptions';

/** How often the gateway re-reads the revocation marks of the keys behind its open sockets, by default. */
export const DEFAULT_REVOCATION_SWEEP_MS = 15_000;

/**
 * Revoked API keys, pushed: identity publishes each revoked key's id on the shared
 * store's channel, and every gateway instance drops the key from its cache and closes
 * the WebSockets it authenticated with API_KEY_REVOKED_CLOSE (4410). A message missed
 * while this instance's subscriber was reconnecting to Redis is caught by a sweep that
 * re-reads the marks of the keys behind open sockets (identity keeps a mark for twice
 * the cache time, longer than the sweep's period).
 */
export async function listenForRevocations(opts: {
  kv: KeyValueStore;
  auth: Authenticator;
  subscriptions: SubscriptionLayer;
  logger: Logger;
  sweepMs?: number;
}): Promise<{ stop(): Promise<void> }> {
  const { kv, auth, subscriptions, logger } = opts;
  const revoked = (apiKeyId: string, how: string) => {
    auth.forgetApiKey(apiKeyId);
    const closed = subscriptions.closeApiKey(apiKeyId);
    if (closed) logger.info({ apiKeyId, closed, how }, 'API key revoked: its sockets closed');
  };
  const unsubscribe = await kv.subscribe(API_KEY_REVOKED_CHANNEL, (apiKeyId) => revoked(apiKeyId, 'announced'));
  let sweeping = false;
  const sweep = setInterval(() => {
    if (sweeping) return;
    sweeping = true;
    void (async () => {
      for (const apiKeyId of subscriptions.apiKeys()) if (await auth.isRevoked(apiKeyId)) revoked(apiKeyId, 'swept');
    })()
      .catch((err: unknown) => logger.warn({ err }, 'could not read API key revocation marks'))
      .finally(() => {
        sweeping = false;
      });
  }, opts.sweepMs ?? DEFAULT_REVOCATION_SWEEP_MS);
  sweep.unref();
  return {
    async stop() {
      clearInterval(sweep);
      await unsubscribe();
    },
  };
}
