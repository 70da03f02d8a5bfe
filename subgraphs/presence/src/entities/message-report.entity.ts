import { randomUUID } from 'node:crypto';
import { Entity, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { Field, ID, ObjectType } from 'type-graphql';

/** A member's report of a chat message: the moderation queue holds the open ones. */
@ObjectType({ description: 'A chat message reported by a member, waiting for a moderator.' })
@Entity({ tableName: 'message_report' })
@Unique({ properties: ['messageId', 'reporterId'] })
export class MessageReport {
  [OptionalProps]?: 'id' | 'createdAt';

  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  /** Resolved as `message`. */
  @Property({ type: 'uuid' })
  messageId!: string;

  /** Resolved as `party`. */
  @Property({ type: 'uuid' })
  partyId!: string;

  /** Resolved as `reporter`. */
  @Property({ type: 'uuid' })
  reporterId!: string;

  @Field(() => String)
  @Property({ type: 'text' })
  reason!: string;

  @Field(() => Date)
  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', nullable: true })
  resolvedAt?: Date | null;

  @Property({ type: 'uuid', nullable: true })
  resolvedById?: string | null;

  /** `removed` (the message was taken down) or `dismissed`. */
  @Property({ type: 'text', nullable: true })
  resolution?: string | null;
}
