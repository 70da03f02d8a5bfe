import { ArgsType, Field, ID, InputType } from 'type-graphql';
import { Projection, type Feed } from './entities/feed.entity';

@InputType()
export class FeedInput implements Partial<Feed> {
  @Field(() => ID)
  eventId!: string;

  @Field(() => String)
  label!: string;

  @Field(() => Projection)
  projection!: Projection;

  @Field(() => Boolean, { nullable: true, description: 'False when not given; an event has at most one default feed.' })
  isDefault?: boolean;

  @Field(() => Boolean, { nullable: true, description: 'Anyone may watch it without a pass; false when not given.' })
  preview?: boolean;
}

@InputType({ description: 'Only the fields given change.' })
export class FeedUpdateInput implements Partial<Feed> {
  @Field(() => String, { nullable: true })
  label?: string;

  @Field(() => Projection, { nullable: true })
  projection?: Projection;

  @Field(() => Boolean, { nullable: true })
  isDefault?: boolean;

  @Field(() => Boolean, { nullable: true })
  preview?: boolean;
}

@ArgsType()
export class UpdateFeedArgs {
  @Field(() => ID)
  id!: string;

  @Field(() => FeedUpdateInput)
  input!: FeedUpdateInput;
}
