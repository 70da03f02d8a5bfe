import { Entity, Index, Property } from '@mikro-orm/core';
import { Directive, Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { BaseEntity } from '@frontrow/kit';

export enum Surface {
  JUMBOTRON = 'JUMBOTRON',
  BOARD_NORTH = 'BOARD_NORTH',
  BOARD_SOUTH = 'BOARD_SOUTH',
  BOARD_EAST = 'BOARD_EAST',
  BOARD_WEST = 'BOARD_WEST',
  HUD = 'HUD',
}
registerEnumType(Surface, { name: 'Surface', description: 'Where in the virtual venue a creative is shown.' });

/** An approved asset on one surface of one event, for a time window. */
@Directive('@key(fields: "id")')
@ObjectType({ description: 'An approved creative on a surface of an event, within a time window, rotated by weight.' })
@Entity({ tableName: 'placement' })
@Index({ name: 'placement_live', properties: ['eventId', 'surface', 'endsAt'] })
export class Placement extends BaseEntity<'weight' | 'frequencyCapPerHour'> {
  /** The event (events' entity); resolved as `event`. */
  @Property({ type: 'uuid' })
  eventId!: string;

  /** Resolved as `asset`. */
  @Index()
  @Property({ type: 'uuid' })
  assetId!: string;

  @Field(() => Surface)
  @Property({ type: 'text' })
  surface!: Surface;

  @Field(() => Date)
  @Property({ type: 'timestamptz' })
  startsAt!: Date;

  @Field(() => Date)
  @Property({ type: 'timestamptz' })
  endsAt!: Date;

  @Field(() => Int, { description: 'Relative share among the placements live on the same surface (1 to 1000).' })
  @Property({ type: 'int' })
  weight: number = 1;

  @Field(() => Int, { nullable: true, description: 'How often one fan may be served it per hour; null: no cap.' })
  @Property({ type: 'int', nullable: true })
  frequencyCapPerHour?: number | null;
}
