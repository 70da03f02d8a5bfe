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

@InputType({ description: 'The fields to change; absent ones stay as they are.' })
export class VenueUpdateInput implements Partial<Venue> {
  @Field(() => String, { nullable: true })
  name?: string;

  @Field(() => String, { nullable: true })
  city?: string;

  @Field(() => String, { nullable: true })
  country?: string;

  @Field(() => String, { nullable: true, description: 'An IANA time zone, e.g. "America/Chicago".' })
  timezone?: string;

  @Field(() => Int, { nullable: true, description: 'null clears it (unknown).' })
  capacity?: number | null;
}
