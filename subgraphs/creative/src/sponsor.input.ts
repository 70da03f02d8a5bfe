import { Field, ID, InputType } from 'type-graphql';

@InputType()
export class SponsorInput {
  @Field(() => String)
  name!: string;

  @Field(() => ID, { description: 'The owning user; identity grants them the SPONSOR role.' })
  ownerId!: string;
}
