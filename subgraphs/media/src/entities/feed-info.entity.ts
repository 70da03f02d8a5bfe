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
