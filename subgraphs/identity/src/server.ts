import {
  PRINCIPAL_HEADER,
  createKeyValueStore,
  defineSubgraph,
  loaderById,
  verifyCaller,
  type KeyValueStore,
  type Logger,
  type RoleName,
  type SubgraphHandle,
  type SubgraphOptions,
  type Subscription,
} from '@frontrow/kit';
import type { EntityManager } from '@mikro-orm/postgresql';
import express from 'express';
import { startConsumers } from './consumers';
import type { IdentityContext, IdentitySettings } from './context';
import { hashPassword, sha256 } from './crypto';
import { ApiKey } from './entities/api-key.entity';
import { Device } from './entities/device.entity';
import { RefreshToken } from './entities/refresh-token.entity';
import { SigningKey } from './entities/signing-key.entity';
import { Role, User } from './entities/user.entity';
import { migrations } from './migrations';
import { SignInThrottle } from './throttle';
import { TokenService } from './tokens';
import { buildIdentitySchema } from './schema';
import { DevicePairingRecord } from './entities/device-pairing-record.entity';

export interface IdentityOptions extends SubgraphOptions {
  redisUrl?: string;
  /** Shared in-process stand-ins (the embedded quick start runs every service in one process). */
  kv?: KeyValueStore;
  settings?: Partial<IdentitySettings>;
  seedAdmin?: { email: string; password: string };
  /** Milliseconds since the epoch, as sign-in throttling and headset pairing see them (tests let time pass with it). */
  clock?: () => number;
}

export type IdentityHandle = SubgraphHandle<{ tokens: TokenService }>;

export const DEFAULT_SETTINGS: IdentitySettings = {
  accessTtlSeconds: 15 * 60,
  refreshTtlDays: 30,
  pairingTtlSeconds: 10 * 60,
  pairingIntervalSeconds: 5,
  publicWebUrl: 'http://localhost:3000',
  signupsPerAddressPerHour: 1000,
  pairingStartsPerAddressPerHour: 1000,
  pairingApprovalsPerUserPerMinute: 10,
  apiKeysPerUserPerHour: 20,
  signInFreeFailures: 5,
  signInBaseDelaySeconds: 1,
  signInMaxDelaySeconds: 900,
  signInAccountFailuresPerHour: 100,
  signInAddressFailuresPerHour: 2000,
  signInKnownAddressDays: 30,
  signInAlertFailuresPerHour: 20,
};

/** The portal's pairing page under its public URL, however that URL ends. */
export function pairingLink(publicWebUrl: string): string {
  return `${publicWebUrl.replace(/\/+$/, '')}/pair`;
}

export const identity = defineSubgraph<IdentityOptions, IdentityContext, { tokens: TokenService }>({
  name: 'identity',
  entities: [User, RefreshToken, Device, DevicePairingRecord, ApiKey, SigningKey],
  migrations,
  schema: buildIdentitySchema,
  async setup({ options: opts, storage, logger }) {
    const { em, relay } = storage;
    const settings = { ...DEFAULT_SETTINGS, ...opts.settings };
    const kv = opts.kv ?? createKeyValueStore(opts.redisUrl, logger);
    const subscriptions: Subscription[] = [];
    const closeSubscriptions = async () => {
      for (const s of subscriptions.splice(0)) await s.close();
    };
    try {
      const tokens = new TokenService(em, settings.accessTtlSeconds);
      await tokens.jwks();
      if (opts.seedAdmin) await ensureAdmin(em.fork(), opts.seedAdmin, logger);
      const clock = opts.clock ?? Date.now;
      const throttle = new SignInThrottle(kv, settings, opts.principalSecret, clock);
      const services = { tokens, kv, relay, settings, throttle, clock, verificationUri: pairingLink(settings.publicWebUrl) };
      subscriptions.push(...(await startConsumers(storage.orm, storage.transport, logger, opts.busNamespace)));
      return {
        context: (start) => ({ ...start, services, loaders: { user: loaderById(start.em, User) } }),
        routes(app) {
          app.get('/.well-known/jwks.json', async (_req, res) => {
            res.set('cache-control', 'public, max-age=300').json(await tokens.jwks());
          });
          // Only the gateway may ask: the request must carry its signed caller header.
          app.post('/internal/api-keys/verify', express.json({ limit: '4kb' }), async (req, res) => {
            const caller = await verifyCaller(req.header(PRINCIPAL_HEADER), opts.principalSecret);
            if (!caller) {
              res.status(403).json({ error: 'forbidden' });
              return;
            }
            const secret = typeof req.body?.secret === 'string' ? req.body.secret : '';
            const found = secret ? await verifyApiKey(em.fork(), secret) : null;
            if (!found) {
              res.status(401).json({ error: 'invalid api key' });
              return;
            }
            res.json(found);
          });
        },
        async stopped() {
          await closeSubscriptions();
          if (!opts.kv) await kv.close();
        },
        expose: () => ({ tokens }),
      };
    } catch (e) {
      await closeSubscriptions().catch(() => undefined);
      if (!opts.kv) await kv.close();
      throw e;
    }
  },
});

export const ENTITIES = identity.entities;
export const start = identity.start;

/**
 * Checks an API key and returns the principal it stands for: its owner's roles
 * (never ADMIN: administration needs a person) and the key's scopes.
 */
async function verifyApiKey(em: EntityManager, secret: string) {
  const key = await em.findOne(ApiKey, { secretHash: sha256(secret), revokedAt: null });
  if (!key) return null;
  const owner = await em.findOne(User, { id: key.userId });
  if (!owner) return null;
  if (!key.lastUsedAt || Date.now() - key.lastUsedAt.getTime() > 60_000) {
    await em.nativeUpdate(ApiKey, { id: key.id }, { lastUsedAt: new Date() });
  }
  return {
    kind: 'apiKey' as const,
    userId: owner.id,
    apiKeyId: key.id,
    roles: owner.roles.filter((r) => r !== Role.ADMIN) as RoleName[],
    scopes: key.scopes,
  };
}

async function ensureAdmin(em: EntityManager, seed: { email: string; password: string }, logger: Logger): Promise<void> {
  const email = seed.email.trim().toLowerCase();
  const existing = await em.findOne(User, { email });
  if (existing) {
    if (!existing.roles.includes(Role.ADMIN)) {
      existing.roles = [...existing.roles, Role.ADMIN];
      await em.flush();
    }
    return;
  }
  em.create(User, { email, passwordHash: await hashPassword(seed.password), displayName: 'Administrator', roles: [Role.FAN, Role.ADMIN] });
  await em.flush();
  logger.info({ email }, 'seeded the admin account');
}
