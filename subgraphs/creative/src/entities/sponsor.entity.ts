import { Entity, Index, Property } from '@mikro-orm/core';
import { Directive, Field, ObjectType } from 'type-graphql';
import { BaseEntity } from '@frontrow/kit';

/** A company that places creatives in the venue, acting through its owning user. */
@Directive('@key(fields: "id")')
@ObjectType({ description: 'A sponsor: its owner (a user with the SPONSOR role) uploads its creatives.' })
@Entity({ tableName: 'sponsor' })
export class Sponsor extends BaseEntity {
  @Field(() => String)
  @Property({ type: 'text' })
  name!: string;

  /** The owning user (identity's); resolved as `owner`. */
  @Index()
  @Property({ type: 'uuid' })
  ownerId!: string;
}
