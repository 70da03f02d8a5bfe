import { Entity, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { registerEnumType } from 'type-graphql';

export enum IngestStatus {
  IDLE = 'IDLE',
  LIVE = 'LIVE',
  STOPPED = 'STOPPED',
  FAILED = 'FAILED',
}
registerEnumType(IngestStatus, { name: 'IngestStatus' });

/** A feed's way into Janus: one RTP mountpoint while LIVE. */
@Entity({ tableName: 'ingest' })
export class IngestRecord {
  @PrimaryKey({ type: 'uuid' })
  feedId!: string;

  @Property({ type: 'text' })
  status: IngestStatus = IngestStatus.IDLE;

  @Property({ type: 'text', nullable: true })
  presetId?: string;

  /** Stable per feed, so viewers' tokens survive a restart of the ingest. */
  @Unique()
  @Property({ type: 'int' })
  mountpointId!: number;

  @Property({ type: 'int', nullable: true })
  videoPort?: number;

  @Property({ type: 'int', nullable: true })
  audioPort?: number;

  @Property({ type: 'text', nullable: true })
  error?: string;

  /**
   * Set while the ingest is FAILED because Janus stopped answering (not because it
   * refused): reconciliation makes such an ingest LIVE again by itself once Janus
   * answers (docs/decisions/0011).
   */
  @Property({ type: 'timestamptz', nullable: true })
  janusDownSince?: Date | null;

  @Property({ type: 'timestamptz', nullable: true })
  startedAt?: Date;

  @Property({ type: 'timestamptz', nullable: true })
  stoppedAt?: Date;
}
