import { PageInfo } from '@frontrow/kit';
import { Directive, Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ChatMessage } from './entities/chat-message.entity';
import { MessageReport } from './entities/message-report.entity';

/** identity's User, referred to by id only. */
@Directive('@key(fields: "id", resolvable: false)')
@ObjectType('User')
export class UserRef {
  @Field(() => ID)
  id!: string;
}

/** events' Event, referred to by id only. */
@Directive('@key(fields: "id", resolvable: false)')
@ObjectType('Event')
export class EventRef {
  @Field(() => ID)
  id!: string;
}

/** events' Feed, referred to by id only. */
@Directive('@key(fields: "id", resolvable: false)')
@ObjectType('Feed')
export class FeedRef {
  @Field(() => ID)
  id!: string;
}

export enum PlaybackAction {
  PLAY = 'PLAY',
  PAUSE = 'PAUSE',
  SEEK = 'SEEK',
  SWITCH_FEED = 'SWITCH_FEED',
}
registerEnumType(PlaybackAction, { name: 'PlaybackAction' });

/**
 * The party's shared playback, owned by the server. `positionMs` is the position at
 * `updatedAt`; while playing, the shared position at server time `now` is
 * `positionMs + (now - updatedAt) * rate`.
 */
@ObjectType({ description: 'Server-authoritative playback; the shared position is positionMs + (serverNow - updatedAt) * rate while playing.' })
export class PlaybackState {
  @Field(() => FeedRef, {
    nullable: true,
    description: 'The feed everyone watches; null until the host picks one (a party may be created before a feed).',
  })
  feed!: FeedRef | null;

  @Field(() => Boolean)
  playing!: boolean;

  @Field(() => Float)
  positionMs!: number;

  @Field(() => Float)
  rate!: number;

  @Field(() => Date)
  updatedAt!: Date;

  @Field(() => Int, { description: 'Bumped by every change; controlPlayback compares and sets it.' })
  version!: number;
}

@ObjectType({ description: 'The server clock, for clock synchronisation (NTP-style round trips).' })
export class ServerTime {
  @Field(() => Date)
  now!: Date;

  @Field(() => Float, { description: 'Milliseconds since the Unix epoch.' })
  epochMs!: number;
}

@ObjectType()
export class MessageReportEdge {
  @Field(() => String)
  cursor!: string;

  @Field(() => MessageReport)
  node!: MessageReport;
}

@ObjectType({ description: 'Open reports, oldest first.' })
export class MessageReportConnection {
  @Field(() => [MessageReportEdge])
  edges!: MessageReportEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}

export { ChatMessage };
