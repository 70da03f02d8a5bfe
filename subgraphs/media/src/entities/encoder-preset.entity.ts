import { Entity, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum Projection {
  EQUIRECT_MONO = 'EQUIRECT_MONO',
  EQUIRECT_STEREO_TB = 'EQUIRECT_STEREO_TB',
  FLAT = 'FLAT',
}
registerEnumType(Projection, { name: 'Projection', description: 'How a frame maps onto the view.' });

/** How an encoder must send a feed; presets are data, seeded by a migration. */
@ObjectType({ description: 'How an encoder must send a feed: resolution, rate, codec and projection.' })
@Entity({ tableName: 'encoder_preset' })
export class EncoderPreset {
  @Field(() => ID)
  @PrimaryKey({ type: 'text' })
  id!: string;

  @Field(() => String)
  @Property({ type: 'text' })
  name!: string;

  @Field(() => Int)
  @Property({ type: 'int' })
  width!: number;

  @Field(() => Int)
  @Property({ type: 'int' })
  height!: number;

  @Field(() => Int)
  @Property({ type: 'int' })
  fps!: number;

  @Field(() => Int)
  @Property({ type: 'int' })
  bitrateKbps!: number;

  @Field(() => String, { description: 'vp8 or h264; audio is always Opus.' })
  @Property({ type: 'text' })
  codec!: 'vp8' | 'h264';

  @Field(() => Projection)
  @Property({ type: 'text' })
  projection!: Projection;
}
