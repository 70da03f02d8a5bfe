import { randomUUID } from 'node:crypto';
import { Entity, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, Float, ID, ObjectType } from 'type-graphql';

/** A rule crossed for an event: once per crossing. */
@ObjectType({ description: 'A rule crossed by a live event, once per crossing.' })
@Entity({ tableName: 'alert' })
export class Alert {
  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'uuid' })
  ruleId!: string;

  @Field(() => ID, { nullable: true })
  @Property({ type: 'uuid', nullable: true })
  eventId!: string | null;

  @Field(() => Float, { description: 'The figure when it crossed.' })
  @Property({ type: 'double' })
  value!: number;

  @Field(() => Date)
  @Property({ type: 'timestamptz' })
  firedAt: Date = new Date();
}
