import { Access, BadInputError, ConflictError, NotFoundError, cursorCodec, emptyPageInfo, findById, pageOf, hasRole, pageSize, parseId, hitRateLimit, requireRole, requireUser, currentTraceparent, type AccessRule, type Principal } from '@frontrow/kit';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { CommerceContext } from './context';
import { OrderLine } from './entities/order-line.entity';
import { Order, OrderStatus } from './entities/order.entity';
import { Product } from './entities/product.entity';
import { completeRefund, failOrder, placeOrder, soldOut } from './orders';
import { PaymentProviderError } from './payments/provider';
import { TEST_PAYMENT_METHODS } from './payments/test-provider';
import { ordersWhere, salesByProduct } from './sales';
import { Money, OrderConnection, ProductSales, UserRef, money } from './types';
import { CheckoutInput } from './order.input';
import { checkText, sha256 } from './validate';

const ADMIN_WRITE: AccessRule = { scope: 'commerce:write', roles: ['ADMIN'] };

const MAX_QUANTITY = 10;
/** A refund claimed this long ago that never finished may be tried again. */
const REFUND_CLAIM_TIMEOUT_MS = 5 * 60 * 1000;

@Resolver(() => Order)
export class OrderResolver {
  /**
   * Starts a purchase: a PENDING order, its units reserved, a payment at the
   * provider. The outcome arrives by webhook (PAID grants the entitlement; FAILED
   * returns the units). Retrying with the same idempotency key returns the same order;
   * the same key with a different request is a CONFLICT.
   */
  @Access({ usersOnly: true })
  @Mutation(() => Order, {
    description:
      'Starts a purchase: a PENDING order with its units reserved; the payment settles asynchronously (PAID grants the entitlement). The same idempotencyKey returns the same order.',
  })
  async checkout(@Arg('input', () => CheckoutInput) input: CheckoutInput, @Ctx() ctx: CommerceContext): Promise<Order> {
    const fan = requireUser(ctx.principal);
    const { provider, kv, settings } = ctx.services;
    const quantity = input.quantity;
    if (!Number.isInteger(quantity) || quantity < 1 || quantity > MAX_QUANTITY) {
      throw new BadInputError(`quantity must be between 1 and ${MAX_QUANTITY}.`, 'quantity');
    }
    const idempotencyKey = input.idempotencyKey;
    if (idempotencyKey.length < 1 || idempotencyKey.length > 200) {
      throw new BadInputError('idempotencyKey must have 1 to 200 characters.', 'idempotencyKey');
    }
    const paymentMethod = input.paymentMethod ?? TEST_PAYMENT_METHODS.ok;
    if (!/^pm_[A-Za-z0-9_]{1,100}$/.test(paymentMethod) || provider.acceptsPaymentMethod?.(paymentMethod) === false) {
      throw new BadInputError('This payment method is not accepted.', 'paymentMethod');
    }
    const requestHash = sha256(JSON.stringify({ productId: input.productId, quantity, paymentMethod }));

    const [earlier, product] = await Promise.all([
      findByKey(ctx.em, fan.userId, idempotencyKey),
      findById(ctx.em, Product, input.productId),
    ]);
    if (earlier) return sameRequest(earlier, requestHash);
    await hitRateLimit(kv, `checkout:${fan.userId}`, settings.checkoutsPerMinute, 60);
    if (!product) throw new BadInputError('There is no such product.', 'productId');
    if (!product.active) throw new BadInputError('This product is not sold any more.', 'productId');
    // Already sold out as far as we can tell: refused without a transaction (the
    // conditional UPDATE in placeOrder stays the guard against overselling).
    if (product.remaining !== null && product.remaining !== undefined && product.remaining < quantity) throw soldOut(product.remaining);

    let order: Order;
    try {
      order = await placeOrder(ctx.em, { userId: fan.userId, product, quantity, idempotencyKey, requestHash, paymentMethod });
    } catch (err) {
      // The same key raced in from a concurrent request, which won: answer as a retry.
      if (!(err instanceof UniqueConstraintViolationException)) throw err;
      const winner = await findByKey(ctx.em.fork(), fan.userId, idempotencyKey);
      if (!winner) throw err;
      return sameRequest(winner, requestHash);
    }

    try {
      const { paymentId } = await provider.createPayment({
        orderId: order.id,
        amount: order.totalAmount,
        currency: order.currency,
        paymentMethod,
        idempotencyKey: `order:${order.id}`,
        traceparent: currentTraceparent(),
      });
      await ctx.em.fork().nativeUpdate(Order, { id: order.id, paymentId: null }, { paymentId });
      order.paymentId = paymentId;
    } catch (err) {
      // No payment was started: the order fails now and its units go back.
      ctx.log.warn({ err, orderId: order.id }, 'the payment provider refused the payment');
      const reason = err instanceof PaymentProviderError ? err.code : 'provider_unavailable';
      await failOrder(ctx.em, order.id, reason);
      return (await ctx.em.fork().findOne(Order, { id: order.id }))!;
    }
    return order;
  }

  /**
   * Admin only. Refund policy: the order becomes REFUNDED synchronously, as soon as
   * the provider has accepted the refund (it then owes the fan the money; our test
   * provider and real processors settle an accepted full refund). The entitlement is
   * revoked, `commerce.entitlement.revoked` and `commerce.order.refunded` published,
   * the units returned and the action audited in that same transaction. The
   * refund.succeeded webhook that follows finds the order REFUNDED and changes
   * nothing; if this process died between the provider's acceptance and the commit,
   * that webhook completes the refund instead (same function, same audit entry).
   */
  @Access(ADMIN_WRITE)
  @Mutation(() => Order, {
    description: 'Admin only. Refunds a PAID order in full: REFUNDED once the provider accepts, the entitlement revoked, the units returned.',
  })
  async refundOrder(
    @Arg('orderId', () => ID) orderId: string,
    @Arg('reason', () => String) reasonText: string,
    @Ctx() ctx: CommerceContext,
  ): Promise<Order> {
    const admin = requireRole(ctx.principal, 'ADMIN');
    const reason = checkText(reasonText, 'reason', 500);
    const order = await findById(ctx.em, Order, orderId);
    if (!order) throw new NotFoundError('Order');
    if (order.status !== OrderStatus.PAID || !order.paymentId) {
      throw new ConflictError(`Only a paid order can be refunded; this one is ${order.status}.`, { field: 'orderId', status: order.status });
    }
    const now = new Date();
    const claimed = await ctx.em.nativeUpdate(
      Order,
      {
        id: order.id,
        status: OrderStatus.PAID,
        $or: [{ refundRequestedAt: null }, { refundRequestedAt: { $lt: new Date(now.getTime() - REFUND_CLAIM_TIMEOUT_MS) } }],
      },
      { refundRequestedAt: now, refundRequestedBy: admin.userId, refundReason: reason },
    );
    if (!claimed) throw new ConflictError('A refund of this order is already under way.', { field: 'orderId' });

    let refundId: string;
    try {
      ({ refundId } = await ctx.services.provider.refund({
        paymentId: order.paymentId,
        orderId: order.id,
        amount: order.totalAmount,
        currency: order.currency,
        reason,
        idempotencyKey: `refund:${order.id}`,
        traceparent: currentTraceparent(),
      }));
    } catch (err) {
      ctx.log.warn({ err, orderId: order.id }, 'the payment provider refused the refund');
      await ctx.em.nativeUpdate(Order, { id: order.id, refundRequestedAt: now }, { refundRequestedAt: null, refundRequestedBy: null, refundReason: null });
      throw new ConflictError('The payment provider did not accept the refund; the order is unchanged.', { field: 'orderId' });
    }
    await ctx.em.fork().transactional((tx) => completeRefund(tx, order.id, refundId, { id: admin.userId, roles: admin.roles }));
    return (await ctx.em.fork().findOne(Order, { id: order.id }))!;
  }

  @Access({ usersOnly: true })
  @Query(() => OrderConnection, { description: "The signed-in fan's orders, newest first." })
  async myOrders(
    @Arg('first', () => Int, { nullable: true }) first: number | undefined,
    @Arg('after', () => String, { nullable: true }) after: string | undefined,
    @Ctx() ctx: CommerceContext,
  ): Promise<OrderConnection> {
    const fan = requireUser(ctx.principal);
    return pageOfOrders(ctx.em, { userId: fan.userId }, first, after);
  }

  @Access({ scope: 'commerce:read', roles: ['ADMIN'] })
  @Query(() => OrderConnection, {
    description: 'Admin only: every order, newest first, optionally by buyer, status, event (orders with a product of it) and creation time in [from, to).',
  })
  async orders(
    @Arg('userId', () => ID, { nullable: true }) userId: string | undefined,
    @Arg('status', () => OrderStatus, { nullable: true }) status: OrderStatus | undefined,
    @Arg('first', () => Int, { nullable: true }) first: number | undefined,
    @Arg('after', () => String, { nullable: true }) after: string | undefined,
    @Arg('eventId', () => ID, { nullable: true }) eventId: string | undefined,
    @Arg('from', () => Date, { nullable: true }) from: Date | undefined,
    @Arg('to', () => Date, { nullable: true }) to: Date | undefined,
    @Ctx() ctx: CommerceContext,
  ): Promise<OrderConnection> {
    requireRole(ctx.principal, 'ADMIN');
    const user = userId ? parseId(userId) : undefined;
    // A malformed userId is a user with no orders, as an unknown one is.
    if (user === null) return { edges: [], pageInfo: emptyPageInfo() };
    return pageOfOrders(ctx.em, ordersWhere(ctx.em, { userId: user, status, eventId, from, to }), first, after);
  }

  @Access({ scope: 'commerce:read', roles: ['ADMIN'] })
  @Query(() => [ProductSales], {
    description: 'Admin only: paid orders per product (refunds shown apart), for one event or all, created in [from, to); biggest gross first.',
  })
  productSales(
    @Arg('eventId', () => ID, { nullable: true }) eventId: string | undefined,
    @Arg('from', () => Date, { nullable: true }) from: Date | undefined,
    @Arg('to', () => Date, { nullable: true }) to: Date | undefined,
    @Ctx() ctx: CommerceContext,
  ): Promise<ProductSales[]> {
    requireRole(ctx.principal, 'ADMIN');
    return salesByProduct(ctx.em, { eventId, from, to });
  }

  @Access({ usersOnly: true })
  @Query(() => Order, { nullable: true, description: "A fan sees only their own orders (another's is NOT_FOUND); an admin sees all." })
  async order(@Arg('id', () => ID) id: string, @Ctx() ctx: CommerceContext): Promise<Order> {
    const caller = requireUser(ctx.principal);
    const order = await findById(ctx.em, Order, id);
    if (!order || !canSee(caller, order)) throw new NotFoundError('Order');
    return order;
  }

  @FieldResolver(() => Money)
  total(@Root() order: Order): Money {
    return money(order.totalAmount, order.currency);
  }

  @FieldResolver(() => UserRef, { description: 'The buyer.' })
  user(@Root() order: Order): UserRef {
    return { id: order.userId };
  }

  @FieldResolver(() => [OrderLine])
  lines(@Root() order: Order, @Ctx() ctx: CommerceContext): Promise<OrderLine[]> {
    return ctx.loaders.linesByOrder.load(order.id);
  }
}

export function canSee(caller: Principal | null, owned: { userId: string }): boolean {
  return Boolean(caller && (caller.userId === owned.userId || hasRole(caller, 'ADMIN')));
}

function findByKey(em: EntityManager, userId: string, idempotencyKey: string): Promise<Order | null> {
  return em.findOne(Order, { userId, idempotencyKey });
}

function sameRequest(order: Order, requestHash: string): Order {
  if (order.requestHash !== requestHash) {
    throw new ConflictError('This idempotency key was already used for a different checkout.', { field: 'idempotencyKey' });
  }
  return order;
}

/** Orders' cursors: the order's place in the list (createdAt, id), newest first. */
const cursors = cursorCodec('or1');

async function pageOfOrders(
  em: EntityManager,
  where: Record<string, unknown>,
  first: number | undefined,
  after: string | undefined,
): Promise<OrderConnection> {
  const size = pageSize(first);
  const cursor = after ? cursors.decode(after) : undefined;
  const filter = cursor
    ? { ...where, $or: [{ createdAt: { $lt: cursor.at } }, { createdAt: cursor.at, id: { $lt: cursor.id } }] }
    : where;
  const rows = await em.find(Order, filter, { orderBy: { createdAt: 'desc', id: 'desc' }, limit: size + 1 });
  return pageOf(rows, size, (node) => cursors.encode({ at: node.createdAt, id: node.id }), Boolean(cursor));
}
