import { Entity, Index, Property, Unique } from '@mikro-orm/core';
import { Directive, Field, ObjectType } from 'type-graphql';
import { BaseEntity } from '@frontrow/kit';
import { ProductKind } from './product.entity';

@Directive('@key(fields: "id")')
@ObjectType({ description: 'The right to watch: one event, or every event for a season pass.' })
@Entity({ tableName: 'entitlement' })
@Unique({ properties: ['orderId', 'productId'] })
export class Entitlement extends BaseEntity<'revokedAt' | 'eventId'> {
  @Index()
  @Property({ type: 'uuid' })
  userId!: string;

  /** The event covered; null for a season pass, which covers all of them. */
  @Property({ type: 'text', nullable: true })
  eventId?: string | null;

  @Property({ type: 'uuid' })
  productId!: string;

  @Property({ type: 'uuid' })
  orderId!: string;

  @Field(() => ProductKind)
  @Property({ type: 'text' })
  kind!: ProductKind;

  @Field(() => Date)
  @Property({ type: 'timestamptz' })
  grantedAt!: Date;

  @Field(() => Date, { nullable: true })
  @Property({ type: 'timestamptz', nullable: true })
  revokedAt?: Date | null;
}
