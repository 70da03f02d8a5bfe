import { Field, ID, InputType, Int } from 'type-graphql';
import { Surface } from './entities/placement.entity';

@InputType()
export class PlacementInput {
  @Field(() => ID)
  eventId!: string;

  @Field(() => ID)
  assetId!: string;

  @Field(() => Surface)
  surface!: Surface;

  @Field(() => Date)
  startsAt!: Date;

  @Field(() => Date)
  endsAt!: Date;

  @Field(() => Int, { nullable: true, description: '1 to 1000; 1 when absent.' })
  weight?: number | null;

  @Field(() => Int, { nullable: true, description: '1 to 1000 per fan per hour; absent: no cap.' })
  frequencyCapPerHour?: number | null;
}
