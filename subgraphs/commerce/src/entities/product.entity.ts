import { Entity, Index, Property } from '@mikro-orm/core';
import { Directive, Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { BaseEntity } from '@frontrow/kit';

export enum ProductKind {
  EVENT_PASS = 'EVENT_PASS',
  SEASON_PASS = 'SEASON_PASS',
  SEAT_UPGRADE = 'SEAT_UPGRADE',
}
registerEnumType(ProductKind, {
  name: 'ProductKind',
  description: 'EVENT_PASS and SEAT_UPGRADE belong to one event; a SEASON_PASS entitles to every event.',
});

/** Kinds sold for one event (the others cover the whole season). */
export const EVENT_KINDS: readonly ProductKind[] = [ProductKind.EVENT_PASS, ProductKind.SEAT_UPGRADE];

@Directive('@key(fields: "id")')
@ObjectType({ description: 'Something a fan can buy: a pass for one event, a season pass, a seat upgrade.' })
@Entity({ tableName: 'product' })
export class Product extends BaseEntity<'active' | 'inventory' | 'remaining' | 'eventId'> {
  @Field(() => ProductKind)
  @Property({ type: 'text' })
  kind!: ProductKind;

  @Field(() => String)
  @Property({ type: 'text' })
  name!: string;

  /** The event it belongs to (owned by the events subgraph); null for a season pass. */
  @Index()
  @Property({ type: 'text', nullable: true })
  eventId?: string | null;

  /** Price in minor units of `priceCurrency`; exposed as `price: Money!`. */
  @Property({ type: 'int' })
  priceAmount!: number;

  @Property({ type: 'text' })
  priceCurrency!: string;

  @Field(() => Int, { nullable: true, description: 'Units on sale in all; null when unlimited.' })
  @Property({ type: 'int', nullable: true })
  inventory?: number | null;

  @Field(() => Int, { nullable: true, description: 'Units not sold or reserved; null when unlimited.' })
  @Property({ type: 'int', nullable: true })
  remaining?: number | null;

  @Field(() => Boolean, { description: 'A retired product is not sold any more.' })
  @Property({ type: 'boolean' })
  active: boolean = true;
}
