import { PageInfo } from '@frontrow/kit';
import { Directive, Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { Order } from './entities/order.entity';
import { ProductKind } from './entities/product.entity';

@Directive('@shareable')
@ObjectType({ description: 'An amount of money in minor units (cents) of an ISO 4217 currency.' })
export class Money {
  @Field(() => Int, { description: 'Minor units: 1999 EUR is €19.99.' })
  amount!: number;

  @Field(() => String, { description: 'ISO 4217 code, three upper-case letters.' })
  currency!: string;
}

export function money(amount: number, currency: string): Money {
  return { amount, currency };
}

/** The events subgraph owns Event; commerce adds `products` and `viewerEntitlement`. */
@Directive('@key(fields: "id")')
@ObjectType('Event')
export class EventRef {
  @Field(() => ID)
  id!: string;
}

/** Identity owns User; an order only points at its buyer. */
@Directive('@key(fields: "id", resolvable: false)')
@ObjectType('User')
export class UserRef {
  @Field(() => ID)
  id!: string;
}

@ObjectType()
export class OrderEdge {
  @Field(() => String)
  cursor!: string;

  @Field(() => Order)
  node!: Order;
}

@ObjectType({ description: 'Orders, newest first.' })
export class OrderConnection {
  @Field(() => [OrderEdge])
  edges!: OrderEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}

@InputType()
export class ProductInput {
  @Field(() => ProductKind)
  kind!: ProductKind;

  @Field(() => String)
  name!: string;

  @Field(() => ID, { nullable: true, description: 'Required for EVENT_PASS and SEAT_UPGRADE; absent for SEASON_PASS.' })
  eventId?: string | null;

  @Field(() => Int, { description: 'Minor units.' })
  amount!: number;

  @Field(() => String, { description: 'ISO 4217, three upper-case letters.' })
  currency!: string;

  @Field(() => Int, { nullable: true, description: 'Units on sale; absent for unlimited.' })
  inventory?: number | null;
}

@InputType()
export class CheckoutInput {
  @Field(() => ID)
  productId!: string;

  @Field(() => Int, { description: '1 to 10.' })
  quantity!: number;

  @Field(() => String, { description: 'Chosen by the client per purchase: a retry with the same key returns the same order.' })
  idempotencyKey!: string;

  @Field(() => String, {
    nullable: true,
    description: 'A payment method token. Test provider: pm_card_ok (default), pm_card_declined, pm_card_delayed.',
  })
  paymentMethod?: string | null;
}
