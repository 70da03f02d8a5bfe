import type { KeyValueStore, OutboxRelay, RequestBase } from '@frontrow/kit';
import type { EntityManager } from '@mikro-orm/postgresql';
import DataLoader from 'dataloader';
import { User } from './entities/user.entity';
import type { SignInThrottle } from './throttle';
import type { TokenService } from './tokens';

/**
 * What an identity instance can be told (index.ts reads them from the environment;
 * docs/decisions/0010-sign-in-throttling.md explains the limits). "Address" means
 * the client's IPv4 address or IPv6 /64.
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
  /** Failed sign-ins for one account from one address before each attempt must wait. */
  signInFreeFailures: number;
  /** The first wait; each further failure doubles it. */
  signInBaseDelaySeconds: number;
  /** The longest wait. */
  signInMaxDelaySeconds: number;
  /** Failed sign-ins per account per hour from addresses it never signed in from; known addresses are exempt. */
  signInAccountFailuresPerHour: number;
  /** Failed sign-ins per address per hour, all accounts together; known addresses are exempt. */
  signInAddressFailuresPerHour: number;
  /** How long a successful sign-in makes its address known to the account. */
  signInKnownAddressDays: number;
  /** Failures per account per hour from unknown addresses that raise an audit alert. */
  signInAlertFailuresPerHour: number;
}

export interface IdentityServices {
  tokens: TokenService;
  kv: KeyValueStore;
  relay: OutboxRelay;
  settings: IdentitySettings;
  /** The headset's link, `<publicWebUrl>/pair`. */
  verificationUri: string;
  throttle: SignInThrottle;
  /** Milliseconds since the epoch: Date.now, or the clock a test gave start(). */
  clock: () => number;
}

export interface IdentityContext extends RequestBase {
  em: EntityManager;
  services: IdentityServices;
  loaders: { user: DataLoader<string, User | null> };
  /** Set when this request signed someone in: they may read their own private fields. */
  sessionUserId?: string;
}

