import { Entity, Property } from '@mikro-orm/core';
import { Directive, Field, ObjectType, registerEnumType } from 'type-graphql';
import { BaseEntity } from '@frontrow/kit';

export enum Projection {
  EQUIRECT_MONO = 'EQUIRECT_MONO',
  EQUIRECT_STEREO_TB = 'EQUIRECT_STEREO_TB',
  FLAT = 'FLAT',
}
registerEnumType(Projection, {
  name: 'Projection',
  description: 'How a feed\'s frames map onto the viewer: 360° mono, 360° stereo top-bottom, or a flat screen.',
});

@Directive('@key(fields: "id")')
@ObjectType({ description: 'One camera position of an event (a seat a fan can jump to).' })
@Entity({ tableName: 'feed' })
export class Feed extends BaseEntity<'isDefault' | 'preview'> {
  /** Resolved as `event` by the feed resolver. */
  @Property({ type: 'uuid' })
  eventId!: string;

  @Field(() => String)
  @Property({ type: 'text' })
  label!: string;

  @Field(() => Projection)
  @Property({ type: 'text' })
  projection!: Projection;

  @Field(() => Boolean, { description: 'The feed a viewer starts on; at most one per event.' })
  @Property({ type: 'boolean' })
  isDefault: boolean = false;

  @Field(() => Boolean, { description: 'Anyone may watch this feed without a pass.' })
  @Property({ type: 'boolean' })
  preview: boolean = false;
}
