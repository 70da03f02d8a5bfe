import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/core';

/** A viewer's right to watch an event (or every event: a season pass), from commerce. */
@Entity({ tableName: 'entitlement_info' })
export class EntitlementInfo {
  @PrimaryKey({ type: 'uuid' })
  entitlementId!: string;

  @Index()
  @Property({ type: 'uuid' })
  userId!: string;

  /** Null for a season pass, which covers every event. */
  @Property({ type: 'uuid', nullable: true })
  eventId?: string | null;

  @Property({ type: 'timestamptz', nullable: true })
  revokedAt?: Date | null;
}
