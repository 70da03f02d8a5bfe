import type { KeyValueStore, OutboxRelay, RequestBase } from '@frontrow/kit';
import type { EntityManager } from '@mikro-orm/postgresql';
import DataLoader from 'dataloader';
import { User } from './entities/user.entity';
import type { TokenService } from './tokens';

/**
 * What an identity instance can be told (index.ts reads them from the environment;
 * "address" means the client's IPv4 address or IPv6 /64).
 */
export interface IdentitySettings {
  accessTtlSeconds: number;
  refreshTtlDays: number;
  pairingTtlSeconds: number;
  pairingIntervalSeconds: number;
  /** The web portal's public URL; a headset sends its fan to `<it>/pair`. */
  publicWebUrl: string;
  /** Sign-ups per address per hour (a venue's Wi-Fi is one address). */
  signupsPerAddressPerHour: number;
  /** Headset pairings started per address per hour. */
  pairingStartsPerAddressPerHour: number;
  /** Pairing codes one user may try to approve per minute. */
  pairingApprovalsPerUserPerMinute: number;
  /** API keys one user may create per hour. */
  apiKeysPerUserPerHour: number;
  signInMaxFailuresPerAccount: number;
  signInMaxAttemptsPerAddress: number;
}

export interface IdentityServices {
  tokens: TokenService;
  kv: KeyValueStore;
  relay: OutboxRelay;
  settings: IdentitySettings;
  /** The headset's link, `<publicWebUrl>/pair`. */
  verificationUri: string;
}

export interface IdentityContext extends RequestBase {
  em: EntityManager;
  services: IdentityServices;
  loaders: { user: DataLoader<string, User | null> };
  /** Set when this request signed someone in: they may read their own private fields. */
  sessionUserId?: string;
}

/** One query for any number of users asked for in one request. */
export function userLoader(em: EntityManager): DataLoader<string, User | null> {
  return new DataLoader(async (ids) => {
    const users = await em.find(User, { id: { $in: [...ids] } });
    const byId = new Map(users.map((u) => [u.id, u]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}
