import { randomUUID } from 'node:crypto';
import { Entity, Index, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ID, ObjectType } from 'type-graphql';

@ObjectType({ description: 'A message in a party\'s chat.' })
@Entity({ tableName: 'chat_message' })
@Index({ properties: ['partyId', 'sentAt'] })
export class ChatMessage {
  [OptionalProps]?: 'id' | 'sentAt';

  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'uuid' })
  partyId!: string;

  /** Resolved as `author` (a reference to identity's User). */
  @Property({ type: 'uuid' })
  authorId!: string;

  @Field(() => String)
  @Property({ type: 'text' })
  body!: string;

  @Field(() => Date)
  @Property({ type: 'timestamptz' })
  sentAt: Date = new Date();

  @Field(() => Date, { nullable: true, description: 'Set when a moderator removed the message; members no longer see it.' })
  @Property({ type: 'timestamptz', nullable: true })
  removedAt?: Date | null;

  @Property({ type: 'uuid', nullable: true })
  removedById?: string | null;
}
