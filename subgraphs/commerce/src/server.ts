import {
  KIT_ENTITIES,
  OutboxRelay,
  createKeyValueStore,
  createLogger,
  openSubgraphStorage,
  startSubgraphServer,
  type BusTransport,
  type KeyValueStore,
  type ServiceHandle,
  type SubgraphOptions,
} from '@frontrow/kit';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import express from 'express';
import { createLoaders, type CommerceContext, type CommerceServices, type CommerceSettings } from './context';
import { Entitlement } from './entities/entitlement.entity';
import { Order, OrderLine } from './entities/order.entity';
import { PaymentEvent } from './entities/payment-event.entity';
import { Product } from './entities/product.entity';
import { EXPORT_PATH, deriveExportKey, exportRoute } from './exports';
import { migrations } from './migrations';
import type { PaymentProvider } from './payments/provider';
import { TestPaymentProvider } from './payments/test-provider';
import { WEBHOOK_PATH, webhookRoute } from './payments/webhook';
import { buildCommerceSchema } from './schema';
import { ReservationSweeper } from './sweeper';

export const ENTITIES = [Product, Order, OrderLine, Entitlement, PaymentEvent, ...KIT_ENTITIES];

export interface CommerceOptions extends SubgraphOptions {
  /** Verifies the provider's webhooks (and signs them, for the built-in test provider). */
  paymentsWebhookSecret: string;
  redisUrl?: string;
  /** Shared in-process stand-ins (the embedded quick start runs every service in one process). */
  kv?: KeyValueStore;
  /** A real processor's adapter; by default the built-in test provider. */
  paymentProvider?: PaymentProvider;
  /** Settle delays of the built-in test provider. */
  testProvider?: { settleDelayMs?: number; delayedSettleMs?: number };
  /** PENDING orders older than this are cancelled (default 900; fractions allowed, for tests). */
  reservationTtlSeconds?: number;
  /**
   * The gateway's public URL (PUBLIC_GATEWAY_URL): signed export links point at its
   * `/files/commerce/...`, which forwards them here. Without it, at the service's own URL
   * (commerce run alone, for development).
   */
  publicGatewayUrl?: string | (() => string | undefined);
  settings?: Partial<CommerceSettings>;
}

export interface CommerceHandle extends ServiceHandle {
  orm: MikroORM;
  em: EntityManager;
  relay: OutboxRelay;
  transport: BusTransport;
  provider: PaymentProvider;
  sweeper: ReservationSweeper;
  /** Where the provider delivers webhooks. */
  webhookUrl: string;
}

export const DEFAULT_SETTINGS: CommerceSettings = {
  reservationTtlSeconds: 900,
  exportUrlTtlSeconds: 5 * 60,
  checkoutsPerMinute: 30,
};

export async function start(opts: CommerceOptions): Promise<CommerceHandle> {
  const logger = opts.logger ?? createLogger('commerce');
  const settings: CommerceSettings = {
    ...DEFAULT_SETTINGS,
    ...opts.settings,
    ...(opts.reservationTtlSeconds !== undefined ? { reservationTtlSeconds: opts.reservationTtlSeconds } : {}),
  };
  if (!(settings.reservationTtlSeconds > 0)) throw new Error('reservationTtlSeconds must be positive');
  if (!opts.paymentsWebhookSecret) throw new Error('paymentsWebhookSecret is required');
  const storage = await openSubgraphStorage('commerce', opts, { entities: ENTITIES, migrations, logger });
  const { em, transport, relay } = storage;
  const kv = opts.kv ?? createKeyValueStore(opts.redisUrl, logger);
  const testProvider = opts.paymentProvider
    ? undefined
    : new TestPaymentProvider({ webhookSecret: opts.paymentsWebhookSecret, logger, ...opts.testProvider });
  const provider = opts.paymentProvider ?? testProvider!;
  const sweeper = new ReservationSweeper(em, settings.reservationTtlSeconds, logger);

  let ownBaseUrl = '';
  const services: CommerceServices = {
    provider,
    relay,
    kv,
    settings,
    logger,
    publicUrl: () => {
      const gateway = typeof opts.publicGatewayUrl === 'function' ? opts.publicGatewayUrl() : opts.publicGatewayUrl;
      return gateway ? `${gateway.replace(/\/+$/, '')}/files/commerce` : ownBaseUrl;
    },
    exportKey: deriveExportKey(opts.principalSecret),
  };
  const schema = await buildCommerceSchema();

  const handle = await startSubgraphServer<CommerceContext>({
    name: 'commerce',
    port: opts.port,
    host: opts.host,
    schema,
    logger,
    principalSecret: opts.principalSecret,
    exposeInternals: opts.exposeInternals,
    context(base) {
      const reqEm = em.fork();
      return { ...base, em: reqEm, services, loaders: createLoaders(reqEm, base.principal?.userId) };
    },
    health: async () => {
      await em.getConnection().execute('select 1');
    },
    routes(app) {
      // The raw bytes: the signature covers exactly what the provider sent.
      app.post(
        WEBHOOK_PATH,
        express.raw({ type: () => true, limit: '256kb' }),
        webhookRoute({ em, secret: opts.paymentsWebhookSecret, provider, logger }),
      );
      app.get(EXPORT_PATH, exportRoute(em, services.exportKey, logger));
    },
    async onStop() {
      if (!opts.kv) await kv.close();
      await storage.close();
    },
  });
  ownBaseUrl = new URL('/', handle.url).toString().replace(/\/$/, '');
  const webhookUrl = `${ownBaseUrl}${WEBHOOK_PATH}`;
  testProvider?.attach(webhookUrl);
  relay.start();
  sweeper.start();
  let stopping: Promise<void> | undefined;
  return {
    ...handle,
    orm: storage.orm,
    em,
    relay,
    transport,
    provider,
    sweeper,
    webhookUrl,
    stop() {
      // Timers and webhook deliveries first, while the server still answers them.
      stopping ??= (async () => {
        await sweeper.stop();
        await provider.stop?.();
        await handle.stop();
      })();
      return stopping;
    },
  };
}
