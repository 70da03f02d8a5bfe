import { loadConfig, readSubgraphConfig, setting } from '@frontrow/kit';
import type { IdentitySettings } from './context';
import { DEFAULT_SETTINGS, type IdentityOptions } from './server';

type Env = Record<string, string | undefined>;

const d = DEFAULT_SETTINGS;
const atLeastOne = (value: number) => setting.int({ default: value, min: 1 });

/** Identity's limits and links from the environment (also what `npm start` passes it). */
export function readIdentitySettings(env: Env = process.env): Partial<IdentitySettings> {
  const config = loadConfig(
    {
      PUBLIC_WEB_URL: setting.url({ optional: true, protocols: ['http', 'https'] }),
      SIGNUP_RATE_LIMIT_PER_HOUR: atLeastOne(d.signupsPerAddressPerHour),
      PAIRING_RATE_LIMIT_PER_HOUR: atLeastOne(d.pairingStartsPerAddressPerHour),
      PAIRING_APPROVE_RATE_LIMIT_PER_MINUTE: atLeastOne(d.pairingApprovalsPerUserPerMinute),
      API_KEY_RATE_LIMIT_PER_HOUR: atLeastOne(d.apiKeysPerUserPerHour),
      SIGNIN_FREE_FAILURES: atLeastOne(d.signInFreeFailures),
      SIGNIN_BASE_DELAY_SECONDS: atLeastOne(d.signInBaseDelaySeconds),
      // Waits longer than a day would outlive the pair's memory of its failures.
      SIGNIN_MAX_DELAY_SECONDS: setting.int({ default: d.signInMaxDelaySeconds, min: 1, max: 24 * 60 * 60 }),
      SIGNIN_ACCOUNT_FAILURES_PER_HOUR: atLeastOne(d.signInAccountFailuresPerHour),
      SIGNIN_ADDRESS_FAILURES_PER_HOUR: atLeastOne(d.signInAddressFailuresPerHour),
      SIGNIN_KNOWN_ADDRESS_DAYS: atLeastOne(d.signInKnownAddressDays),
      SIGNIN_ALERT_FAILURES_PER_HOUR: atLeastOne(d.signInAlertFailuresPerHour),
    },
    env,
  );
  return {
    publicWebUrl: config.PUBLIC_WEB_URL ?? d.publicWebUrl,
    signupsPerAddressPerHour: config.SIGNUP_RATE_LIMIT_PER_HOUR,
    pairingStartsPerAddressPerHour: config.PAIRING_RATE_LIMIT_PER_HOUR,
    pairingApprovalsPerUserPerMinute: config.PAIRING_APPROVE_RATE_LIMIT_PER_MINUTE,
    apiKeysPerUserPerHour: config.API_KEY_RATE_LIMIT_PER_HOUR,
    signInFreeFailures: config.SIGNIN_FREE_FAILURES,
    signInBaseDelaySeconds: config.SIGNIN_BASE_DELAY_SECONDS,
    signInMaxDelaySeconds: config.SIGNIN_MAX_DELAY_SECONDS,
    signInAccountFailuresPerHour: config.SIGNIN_ACCOUNT_FAILURES_PER_HOUR,
    signInAddressFailuresPerHour: config.SIGNIN_ADDRESS_FAILURES_PER_HOUR,
    signInKnownAddressDays: config.SIGNIN_KNOWN_ADDRESS_DAYS,
    signInAlertFailuresPerHour: config.SIGNIN_ALERT_FAILURES_PER_HOUR,
  };
}

/**
 * Everything identity reads from its environment, validated: a missing or malformed
 * setting stops the start with its name. The limits' defaults suit a crowd behind
 * one address (a venue's Wi-Fi); docs/decisions/0010-sign-in-throttling.md explains them.
 */
export function readIdentityConfig(env: Env = process.env): IdentityOptions & { settings: Partial<IdentitySettings> } {
  const { options, config } = readSubgraphConfig(
    'identity',
    { variable: 'IDENTITY_PORT', default: 4001 },
    {
      REDIS_URL: setting.url({ optional: true, protocols: ['redis', 'rediss'] }),
      SEED_ADMIN_EMAIL: setting.optionalString(),
      SEED_ADMIN_PASSWORD: setting.optionalString(),
    },
    env,
  );
  const seedAdmin =
    config.SEED_ADMIN_EMAIL && config.SEED_ADMIN_PASSWORD ? { email: config.SEED_ADMIN_EMAIL, password: config.SEED_ADMIN_PASSWORD } : undefined;
  return { ...options, redisUrl: config.REDIS_URL, seedAdmin, settings: readIdentitySettings(env) };
}
