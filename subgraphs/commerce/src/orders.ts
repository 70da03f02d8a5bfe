import { ConflictError, BadInputError, currentTraceparent, emit, emitAudit, type Logger } from '@frontrow/kit';
import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Entitlement } from './entities/entitlement.entity';
import { OrderLine } from './entities/order-line.entity';
import { Order, OrderStatus } from './entities/order.entity';
import { Product } from './entities/product.entity';
import type { PaymentProvider, PaymentWebhookEvent } from './payments/provider';

/**
 * The order's life, one function per transition. Every transition locks the order
 * row first and checks the status it starts from, so each happens at most once
 * whoever races for it (webhook, sweeper, admin); units go back to the product only
 * inside a transition that leaves PENDING or PAID, hence exactly once. Lock order is
 * always order row, then product row.
 */

export const EVENTS = {
  orderPaid: 'commerce.order.paid',
  orderFailed: 'commerce.order.failed',
  orderCancelled: 'commerce.order.cancelled',
  orderRefunded: 'commerce.order.refunded',
  entitlementGranted: 'commerce.entitlement.granted',
  entitlementRevoked: 'commerce.entitlement.revoked',
} as const;

export interface EntitlementPayload {
  entitlementId: string;
  userId: string;
  eventId: string | null;
  productId: string;
  orderId: string;
  kind: string;
}

function run(tx: EntityManager, sql: string, params: unknown[]): Promise<{ affectedRows: number }> {
  return tx.getConnection().execute<{ affectedRows: number }>(sql, params, 'run', tx.getTransactionContext());
}

function lockOrder(tx: EntityManager, id: string): Promise<Order | null> {
  return tx.findOne(Order, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
}

/** Gives an order's reserved units back to their products. */
async function releaseUnits(tx: EntityManager, orderId: string): Promise<void> {
  await run(
    tx,
    `update product p set remaining = p.remaining + l.units, updated_at = now()
     from (select product_id, sum(reserved) as units from order_line
           where order_id = ? and reserved > 0 group by product_id) l
     where p.id = l.product_id and p.remaining is not null`,
    [orderId],
  );
}

function entitlementPayload(e: Entitlement): EntitlementPayload {
  return { entitlementId: e.id, userId: e.userId, eventId: e.eventId ?? null, productId: e.productId, orderId: e.orderId, kind: e.kind };
}

/** Not enough units left for the quantity asked (CONFLICT, on the quantity field). */
export function soldOut(remaining: number): ConflictError {
  return new ConflictError(remaining > 0 ? `Only ${remaining} left: choose a smaller quantity.` : 'This product is sold out.', {
    field: 'quantity',
    reason: 'SOLD_OUT',
    remaining,
  });
}

export interface PlaceOrderInput {
  userId: string;
  product: Product;
  quantity: number;
  idempotencyKey: string;
  requestHash: string;
  paymentMethod: string;
}

/**
 * Creates the PENDING order and reserves its units in one transaction. The
 * reservation is one conditional UPDATE, so a product with N units never sells more
 * than N however many buyers race. The order row is inserted first: a concurrent
 * request with the same idempotency key waits on the unique index (and then fails
 * with a unique violation) without holding the product row.
 */
export async function placeOrder(root: EntityManager, input: PlaceOrderInput): Promise<Order> {
  const { product, quantity } = input;
  return root.fork().transactional(async (tx) => {
    const order = tx.create(Order, {
      userId: input.userId,
      totalAmount: product.priceAmount * quantity,
      currency: product.priceCurrency,
      idempotencyKey: input.idempotencyKey,
      requestHash: input.requestHash,
      paymentMethod: input.paymentMethod,
    });
    // The order row first (its lines refer to it), and it meets the unique key early.
    await tx.flush();
    const limited = product.inventory !== null && product.inventory !== undefined;
    tx.create(OrderLine, {
      orderId: order.id,
      productId: product.id,
      quantity,
      unitAmount: product.priceAmount,
      currency: product.priceCurrency,
      reserved: limited ? quantity : 0,
    });
    await tx.flush();
    if (limited) {
      const reserved = await run(
        tx,
        `update product set remaining = remaining - ?, updated_at = now() where id = ? and active and remaining >= ?`,
        [quantity, product.id, quantity],
      );
      if (!reserved.affectedRows) {
        const now = await tx.findOne(Product, { id: product.id }, { refresh: true });
        if (!now?.active) throw new BadInputError('This product is not sold any more.', 'productId');
        throw soldOut(now.remaining ?? 0);
      }
    }
    return order;
  });
}

/** The provider refused to start the payment: the order fails at once and frees its units. */
export async function failOrder(root: EntityManager, orderId: string, reason: string): Promise<boolean> {
  return root.fork().transactional(async (tx) => {
    const order = await lockOrder(tx, orderId);
    if (!order || order.status !== OrderStatus.PENDING) return false;
    order.status = OrderStatus.FAILED;
    order.failedAt = new Date();
    order.failureReason = reason;
    await releaseUnits(tx, order.id);
    emit(tx, EVENTS.orderFailed, { orderId: order.id, userId: order.userId, reason });
    return true;
  });
}

/** A PENDING order whose reservation expired: CANCELLED, units back. */
export async function cancelExpired(root: EntityManager, orderId: string, cutoff: Date): Promise<boolean> {
  return root.fork().transactional(async (tx) => {
    const order = await lockOrder(tx, orderId);
    if (!order || order.status !== OrderStatus.PENDING || order.createdAt >= cutoff) return false;
    order.status = OrderStatus.CANCELLED;
    order.cancelledAt = new Date();
    order.failureReason = 'reservation_expired';
    await releaseUnits(tx, order.id);
    emit(tx, EVENTS.orderCancelled, { orderId: order.id, userId: order.userId, reason: 'reservation_expired' });
    return true;
  });
}

export interface Actor {
  id: string;
  roles: string[];
}

/**
 * PAID → REFUNDED: entitlements revoked, units back, events and the audit entry in
 * the same transaction. Reached from refundOrder once the provider accepted, or from
 * the refund.succeeded webhook, whichever comes first; the other changes nothing.
 */
export async function completeRefund(tx: EntityManager, orderId: string, refundId: string | undefined, actor?: Actor): Promise<boolean> {
  const order = await lockOrder(tx, orderId);
  if (!order) return false;
  const now = new Date();
  if (order.status !== OrderStatus.PAID) {
    // A refund of a payment we had given up on (a late payment): note it, nothing else.
    if (!order.refundedAt && refundId) {
      order.refundId = refundId;
      order.refundedAt = now;
    }
    return false;
  }
  order.status = OrderStatus.REFUNDED;
  order.refundedAt = now;
  order.refundId = refundId ?? order.refundId;
  const reason = order.refundReason ?? 'refunded at the payment provider';
  const entitlements = await tx.find(Entitlement, { orderId: order.id, revokedAt: null });
  for (const e of entitlements) {
    e.revokedAt = now;
    emit(tx, EVENTS.entitlementRevoked, { ...entitlementPayload(e), reason });
  }
  await releaseUnits(tx, order.id);
  emit(tx, EVENTS.orderRefunded, {
    orderId: order.id,
    userId: order.userId,
    total: { amount: order.totalAmount, currency: order.currency },
    reason,
  });
  const by = actor ?? (order.refundRequestedBy ? { id: order.refundRequestedBy, roles: ['ADMIN'] } : undefined);
  if (by) {
    emitAudit(tx, 'commerce', {
      actorId: by.id,
      actorRoles: by.roles,
      action: 'commerce.order.refunded',
      targetType: 'Order',
      targetId: order.id,
      details: { reason, amount: order.totalAmount, currency: order.currency, userId: order.userId, refundId: order.refundId },
    });
  }
  return true;
}

/** A payment that succeeded for an order that is no longer waiting for it: to be refunded. */
export interface LatePayment {
  orderId: string;
  paymentId: string;
  amount: number;
  currency: string;
}

interface Applied {
  duplicate: boolean;
  emitted: boolean;
  latePayment?: LatePayment;
}

/**
 * Applies one verified provider event. The event id is recorded in the same
 * transaction, so a second delivery of the same event changes nothing.
 */
export async function applyPaymentEvent(root: EntityManager, event: PaymentWebhookEvent, logger: Logger): Promise<Applied> {
  return root.fork().transactional(async (tx): Promise<Applied> => {
    const first = await run(tx, `insert into payment_event (id, type, received_at) values (?, ?, now()) on conflict do nothing`, [
      event.id,
      event.type,
    ]);
    if (!first.affectedRows) return { duplicate: true, emitted: false };
    const data = event.data;
    switch (event.type) {
      case 'payment.succeeded':
        return paymentSucceeded(tx, data, logger);
      case 'payment.failed': {
        const order = await lockOrder(tx, data.orderId);
        if (!order || order.status !== OrderStatus.PENDING) return { duplicate: false, emitted: false };
        order.status = OrderStatus.FAILED;
        order.failedAt = new Date();
        order.failureReason = data.failureCode ?? 'payment_failed';
        order.paymentId ??= data.paymentId;
        await releaseUnits(tx, order.id);
        emit(tx, EVENTS.orderFailed, { orderId: order.id, userId: order.userId, reason: order.failureReason });
        return { duplicate: false, emitted: true };
      }
      case 'refund.succeeded': {
        const done = await completeRefund(tx, data.orderId, data.refundId);
        return { duplicate: false, emitted: done };
      }
      default:
        logger.info({ eventId: event.id, type: event.type }, 'ignored a payment event of an unknown type');
        return { duplicate: false, emitted: false };
    }
  });
}

async function paymentSucceeded(tx: EntityManager, data: PaymentWebhookEvent['data'], logger: Logger): Promise<Applied> {
  const order = await lockOrder(tx, data.orderId);
  const none = { duplicate: false, emitted: false };
  if (!order) {
    logger.warn({ orderId: data.orderId, paymentId: data.paymentId }, 'payment for an unknown order');
    return none;
  }
  if (order.paymentId && order.paymentId !== data.paymentId) {
    logger.warn({ orderId: order.id, paymentId: data.paymentId }, 'payment does not match the order\'s payment');
    return none;
  }
  if (data.amount !== order.totalAmount || data.currency !== order.currency) {
    logger.error({ orderId: order.id, paymentId: data.paymentId }, 'payment amount does not match the order');
    return none;
  }
  if (order.status === OrderStatus.PAID || order.status === OrderStatus.REFUNDED) return none;
  if (order.status !== OrderStatus.PENDING) {
    // Cancelled (the reservation expired) or failed before the money came: give it back.
    return { ...none, latePayment: { orderId: order.id, paymentId: data.paymentId, amount: data.amount, currency: data.currency } };
  }
  const now = new Date();
  order.status = OrderStatus.PAID;
  order.paidAt = now;
  order.paymentId = data.paymentId;
  const lines = await tx.find(OrderLine, { orderId: order.id });
  const products = await tx.find(Product, { id: { $in: lines.map((l) => l.productId) } });
  emit(tx, EVENTS.orderPaid, {
    orderId: order.id,
    userId: order.userId,
    total: { amount: order.totalAmount, currency: order.currency },
    lines: lines.map((l) => ({ productId: l.productId, quantity: l.quantity, unitAmount: l.unitAmount })),
    paidAt: now.toISOString(),
  });
  for (const product of products) {
    const entitlement = tx.create(Entitlement, {
      userId: order.userId,
      eventId: product.eventId ?? null,
      productId: product.id,
      orderId: order.id,
      kind: product.kind,
      grantedAt: now,
    });
    emit(tx, EVENTS.entitlementGranted, entitlementPayload(entitlement));
  }
  return { duplicate: false, emitted: true };
}

/** Money taken for an order we had given up on goes back to the fan. */
export async function refundLatePayment(provider: PaymentProvider, late: LatePayment, logger: Logger): Promise<void> {
  try {
    await provider.refund({
      paymentId: late.paymentId,
      orderId: late.orderId,
      amount: late.amount,
      currency: late.currency,
      reason: 'the order was no longer pending when the payment succeeded',
      idempotencyKey: `late-refund:${late.orderId}`,
      traceparent: currentTraceparent(),
    });
    logger.info({ orderId: late.orderId, paymentId: late.paymentId }, 'refunded a payment that arrived after its order was closed');
  } catch (err) {
    logger.error({ err, orderId: late.orderId, paymentId: late.paymentId }, 'could not refund a late payment: refund it by hand');
  }
}
