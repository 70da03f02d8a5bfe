import { Directive, Field, ID, ObjectType } from 'type-graphql';

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
