import type { KeyValueStore, OutboxRelay, RequestBase } from '@frontrow/kit';
import type { EntityManager } from '@mikro-orm/postgresql';
import DataLoader from 'dataloader';
import { User } from './entities/user.entity';
import type { TokenService } from './tokens';

export interface IdentitySettings {
  accessTtlSeconds: number;
  refreshTtlDays: number;
  pairingTtlSeconds: number;
  pairingIntervalSeconds: number;
  verificationUri: string;
  signInMaxFailuresPerAccount: number;
  signInMaxAttemptsPerAddress: number;
}

export interface IdentityServices {
  tokens: TokenService;
  kv: KeyValueStore;
  relay: OutboxRelay;
  settings: IdentitySettings;
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
