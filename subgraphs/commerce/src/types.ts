import { PageInfo } from '@frontrow/kit';
import { Directive, Field, ID, Int, ObjectType } from 'type-graphql';
import { Order } from './entities/order.entity';
import { Product } from './entities/product.entity';

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

@ObjectType({ description: 'What one product sold: paid and refunded orders counted, at the prices they were sold at.' })
export class ProductSales {
  @Field(() => Product)
  product!: Product;

  @Field(() => Int, { description: 'Orders with this product that were paid (refunded ones included).' })
  orders!: number;

  @Field(() => Int, { description: 'Units in those orders.' })
  units!: number;

  @Field(() => Money, { description: 'What those orders took in, before refunds.' })
  gross!: Money;

  @Field(() => Money, { description: 'What was given back.' })
  refunded!: Money;

  @Field(() => Money, { description: 'gross minus refunded.' })
  net!: Money;
}
