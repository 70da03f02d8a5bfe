import { Field, InputType, Int } from 'type-graphql';
import type { Venue } from './entities/venue.entity';

@InputType()
export class VenueInput implements Partial<Venue> {
  @Field(() => String)
  name!: string;

  @Field(() => String)
  city!: string;

  @Field(() => String)
  country!: string;

  @Field(() => String, { description: 'An IANA time zone, e.g. "America/Chicago".' })
  timezone!: string;

  @Field(() => Int, { nullable: true })
  capacity?: number | null;
}
