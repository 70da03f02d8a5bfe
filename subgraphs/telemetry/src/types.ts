import { PageInfo } from '@frontrow/kit';
import { Directive, Field, ID, Int, ObjectType } from 'type-graphql';
import { AuditEntry } from './entities/audit-entry.entity';

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

@ObjectType()
export class AuditEdge {
  @Field(() => String)
  cursor!: string;

  @Field(() => AuditEntry)
  node!: AuditEntry;
}

@ObjectType({ description: 'Audit entries, newest first.' })
export class AuditConnection {
  @Field(() => [AuditEdge])
  edges!: AuditEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}
