import { Entity, Index, Property, Unique } from '@mikro-orm/core';
import { Directive, Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { BaseEntity } from '@frontrow/kit';

export enum PartyControlMode {
  HOST_ONLY = 'HOST_ONLY',
  EVERYONE = 'EVERYONE',
}
registerEnumType(PartyControlMode, {
  name: 'PartyControlMode',
  description: 'Who may control the shared playback: the host only (the default) or every member.',
});

/**
 * A group of fans watching one event together. The playback state lives in the
 * party's own row so that a command is one conditional UPDATE on its version.
 */
@Directive('@key(fields: "id")')
@ObjectType({ description: 'Fans watching an event together: synced playback, chat and reactions.' })
@Entity({ tableName: 'party' })
export class Party extends BaseEntity<'controlMode' | 'playing' | 'positionMs' | 'rate' | 'version' | 'playbackUpdatedAt'> {
  /** Resolved as `event` (a reference to events' Event). */
  @Index()
  @Property({ type: 'uuid' })
  eventId!: string;

  /** Resolved as `host`; follows the HOST member when the host leaves. */
  @Property({ type: 'uuid' })
  hostId!: string;

  @Field(() => String, { description: 'The code friends join with (8 characters, no look-alike letters).' })
  @Unique()
  @Property({ type: 'text' })
  inviteCode!: string;

  @Field(() => PartyControlMode)
  @Property({ type: 'text' })
  controlMode: PartyControlMode = PartyControlMode.HOST_ONLY;

  @Field(() => Int, { description: 'How many members the party may hold.' })
  @Property({ type: 'int' })
  maxMembers!: number;

  /** The feed everyone watches; null until the host picks one. */
  @Property({ type: 'uuid', nullable: true })
  feedId?: string | null;

  @Property({ type: 'boolean' })
  playing: boolean = false;

  /** The position at `playbackUpdatedAt`. */
  @Property({ type: 'double' })
  positionMs: number = 0;

  @Property({ type: 'double' })
  rate: number = 1;

  @Property({ type: 'timestamptz' })
  playbackUpdatedAt: Date = new Date();

  /** Who made the last playback change; null until the first (the party's state is then the host's). */
  @Property({ type: 'uuid', nullable: true })
  playbackUpdatedBy?: string | null;

  /** Bumped by every playback change; commands compare-and-set on it. */
  @Property({ type: 'int' })
  version: number = 1;
}
