import { Field, Float, ID, InputType } from 'type-graphql';
import { PlaybackAction } from './types';

@InputType({ description: 'SEEK needs positionMs (>= 0); SWITCH_FEED needs feedId; PLAY and PAUSE take neither.' })
export class PlaybackCommand {
  @Field(() => PlaybackAction)
  action!: PlaybackAction;

  @Field(() => Float, { nullable: true })
  positionMs?: number | null;

  @Field(() => ID, { nullable: true })
  feedId?: string | null;
}
