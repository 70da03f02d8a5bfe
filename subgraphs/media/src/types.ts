import { Directive, Field, ID, Int, ObjectType } from 'type-graphql';
import { EncoderPreset } from './entities/encoder-preset.entity';
import { IngestStatus } from './entities/ingest-record.entity';

/** Feed is owned by the events subgraph; media adds `ingest` and `playback` to it. */
@Directive('@key(fields: "id")')
@ObjectType('Feed')
export class FeedRef {
  @Field(() => ID)
  id!: string;
}

@ObjectType({ description: 'What a viewer needs to watch a feed from Janus; ask again before it expires to renew it.' })
export class PlaybackGrant {
  @Field(() => String, { description: 'The Janus API the viewer connects to (janus-gateway\'s `server`).' })
  janusUrl!: string;

  @Field(() => ID, { description: 'The streaming plugin mountpoint of the feed.' })
  mountpointId!: string;

  @Field(() => String, { description: 'The Janus token for every request of the viewer\'s session.' })
  token!: string;

  @Field(() => Date)
  expiresAt!: Date;

  @Field(() => String, { nullable: true, description: 'An HLS fallback, when one is served (not yet).' })
  hlsUrl?: string | null;
}

@ObjectType({ description: 'Where an encoder sends a feed (admins only).' })
export class Ingest {
  @Field(() => IngestStatus)
  status!: IngestStatus;

  @Field(() => EncoderPreset, { nullable: true })
  preset?: EncoderPreset | null;

  @Field(() => String, { nullable: true, description: 'The address the encoder sends RTP to.' })
  rtpHost?: string | null;

  @Field(() => Int, { nullable: true })
  videoPort?: number | null;

  @Field(() => Int, { nullable: true })
  audioPort?: number | null;
}
