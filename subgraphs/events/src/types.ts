import { PageInfo } from '@frontrow/kit';
import { Field, ObjectType } from 'type-graphql';
import { SportEvent } from './entities/sport-event.entity';

@ObjectType()
export class EventEdge {
  @Field(() => String, { description: 'Opaque; pass it as `after` to read on from this event.' })
  cursor!: string;

  @Field(() => SportEvent)
  node!: SportEvent;
}

@ObjectType({ description: 'Events ordered by startsAt, then id.' })
export class EventConnection {
  @Field(() => [EventEdge])
  edges!: EventEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}
