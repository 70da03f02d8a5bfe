import { Entity, Index, Property, Unique } from '@mikro-orm/core';
import { Field, ObjectType } from 'type-graphql';
import { BaseEntity } from '@frontrow/kit';

@ObjectType({ description: 'A key for a sponsor integration or a developer; the secret is shown once.' })
@Entity({ tableName: 'api_key' })
export class ApiKey extends BaseEntity<'scopes'> {
  @Index()
  @Property({ type: 'uuid' })
  userId!: string;

  @Field(() => String)
  @Property({ type: 'text' })
  name!: string;

  @Field(() => [String])
  @Property({ type: 'text[]' })
  scopes: string[] = [];

  @Unique()
  @Property({ type: 'text', hidden: true })
  secretHash!: string;

  @Field(() => Date, { nullable: true })
  @Property({ type: 'timestamptz', nullable: true })
  lastUsedAt?: Date;

  @Field(() => Date, { nullable: true })
  @Property({ type: 'timestamptz', nullable: true })
  revokedAt?: Date;
}
