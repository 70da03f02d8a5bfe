/** The party's playback as the server keeps it (the `PlaybackState` type of the API). */
export interface PlaybackStateInput {
  /** The API's `feed { id }`, or a plain `feedId`. */
  feed?: { id: string } | null;
  feedId?: string | null;
  playing: boolean;
  positionMs: number;
  rate: number;
  /** ISO-8601 from the API, or epoch milliseconds. */
  updatedAt: string | number | Date;
  version: number;
}

/** The same, normalised: times as server epoch milliseconds. */
export interface SharedState {
  feedId: string | null;
  playing: boolean;
  positionMs: number;
  rate: number;
  updatedAtMs: number;
  version: number;
}

export function toSharedState(input: PlaybackStateInput | SharedState): SharedState {
  if ('updatedAtMs' in input) return input;
  const updatedAtMs =
    typeof input.updatedAt === 'number'
      ? input.updatedAt
      : input.updatedAt instanceof Date
        ? input.updatedAt.getTime()
        : Date.parse(input.updatedAt);
  if (!Number.isFinite(updatedAtMs)) throw new Error(`PlaybackState.updatedAt is not a time: ${String(input.updatedAt)}`);
  return {
    feedId: input.feed !== undefined ? (input.feed?.id ?? null) : (input.feedId ?? null),
    playing: input.playing,
    positionMs: input.positionMs,
    rate: input.rate,
    updatedAtMs,
    version: input.version,
  };
}

/**
 * Where everyone should be at server time `serverNow`: the stored position plus
 * what has played since it was stored.
 */
export function sharedPosition(
  state: Pick<SharedState, 'playing' | 'positionMs' | 'rate' | 'updatedAtMs'>,
  serverNow: number,
): number {
  return state.playing ? state.positionMs + (serverNow - state.updatedAtMs) * state.rate : state.positionMs;
}
