import { Entity, Index, Property, Unique } from '@mikro-orm/core';
import { Field, Int, ObjectType } from 'type-graphql';
import { BaseEntity } from '@frontrow/kit';

@ObjectType({ description: 'A headset paired with a user account.' })
@Entity({ tableName: 'device' })
export class Device extends BaseEntity {
  @Index()
  @Property({ type: 'uuid' })
  userId!: string;

  @Field(() => String)
  @Property({ type: 'text' })
  name!: string;

  @Field(() => String)
  @Property({ type: 'text' })
  platform!: string;

  @Field(() => Date, { nullable: true })
  @Property({ type: 'timestamptz', nullable: true })
  lastSeenAt?: Date;
}

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

@ObjectType({ description: 'What a headset shows while it waits for the fan to approve it.' })
export class DevicePairing {
  @Field(() => String, { description: 'The short code the fan types on the web.' })
  userCode!: string;

  @Field(() => String, { description: 'The secret the headset polls with; never shown to the fan.' })
  deviceCode!: string;

  @Field(() => String)
  verificationUri!: string;

  @Field(() => Date)
  expiresAt!: Date;

  @Field(() => Int, { description: 'Seconds to wait between polls.' })
  interval!: number;
}
