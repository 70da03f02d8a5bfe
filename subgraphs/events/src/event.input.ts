import { ArgsType, Field, ID, InputType, Int } from 'type-graphql';
import { EventStatus, type SportEvent } from './entities/sport-event.entity';

@InputType()
export class EventInput implements Partial<SportEvent> {
  @Field(() => String)
  title!: string;

  @Field(() => String)
  sport!: string;

  @Field(() => String)
  homeTeam!: string;

  @Field(() => String)
  awayTeam!: string;

  @Field(() => ID)
  venueId!: string;

  @Field(() => Date)
  startsAt!: Date;

  @Field(() => Date)
  endsAt!: Date;
}

@InputType({ description: 'Only the fields given change; status changes through setEventStatus.' })
export class EventUpdateInput implements Partial<SportEvent> {
  @Field(() => String, { nullable: true })
  title?: string;

  @Field(() => String, { nullable: true })
  sport?: string;

  @Field(() => String, { nullable: true })
  homeTeam?: string;

  @Field(() => String, { nullable: true })
  awayTeam?: string;

  @Field(() => ID, { nullable: true })
  venueId?: string;

  @Field(() => Date, { nullable: true })
  startsAt?: Date;

  @Field(() => Date, { nullable: true })
  endsAt?: Date;
}

@InputType({ description: 'Every condition given must hold.' })
export class EventFilter {
  @Field(() => EventStatus, { nullable: true })
  status?: EventStatus;

  @Field(() => String, { nullable: true, description: 'The sport, any letter case.' })
  sport?: string;

  @Field(() => Date, { nullable: true, description: 'Events starting at or after this time.' })
  from?: Date;

  @Field(() => Date, { nullable: true, description: 'Events starting before this time.' })
  to?: Date;

  @Field(() => String, { nullable: true, description: 'Text found in the title or either team\'s name, any letter case.' })
  search?: string;
}

@ArgsType()
export class EventsArgs {
  @Field(() => EventFilter, { nullable: true })
  filter?: EventFilter | null;

  @Field(() => Int, { nullable: true, description: '20 when not given; at most 100.' })
  first?: number | null;

  @Field(() => String, { nullable: true, description: 'The endCursor of the previous page.' })
  after?: string | null;
}

@ArgsType()
export class UpdateEventArgs {
  @Field(() => ID)
  id!: string;

  @Field(() => EventUpdateInput)
  input!: EventUpdateInput;
}

@ArgsType()
export class SetEventStatusArgs {
  @Field(() => ID)
  id!: string;

  @Field(() => EventStatus)
  status!: EventStatus;
}
