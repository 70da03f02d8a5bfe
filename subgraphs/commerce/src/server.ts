import { createKeyValueStore, defineSubgraph, type KeyValueStore, type SubgraphHandle, type SubgraphOptions } from '@frontrow/kit';
import express from 'express';
import { createLoaders, type CommerceContext, type CommerceServices, type CommerceSettings } from './context';
import { Entitlement } from './entities/entitlement.entity';
import { Order } from './entities/order.entity';
import { OrderLine } from './entities/order-line.entity';
import { PaymentEvent } from './entities/payment-event.entity';
import { Product } from './entities/product.entity';
import { EXPORT_PATH, deriveExportKey, exportRoute } from './exports';
import { migrations } from './migrations';
import type { PaymentProvider } from './payments/provider';
import { TestPaymentProvider } from './payments/test-provider';
import { WEBHOOK_PATH, webhookRoute } from './payments/webhook';
import { buildCommerceSchema } from './schema';
import { ReservationSweeper } from './sweeper';

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

/** Commerce's handle: the kit's, the payment provider, the reservation sweeper and where webhooks arrive. */
export type CommerceHandle = SubgraphHandle<{ provider: PaymentProvider; sweeper: ReservationSweeper; webhookUrl: string }>;

export const DEFAULT_SETTINGS: CommerceSettings = {
  reservationTtlSeconds: 900,
  exportUrlTtlSeconds: 5 * 60,
  checkoutsPerMinute: 30,
};

export const commerce = defineSubgraph<CommerceOptions, CommerceContext, { provider: PaymentProvider; sweeper: ReservationSweeper; webhookUrl: string }>({
  name: 'commerce',
  entities: [Product, Order, OrderLine, Entitlement, PaymentEvent],
  migrations,
  schema: buildCommerceSchema,
  setup({ options: opts, storage, logger }) {
    const settings: CommerceSettings = {
      ...DEFAULT_SETTINGS,
      ...opts.settings,
      ...(opts.reservationTtlSeconds !== undefined ? { reservationTtlSeconds: opts.reservationTtlSeconds } : {}),
    };
    if (!(settings.reservationTtlSeconds > 0)) throw new Error('reservationTtlSeconds must be positive');
    if (!opts.paymentsWebhookSecret) throw new Error('paymentsWebhookSecret is required');
    const { em, relay } = storage;
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
    return {
      context: (start) => ({ ...start, services, loaders: createLoaders(start.em, start.principal?.userId) }),
      routes(app) {
        // The raw bytes: the signature covers exactly what the provider sent.
        app.post(
          WEBHOOK_PATH,
          express.raw({ type: () => true, limit: '256kb' }),
          webhookRoute({ em, secret: opts.paymentsWebhookSecret, provider, logger }),
        );
        app.get(EXPORT_PATH, exportRoute(em, services.exportKey, logger));
      },
      ready(handle) {
        ownBaseUrl = new URL('/', handle.url).toString().replace(/\/$/, '');
        testProvider?.attach(`${ownBaseUrl}${WEBHOOK_PATH}`);
        sweeper.start();
      },
      // Timers and webhook deliveries first, while the server still answers them.
      async stopping() {
        await sweeper.stop();
        await provider.stop?.();
      },
      async stopped() {
        if (!opts.kv) await kv.close();
      },
      expose: () => ({ provider, sweeper, webhookUrl: `${ownBaseUrl}${WEBHOOK_PATH}` }),
    };
  },
});

export const ENTITIES = commerce.entities;
export const start = commerce.start;
