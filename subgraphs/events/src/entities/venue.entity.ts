import { Entity, Property } from '@mikro-orm/core';
import { Directive, Field, Int, ObjectType } from 'type-graphql';
import { BaseEntity } from '@frontrow/kit';

@Directive('@key(fields: "id")')
@ObjectType({ description: 'A stadium or arena where events take place.' })
@Entity({ tableName: 'venue' })
export class Venue extends BaseEntity<'capacity'> {
  @Field(() => String)
  @Property({ type: 'text' })
  name!: string;

  @Field(() => String)
  @Property({ type: 'text' })
  city!: string;

  @Field(() => String)
  @Property({ type: 'text' })
  country!: string;

  @Field(() => String, { description: 'An IANA time zone, e.g. "Europe/Madrid".' })
  @Property({ type: 'text' })
  timezone!: string;

  @Field(() => Int, { nullable: true, description: 'Seats in the venue, when known.' })
  @Property({ type: 'int', nullable: true })
  capacity?: number | null;
}
