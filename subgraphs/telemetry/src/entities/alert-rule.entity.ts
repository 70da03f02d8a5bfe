import { BaseEntity } from '@frontrow/kit';
import { Entity, Property } from '@mikro-orm/core';
import { Field, Float, ObjectType } from 'type-graphql';

/** An admin's rule: a QoS figure over a window crossing a threshold fires an alert. */
@ObjectType({ description: 'Fires an Alert when a live event\'s figure over the window rises above the threshold (bitrateKbpsP50: falls below).' })
@Entity({ tableName: 'alert_rule' })
export class AlertRule extends BaseEntity<'active'> {
  @Field(() => String, { description: 'A QosSummary figure: viewers, startupTimeP50Ms, startupTimeP95Ms, rebufferRatio, bitrateKbpsP50, errors.' })
  @Property({ type: 'text' })
  metric!: string;

  @Field(() => Float)
  @Property({ type: 'double' })
  threshold!: number;

  @Field(() => String, { description: '5m, 1h or 24h.' })
  @Property({ type: 'text', fieldName: 'time_window' })
  window!: string;

  @Field(() => Boolean)
  @Property({ type: 'boolean' })
  active: boolean = true;

  @Property({ type: 'uuid' })
  createdBy!: string;
}
