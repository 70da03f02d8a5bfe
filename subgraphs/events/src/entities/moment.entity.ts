import { Entity, Property } from '@mikro-orm/core';
import { Directive, Field, ObjectType } from 'type-graphql';
import { BaseEntity } from '@frontrow/kit';

@Directive('@key(fields: "id")')
@ObjectType({ description: 'A highlight of an event on one of its feeds (a goal, a dunk...).' })
@Entity({ tableName: 'moment' })
export class Moment extends BaseEntity {
  /** Resolved as `event` by the moment resolver. */
  @Property({ type: 'uuid' })
  eventId!: string;

  /** Resolved as `feed` by the moment resolver. */
  @Property({ type: 'uuid' })
  feedId!: string;

  @Field(() => String)
  @Property({ type: 'text' })
  title!: string;

  @Field(() => Date)
  @Property({ type: 'timestamptz' })
  occurredAt!: Date;
}
