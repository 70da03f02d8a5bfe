import { Entity, Index, Property, Unique } from '@mikro-orm/core';
import { Directive, Field, ObjectType, registerEnumType } from 'type-graphql';
import { BaseEntity } from '@frontrow/kit';

export enum OrderStatus {
  PENDING = 'PENDING',
  PAID = 'PAID',
  FAILED = 'FAILED',
  REFUNDED = 'REFUNDED',
  CANCELLED = 'CANCELLED',
}
registerEnumType(OrderStatus, {
  name: 'OrderStatus',
  description:
    'PENDING until the payment settles; PAID grants the entitlement; FAILED (declined) and CANCELLED (never paid in time) return the units; REFUNDED revokes the entitlement.',
});

@Directive('@key(fields: "id")')
@ObjectType({ description: 'A purchase by one fan. Only its buyer and admins can see it.' })
@Entity({ tableName: 'orders' })
@Unique({ properties: ['userId', 'idempotencyKey'] })
export class Order extends BaseEntity<'status'> {
  @Index()
  @Property({ type: 'uuid' })
  userId!: string;

  @Field(() => OrderStatus)
  @Property({ type: 'text' })
  status: OrderStatus = OrderStatus.PENDING;

  /** Exposed as `total: Money!`. */
  @Property({ type: 'int' })
  totalAmount!: number;

  @Property({ type: 'text' })
  currency!: string;

  /** The client's key: a retry with the same key returns this order. */
  @Property({ type: 'text' })
  idempotencyKey!: string;

  /** sha256 of the checkout request; the same key with another body is a conflict. */
  @Property({ type: 'text' })
  requestHash!: string;

  @Property({ type: 'text' })
  paymentMethod!: string;

  /** The payment at the provider, once it was created. */
  @Index()
  @Property({ type: 'text', nullable: true })
  paymentId?: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      'Why a FAILED or CANCELLED order did not complete, as a code: card_declined (and the processor\'s other decline codes), payment_failed, provider_unavailable, reservation_expired.',
  })
  @Property({ type: 'text', nullable: true })
  failureReason?: string | null;

  @Property({ type: 'timestamptz', nullable: true })
  paidAt?: Date | null;

  @Property({ type: 'timestamptz', nullable: true })
  failedAt?: Date | null;

  @Property({ type: 'timestamptz', nullable: true })
  cancelledAt?: Date | null;

  @Property({ type: 'timestamptz', nullable: true })
  refundRequestedAt?: Date | null;

  /** The admin who asked for the refund (the audit entry names them). */
  @Property({ type: 'uuid', nullable: true })
  refundRequestedBy?: string | null;

  @Property({ type: 'text', nullable: true })
  refundReason?: string | null;

  @Property({ type: 'text', nullable: true })
  refundId?: string | null;

  @Field(() => Date, { nullable: true })
  @Property({ type: 'timestamptz', nullable: true })
  refundedAt?: Date | null;
}
