import { randomUUID } from 'node:crypto';
import { Entity, Index, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { Field, ObjectType, registerEnumType } from 'type-graphql';

export enum PartyRole {
  HOST = 'HOST',
  MEMBER = 'MEMBER',
}
registerEnumType(PartyRole, { name: 'PartyRole' });

export enum MemberStatus {
  ACTIVE = 'ACTIVE',
  LEFT = 'LEFT',
  KICKED = 'KICKED',
}

/**
 * One user's membership of one party. A member who leaves keeps the row (status
 * LEFT) and may rejoin; a kicked one keeps it too (status KICKED) and may not.
 */
@ObjectType({ description: 'A member of a party; `online` while they have a party event stream open.' })
@Entity({ tableName: 'party_member' })
@Unique({ properties: ['partyId', 'userId'] })
export class PartyMember {
  [OptionalProps]?: 'id' | 'status' | 'muted' | 'joinedAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'uuid' })
  partyId!: string;

  /** Resolved as `user` (a reference to identity's User). */
  @Index()
  @Property({ type: 'uuid' })
  userId!: string;

  @Field(() => PartyRole)
  @Property({ type: 'text' })
  role!: PartyRole;

  @Property({ type: 'text' })
  status: MemberStatus = MemberStatus.ACTIVE;

  @Field(() => Boolean, { description: 'A muted member may not chat or react.' })
  @Property({ type: 'boolean' })
  muted: boolean = false;

  @Field(() => Date)
  @Property({ type: 'timestamptz' })
  joinedAt: Date = new Date();

  @Property({ type: 'timestamptz', nullable: true })
  leftAt?: Date | null;

  /** When their last event stream closed; they are removed a grace period later. */
  @Property({ type: 'timestamptz', nullable: true })
  disconnectedAt?: Date | null;
}
