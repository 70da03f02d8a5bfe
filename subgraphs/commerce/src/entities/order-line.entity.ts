import { Entity, Index, Property } from '@mikro-orm/core';
import { Field, Int, ObjectType } from 'type-graphql';
import { BaseEntity } from '@frontrow/kit';

@ObjectType({ description: 'One product of an order, at the price it had when the order was placed.' })
@Entity({ tableName: 'order_line' })
export class OrderLine extends BaseEntity<'reserved'> {
  @Index()
  @Property({ type: 'uuid' })
  orderId!: string;

  @Property({ type: 'uuid' })
  productId!: string;

  @Field(() => Int)
  @Property({ type: 'int' })
  quantity!: number;

  /** Exposed as `unitPrice: Money!`. */
  @Property({ type: 'int' })
  unitAmount!: number;

  @Property({ type: 'text' })
  currency!: string;

  /** Units taken from the product's limited inventory (0 when unlimited); returned once. */
  @Property({ type: 'int' })
  reserved: number = 0;
}
