import { Entity, Index, Property } from '@mikro-orm/core';
import { Field, ObjectType } from 'type-graphql';
import { BaseEntity } from '@frontrow/kit';

@ObjectType({ description: 'A headset paired with a user account.' })
@Entity({ tableName: 'device' })
export class Device extends BaseEntity {
  @Index()
  @Property({ type: 'uuid' })
  userId!: string;

  @Field(() => String)
  @Property({ type: 'text' })
  name!: string;

  @Field(() => String)
  @Property({ type: 'text' })
  platform!: string;

  @Field(() => Date, { nullable: true })
  @Property({ type: 'timestamptz', nullable: true })
  lastSeenAt?: Date;
}
