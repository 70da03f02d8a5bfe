import { Entity, Index, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * A Janus stored token that lets one viewer watch one feed. Asking for playback
 * again before it expires extends it (the same token: no reconnect); once expired or
 * revoked, it is removed from Janus and the viewer's session ends.
 */
@Entity({ tableName: 'playback_token' })
export class PlaybackToken {
  [OptionalProps]?: 'createdAt' | 'removedAt';

  @PrimaryKey({ type: 'text' })
  token!: string;

  @Index()
  @Property({ type: 'uuid' })
  userId!: string;

  @Index()
  @Property({ type: 'uuid' })
  feedId!: string;

  @Property({ type: 'uuid' })
  eventId!: string;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz' })
  expiresAt!: Date;

  /** Set once Janus no longer knows the token (expired, revoked). */
  @Property({ type: 'timestamptz', nullable: true })
  removedAt?: Date | null;
}
