import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * One open party event stream, on one presence instance. A member is online while
 * any of their sessions has a recent heartbeat; an instance that dies stops beating
 * and its sessions go stale.
 */
@Entity({ tableName: 'presence_session' })
@Index({ properties: ['partyId', 'userId'] })
export class PresenceSession {
  @PrimaryKey({ type: 'uuid' })
  id!: string;

  @Property({ type: 'uuid' })
  partyId!: string;

  @Property({ type: 'uuid' })
  userId!: string;

  @Index()
  @Property({ type: 'text' })
  instanceId!: string;

  @Property({ type: 'timestamptz' })
  openedAt!: Date;

  @Property({ type: 'timestamptz' })
  heartbeatAt!: Date;
}
