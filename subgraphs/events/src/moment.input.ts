import { Field, ID, InputType } from 'type-graphql';
import type { Moment } from './entities/moment.entity';

@InputType()
export class MomentInput implements Partial<Moment> {
  @Field(() => ID)
  eventId!: string;

  @Field(() => ID, { description: 'A feed of the same event.' })
  feedId!: string;

  @Field(() => String)
  title!: string;

  @Field(() => Date)
  occurredAt!: Date;
}
