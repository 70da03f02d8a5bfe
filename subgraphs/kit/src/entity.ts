import { randomUUID } from 'node:crypto';
import { OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ID, ObjectType } from 'type-graphql';

/**
 * What every subgraph's rows share: a uuid and the time they were created and last
 * changed. GraphQL object types that extend it inherit `id` and `createdAt`; it is not
 * a GraphQL type of its own. `Optional` names the entity's other properties that have
 * defaults, for MikroORM's `create`.
 */
@ObjectType()
export abstract class BaseEntity<Optional = never> {
  [OptionalProps]?: 'id' | 'createdAt' | 'updatedAt' | Optional;

  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Field(() => Date)
  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}
