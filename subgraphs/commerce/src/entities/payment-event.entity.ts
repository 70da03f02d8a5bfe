import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/** A provider webhook event already applied: the same event delivered again changes nothing. */
@Entity({ tableName: 'payment_event' })
export class PaymentEvent {
  @PrimaryKey({ type: 'text' })
  id!: string;

  @Property({ type: 'text' })
  type!: string;

  @Property({ type: 'timestamptz' })
  receivedAt: Date = new Date();
}
