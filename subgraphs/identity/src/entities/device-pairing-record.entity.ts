import { Entity, Property, Unique } from '@mikro-orm/core';
import { BaseEntity } from '@frontrow/kit';

/** A pairing in progress, as in the OAuth device authorization grant (RFC 8628). */
@Entity({ tableName: 'device_pairing' })
export class DevicePairingRecord extends BaseEntity<'interval'> {
  @Unique()
  @Property({ type: 'text', hidden: true })
  deviceCodeHash!: string;

  @Unique()
  @Property({ type: 'text' })
  userCode!: string;

  @Property({ type: 'text' })
  deviceName!: string;

  @Property({ type: 'text' })
  platform!: string;

  @Property({ type: 'timestamptz' })
  expiresAt!: Date;

  @Property({ type: 'int' })
  interval: number = 5;

  @Property({ type: 'timestamptz', nullable: true })
  lastPolledAt?: Date;

  @Property({ type: 'uuid', nullable: true })
  approvedByUserId?: string;

  @Property({ type: 'uuid', nullable: true })
  deviceId?: string;

  @Property({ type: 'timestamptz', nullable: true })
  completedAt?: Date;
}
