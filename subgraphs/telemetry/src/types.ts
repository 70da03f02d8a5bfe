import { PageInfo } from '@frontrow/kit';
import { Directive, Field, Float, ID, Int, ObjectType } from 'type-graphql';
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

@ObjectType({ description: 'One step of a QoS series.' })
export class QosPoint {
  @Field(() => Date, { description: 'The first minute of the step.' })
  at!: Date;

  @Field(() => Int)
  viewers!: number;

  @Field(() => Float)
  rebufferRatio!: number;

  @Field(() => Float, { nullable: true })
  bitrateKbpsP50!: number | null;

  @Field(() => Float, { nullable: true, description: 'Startup times reported in the step: the median; null when none was.' })
  startupTimeP50Ms!: number | null;

  @Field(() => Float, { nullable: true, description: 'Startup times reported in the step: the 95th percentile; null when none was.' })
  startupTimeP95Ms!: number | null;
}

@ObjectType({
  description:
    'How an event plays for its viewers over a window (5m, 1h, 24h ending now), from the per-minute rollups. viewers: concurrent sessions with a heartbeat, at the busiest minute; rebufferRatio: time stalled over time watched.',
})
export class QosSummary {
  @Field(() => ID)
  eventId!: string;

  @Field(() => String)
  window!: string;

  @Field(() => Int)
  viewers!: number;

  @Field(() => Float, { nullable: true })
  startupTimeP50Ms!: number | null;

  @Field(() => Float, { nullable: true })
  startupTimeP95Ms!: number | null;

  @Field(() => Float)
  rebufferRatio!: number;

  @Field(() => Float, { nullable: true })
  bitrateKbpsP50!: number | null;

  @Field(() => Int)
  errors!: number;

  @Field(() => [QosPoint], { description: 'Per minute for 5m and 1h, per 10 minutes for 24h, oldest first.' })
  series!: QosPoint[];
}

/**
 * Creative owns Placement; telemetry adds its impression counts. Who may see a
 * placement is creative's decision: the gateway asks telemetry only for a placement
 * creative has already returned to the caller.
 */
@Directive('@key(fields: "id")')
@ObjectType('Placement')
export class PlacementRef {
  @Field(() => ID)
  id!: string;
}

/** The events subgraph owns Event; telemetry adds `qos`. */
@Directive('@key(fields: "id")')
@ObjectType('Event')
export class EventRef {
  @Field(() => ID)
  id!: string;
}

@ObjectType({ description: 'One placement\'s share of a sponsor report.' })
export class PlacementImpressions {
  @Field(() => PlacementRef)
  placement!: PlacementRef;

  @Field(() => Int)
  impressions!: number;
}

@ObjectType({ description: 'What a sponsor earned over the hours that start in [from, to).' })
export class SponsorReport {
  @Field(() => ID)
  sponsorId!: string;

  @Field(() => Date, { description: 'Rounded down to the hour.' })
  from!: Date;

  @Field(() => Date, { description: 'Rounded down to the hour.' })
  to!: Date;

  @Field(() => Int, { description: 'From the hourly rollups: settled impressions (a few seconds behind the live count).' })
  impressions!: number;

  @Field(() => Int, { description: 'Distinct signed-in people who saw any of the sponsor\'s placements in the range.' })
  uniqueViewers!: number;

  @Field(() => [PlacementImpressions], { description: 'Every placement of the sponsor, most seen first.' })
  byPlacement!: PlacementImpressions[];
}
