import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * An event's manifest version: raised in the transaction that changes the event's
 * placements; `writtenVersion` says which version's JSON is in storage.
 */
@Entity({ tableName: 'ad_manifest' })
export class AdManifestState {
  @PrimaryKey({ type: 'uuid' })
  eventId!: string;

  @Property({ type: 'int' })
  version: number = 1;

  @Property({ type: 'int' })
  writtenVersion: number = 0;

  @Property({ type: 'timestamptz', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}
