import type { EntityManager } from '@mikro-orm/postgresql';
import { Product, ProductKind } from './entities/product.entity';

/**
 * Demo catalog for the embedded quick start and `npm run seed`: a season pass, and
 * for each event a pass (unlimited) and a limited courtside upgrade. Does nothing
 * when the catalog already has products. Event ids come from the events subgraph.
 */
export async function seedDemoCatalog(root: EntityManager, eventIds: string[], currency = 'EUR'): Promise<number> {
  const em = root.fork();
  if ((await em.count(Product, {})) > 0) return 0;
  const products = [
    em.create(Product, { kind: ProductKind.SEASON_PASS, name: 'Season pass', priceAmount: 14_900, priceCurrency: currency }),
  ];
  for (const eventId of eventIds) {
    products.push(
      em.create(Product, { kind: ProductKind.EVENT_PASS, name: 'Match pass', eventId, priceAmount: 1_499, priceCurrency: currency }),
      em.create(Product, {
        kind: ProductKind.SEAT_UPGRADE,
        name: 'Courtside seat',
        eventId,
        priceAmount: 2_999,
        priceCurrency: currency,
        inventory: 50,
        remaining: 50,
      }),
    );
  }
  await em.flush();
  return products.length;
}
