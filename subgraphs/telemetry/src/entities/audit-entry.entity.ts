import { Entity, PrimaryKey, Property } from '@mikro-orm/core';
import { GraphQLJSON } from 'graphql-scalars';
import { Field, ID, ObjectType } from 'type-graphql';

/**
 * One admin or moderator action, as the subgraph that performed it announced it
 * (`<subgraph>.audit.recorded`). Its id is the message's, so one action is one entry.
 * Entries are only ever inserted: no operation changes or removes one, and the table
 * refuses UPDATE and DELETE.
 */
@ObjectType({ description: 'An admin or moderator action. Entries are never updated or deleted.' })
@Entity({ tableName: 'audit_entry' })
export class AuditEntry {
  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id!: string;

  /** Null for what the system itself decided. */
  @Property({ type: 'uuid', nullable: true })
  actorId!: string | null;

  @Property({ type: 'json' })
  actorRoles!: string[];

  @Field(() => String, { description: 'What was done, `<subgraph>.<entity>.<verb>` (events.venue.created).' })
  @Property({ type: 'text' })
  action!: string;

  @Field(() => String, { description: 'The subgraph that did it.' })
  @Property({ type: 'text' })
  subgraph!: string;

  @Field(() => String)
  @Property({ type: 'text' })
  targetType!: string;

  @Field(() => String, { nullable: true })
  @Property({ type: 'text', nullable: true })
  targetId!: string | null;

  @Field(() => Date, { description: 'When it was done.' })
  @Property({ type: 'timestamptz' })
  at!: Date;

  @Field(() => GraphQLJSON, { description: 'What the subgraph recorded about it; its shape depends on the action.' })
  @Property({ type: 'json' })
  details!: Record<string, unknown>;

  @Property({ type: 'timestamptz' })
  recordedAt: Date = new Date();
}
