import { loaderById, type KeyValueStore, type Logger, type OutboxRelay, type RequestBase } from '@frontrow/kit';
import type { EntityManager } from '@mikro-orm/postgresql';
import DataLoader from 'dataloader';
import { Entitlement } from './entities/entitlement.entity';
import { OrderLine } from './entities/order-line.entity';
import { Product, ProductKind } from './entities/product.entity';
import type { PaymentProvider } from './payments/provider';

export interface CommerceSettings {
  /** PENDING orders older than this are cancelled and their units returned. */
  reservationTtlSeconds: number;
  /** How long a finance export URL stays valid. */
  exportUrlTtlSeconds: number;
  /** Checkouts one fan may start per minute. */
  checkoutsPerMinute: number;
}

export interface CommerceServices {
  provider: PaymentProvider;
  relay: OutboxRelay;
  kv: KeyValueStore;
  settings: CommerceSettings;
  logger: Logger;
  /** The base URL signed export links point at (the gateway's /files/commerce, or the service's own). */
  publicUrl(): string;
  /** Key for signing export URLs. */
  exportKey: Buffer;
}

export interface CommerceLoaders {
  product: DataLoader<string, Product | null>;
  linesByOrder: DataLoader<string, OrderLine[]>;
  productsByEvent: DataLoader<string, Product[]>;
  viewerEntitlement: DataLoader<string, Entitlement | null>;
}

export interface CommerceContext extends RequestBase {
  em: EntityManager;
  services: CommerceServices;
  loaders: CommerceLoaders;
}

/** Event-specific entitlements first (a pass, then an upgrade), then a season pass; oldest first. */
const PREFERENCE: Record<ProductKind, number> = {
  [ProductKind.EVENT_PASS]: 0,
  [ProductKind.SEAT_UPGRADE]: 1,
  [ProductKind.SEASON_PASS]: 2,
};

/** Per-request loaders: a list of N orders or events costs one query per field, not N. */
export function createLoaders(em: EntityManager, viewerId: string | undefined): CommerceLoaders {
  return {
    product: loaderById(em, Product),
    linesByOrder: new DataLoader(async (orderIds) => {
      const rows = await em.find(OrderLine, { orderId: { $in: [...orderIds] } }, { orderBy: { createdAt: 'asc', id: 'asc' } });
      return orderIds.map((id) => rows.filter((l) => l.orderId === id));
    }),
    productsByEvent: new DataLoader(async (eventIds) => {
      // An event's own products, then the season passes that cover it too.
      const rows = await em.find(
        Product,
        { active: true, $or: [{ eventId: { $in: [...eventIds] } }, { kind: ProductKind.SEASON_PASS }] },
        { orderBy: { priceAmount: 'asc', createdAt: 'asc' } },
      );
      const season = rows.filter((p) => p.kind === ProductKind.SEASON_PASS);
      return eventIds.map((id) => [...rows.filter((p) => p.eventId === id), ...season]);
    }),
    viewerEntitlement: new DataLoader(async (eventIds) => {
      if (!viewerId) return eventIds.map(() => null);
      const rows = await em.find(Entitlement, {
        userId: viewerId,
        revokedAt: null,
        $or: [{ eventId: { $in: [...eventIds] } }, { eventId: null }],
      });
      rows.sort((a, b) => PREFERENCE[a.kind] - PREFERENCE[b.kind] || a.grantedAt.getTime() - b.grantedAt.getTime());
      return eventIds.map((id) => rows.find((e) => e.eventId === id || e.eventId === null) ?? null);
    }),
  };
}
