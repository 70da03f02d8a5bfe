import { BadInputError, foreignId } from '@frontrow/kit';
import type { EntityManager } from '@mikro-orm/postgresql';
import { OrderLine } from './entities/order-line.entity';
import { OrderStatus } from './entities/order.entity';
import { Product } from './entities/product.entity';
import { money, type ProductSales } from './types';

/** The admin's view of orders: by buyer, status, event (an order with a product of it) and creation time in [from, to). */
export interface OrderFilter {
  userId?: string | null;
  status?: OrderStatus | null;
  eventId?: string | null;
  from?: Date | null;
  to?: Date | null;
}

/** Checks a [from, to) window: `to` after `from` when both are given. */
export function checkSpan(from: Date | null | undefined, to: Date | null | undefined): void {
  if (from && to && to.getTime() <= from.getTime()) throw new BadInputError('to must be after from.', 'to');
}

/**
 * The WHERE of an orders query for this filter, in MikroORM's terms. An event filter
 * is a subquery over the lines whose product belongs to the event (lines and products
 * are plain ids, without relations to join through).
 */
export function ordersWhere(em: EntityManager, filter: OrderFilter): Record<string, unknown> {
  checkSpan(filter.from, filter.to);
  const where: Record<string, unknown> = {};
  if (filter.userId) where.userId = filter.userId;
  if (filter.status) where.status = filter.status;
  if (filter.from || filter.to) where.createdAt = { ...(filter.from ? { $gte: filter.from } : {}), ...(filter.to ? { $lt: filter.to } : {}) };
  if (filter.eventId) {
    const eventId = foreignId(filter.eventId, 'eventId');
    const products = em.createQueryBuilder(Product, 'p').select('p.id').where({ eventId });
    const lines = em.createQueryBuilder(OrderLine, 'l').select('l.order_id').where({ productId: { $in: products.getKnexQuery() } });
    where.id = { $in: lines.getKnexQuery() };
  }
  return where;
}

interface Row {
  product_id: string;
  currency: string;
  orders: string | number;
  units: string | number;
  gross: string | number;
  refunded: string | number;
}

/**
 * Sales per product for the orders of an event (or all) created in [from, to): paid and
 * refunded orders only (pending, failed and cancelled ones took no money), biggest
 * gross first, in the currency the lines were sold in.
 */
export async function salesByProduct(em: EntityManager, filter: Omit<OrderFilter, 'userId' | 'status'>): Promise<ProductSales[]> {
  checkSpan(filter.from, filter.to);
  const eventId = filter.eventId ? foreignId(filter.eventId, 'eventId') : null;
  // The parameters in the order the query names them: the refunded sum's status first.
  const params: unknown[] = [OrderStatus.REFUNDED, OrderStatus.PAID, OrderStatus.REFUNDED];
  let where = 'o.status in (?, ?)';
  if (filter.from) {
    where += ' and o.created_at >= ?';
    params.push(filter.from);
  }
  if (filter.to) {
    where += ' and o.created_at < ?';
    params.push(filter.to);
  }
  if (eventId) {
    where += ' and p.event_id = ?';
    params.push(eventId);
  }
  const rows = await em.getConnection().execute<Row[]>(
    `select l.product_id, min(l.currency) as currency, count(distinct o.id) as orders, sum(l.quantity) as units,
            sum(l.quantity * l.unit_amount) as gross,
            sum(l.quantity * l.unit_amount) filter (where o.status = ?) as refunded
       from order_line l join orders o on o.id = l.order_id join product p on p.id = l.product_id
      where ${where}
      group by l.product_id
      order by gross desc, l.product_id`,
    params,
  );
  if (!rows.length) return [];
  const products = new Map((await em.find(Product, { id: { $in: rows.map((r) => r.product_id) } })).map((p) => [p.id, p]));
  return rows.map((r) => {
    const product = products.get(r.product_id)!;
    const gross = Number(r.gross);
    const refunded = Number(r.refunded ?? 0);
    return {
      product,
      orders: Number(r.orders),
      units: Number(r.units),
      gross: money(gross, r.currency),
      refunded: money(refunded, r.currency),
      net: money(gross - refunded, r.currency),
    };
  });
}
