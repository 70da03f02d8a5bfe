import { BadInputError, ConflictError, foreignId } from '@frontrow/kit';
import type { Party } from './entities/party.entity';
import { PlaybackAction, type PlaybackState } from './types';
import { type PlaybackCommand } from './playback.input';

type Stored = Pick<Party, 'feedId' | 'playing' | 'positionMs' | 'rate' | 'playbackUpdatedAt' | 'version'>;

/** Where playback is at `nowMs`: the stored position plus the time played since. */
export function positionAt(p: Stored, nowMs: number): number {
  if (!p.playing) return p.positionMs;
  return Math.max(0, p.positionMs + (nowMs - p.playbackUpdatedAt.getTime()) * p.rate);
}

export function playbackState(p: Stored): PlaybackState {
  return {
    feed: p.feedId ? { id: p.feedId } : null,
    playing: p.playing,
    positionMs: p.positionMs,
    rate: p.rate,
    updatedAt: p.playbackUpdatedAt,
    version: p.version,
  };
}

/** The state a stale command is told about, in its error's `extensions.current`. */
export function snapshot(p: Stored) {
  return {
    version: p.version,
    playing: p.playing,
    positionMs: p.positionMs,
    rate: p.rate,
    updatedAt: p.playbackUpdatedAt.toISOString(),
    feedId: p.feedId ?? null,
  };
}

export function staleVersion(current: Stored, expected: number): ConflictError {
  return new ConflictError(
    `The playback changed (version ${current.version}, you sent ${expected}); apply the current state and retry.`,
    { current: snapshot(current) },
  );
}

/** Checks a command's arguments against its action. */
export function checkCommand(command: PlaybackCommand): PlaybackCommand {
  const { action, positionMs, feedId } = command;
  const hasPosition = positionMs !== undefined && positionMs !== null;
  const hasFeed = feedId !== undefined && feedId !== null;
  if (action === PlaybackAction.SEEK) {
    if (!hasPosition || !Number.isFinite(positionMs) || positionMs < 0 || positionMs > 1e10) {
      throw new BadInputError('SEEK needs a positionMs of 0 or more.', 'positionMs');
    }
  } else if (hasPosition) {
    throw new BadInputError(`${action} takes no positionMs; send a SEEK to move.`, 'positionMs');
  }
  if (action === PlaybackAction.SWITCH_FEED) {
    if (!hasFeed) throw new BadInputError('SWITCH_FEED needs a feedId.', 'feedId');
    return { action, feedId: foreignId(feedId, 'feedId'), positionMs: null };
  }
  if (hasFeed) throw new BadInputError(`${action} takes no feedId; send a SWITCH_FEED to change feeds.`, 'feedId');
  return { action, positionMs: hasPosition ? positionMs : null, feedId: null };
}

/**
 * The state after a command at `nowMs`. PAUSE keeps the position reached; PLAY
 * starts from it; SEEK moves it; SWITCH_FEED moves everyone to another feed on the
 * same timeline (a seat jump) without changing the position or play state.
 */
export function applyCommand(current: Stored, command: PlaybackCommand, nowMs: number): Omit<Stored, 'version'> {
  const position = positionAt(current, nowMs);
  const at = new Date(nowMs);
  const base = { feedId: current.feedId ?? null, rate: current.rate, playbackUpdatedAt: at };
  switch (command.action) {
    case PlaybackAction.PLAY:
      return { ...base, playing: true, positionMs: position };
    case PlaybackAction.PAUSE:
      return { ...base, playing: false, positionMs: position };
    case PlaybackAction.SEEK:
      return { ...base, playing: current.playing, positionMs: command.positionMs as number };
    case PlaybackAction.SWITCH_FEED:
      return { ...base, feedId: command.feedId as string, playing: current.playing, positionMs: position };
  }
}
