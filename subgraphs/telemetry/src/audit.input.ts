import { Field, ID, InputType } from 'type-graphql';

@InputType({ description: 'Narrows the audit log; every field given must match.' })
export class AuditFilter {
  @Field(() => ID, { nullable: true, description: 'Who acted.' })
  actorId?: string | null;

  @Field(() => String, { nullable: true, description: 'The exact action, e.g. "commerce.order.refunded".' })
  action?: string | null;

  @Field(() => String, { nullable: true })
  subgraph?: string | null;

  @Field(() => Date, { nullable: true, description: 'At or after.' })
  from?: Date | null;

  @Field(() => Date, { nullable: true, description: 'Before.' })
  to?: Date | null;
}
