import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/core';

/** What media knows of a feed, from `events.feed.added` and event status changes. */
@Entity({ tableName: 'feed_info' })
export class FeedInfo {
  @PrimaryKey({ type: 'uuid' })
  feedId!: string;

  @Index()
  @Property({ type: 'uuid' })
  eventId!: string;

  @Property({ type: 'text' })
  label!: string;

  @Property({ type: 'text' })
  projection!: string;

  @Property({ type: 'boolean' })
  preview: boolean = false;
}

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
