import { Directive, Field, ID, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'What recordTelemetry kept: accepted events are stored; rejected ones were malformed.' })
export class IngestResult {
  @Field(() => Int)
  accepted!: number;

  @Field(() => Int)
  rejected!: number;
}

/** Identity owns User; an audit entry only points at its actor. */
@Directive('@key(fields: "id", resolvable: false)')
@ObjectType('User')
export class UserRef {
  @Field(() => ID)
  id!: string;
}
