import { Entity, Property } from '@mikro-orm/core';
import { Directive, Field, ObjectType, registerEnumType } from 'type-graphql';
import { BaseEntity } from '@frontrow/kit';

export enum EventStatus {
  SCHEDULED = 'SCHEDULED',
  LIVE = 'LIVE',
  ENDED = 'ENDED',
  CANCELLED = 'CANCELLED',
}
registerEnumType(EventStatus, {
  name: 'EventStatus',
  description: 'SCHEDULED → LIVE → ENDED; SCHEDULED or LIVE → CANCELLED. Nothing else.',
});

/** A game. The TypeScript name avoids Node's global `Event`; GraphQL calls it Event. */
@Directive('@key(fields: "id")')
@ObjectType('Event', { description: 'A game that fans can watch. Feeds, venue and moments are resolved in batches.' })
@Entity({ tableName: 'event' })
export class SportEvent extends BaseEntity<'status'> {
  @Field(() => String)
  @Property({ type: 'text' })
  title!: string;

  @Field(() => String, { description: 'The sport, e.g. "Basketball".' })
  @Property({ type: 'text' })
  sport!: string;

  @Field(() => String)
  @Property({ type: 'text' })
  homeTeam!: string;

  @Field(() => String)
  @Property({ type: 'text' })
  awayTeam!: string;

  /** Resolved as `venue` by the event resolver. */
  @Property({ type: 'uuid' })
  venueId!: string;

  @Field(() => Date)
  @Property({ type: 'timestamptz' })
  startsAt!: Date;

  @Field(() => Date)
  @Property({ type: 'timestamptz' })
  endsAt!: Date;

  @Field(() => EventStatus)
  @Property({ type: 'text' })
  status: EventStatus = EventStatus.SCHEDULED;
}
