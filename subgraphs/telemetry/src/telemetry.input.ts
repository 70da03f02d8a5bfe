import { Field, Float, ID, InputType, registerEnumType } from 'type-graphql';

export enum TelemetryKind {
  HEARTBEAT = 'HEARTBEAT',
  BITRATE = 'BITRATE',
  REBUFFER = 'REBUFFER',
  FRAME_DROP = 'FRAME_DROP',
  STARTUP_TIME = 'STARTUP_TIME',
  ERROR = 'ERROR',
  IMPRESSION = 'IMPRESSION',
}

registerEnumType(TelemetryKind, {
  name: 'TelemetryKind',
  description: 'What a telemetry event reports.',
  valuesConfig: {
    HEARTBEAT: { description: 'The session is watching (one every few seconds); a minute with one counts the session as a viewer.' },
    BITRATE: { description: 'The bitrate being played, in kbps (value).' },
    REBUFFER: { description: 'A stall, its duration in ms (value).' },
    FRAME_DROP: { description: 'Frames dropped (value: how many).' },
    STARTUP_TIME: { description: 'Time from pressing play to the first frame, in ms (value).' },
    ERROR: { description: 'A playback error.' },
    IMPRESSION: { description: 'A sponsor placement was shown (placementId).' },
  },
});

@InputType({ description: 'One QoS or impression sample from a player.' })
export class TelemetryEventInput {
  @Field(() => TelemetryKind)
  kind!: TelemetryKind;

  @Field(() => ID)
  eventId!: string;

  @Field(() => ID, { nullable: true })
  feedId?: string | null;

  @Field(() => ID, { nullable: true, description: 'The placement shown (IMPRESSION).' })
  placementId?: string | null;

  @Field(() => Float, { nullable: true, description: 'Never negative; required by BITRATE (kbps), REBUFFER (ms) and STARTUP_TIME (ms).' })
  value?: number | null;

  @Field(() => Date, { description: 'When it happened: at most 24 hours ago and at most 5 minutes ahead.' })
  at!: Date;

  @Field(() => String, { description: "The player session's id, 1 to 128 characters; it belongs to the first user who records for it." })
  sessionId!: string;
}
