import { sharedPosition, toSharedState, type PlaybackStateInput, type SharedState } from './position';

/** What the engine drives: the client's media player (a <video>, an ExoPlayer, a test double). */
export interface Player {
  /** The media position being shown, milliseconds. */
  currentTimeMs(): number;
  setRate(rate: number): void;
  seek(ms: number): void;
  play(): void;
  pause(): void;
}

/** The server clock as this client estimates it (a ClockSync). */
export interface ServerClock {
  serverNow(): number;
  /** False until the first clock sample: the engine waits. */
  readonly synced?: boolean;
}

export interface SyncEngineOptions {
  /** Past this error, seek instead of nudging the rate (default 500 ms). */
  seekThresholdMs?: number;
  /** Errors below this are left alone (default 10 ms); nudging stops below half of it. */
  toleranceMs?: number;
  /** The rate correction is error / correctionWindowMs: an error shrinks by about 63% in this time (default 1000 ms). */
  correctionWindowMs?: number;
  /** The most the rate is nudged by, as a fraction (default 0.08, i.e. 0.92x to 1.08x: pitch changes stay subtle). */
  maxRateAdjust?: number;
  /** While paused, a position further off than this is corrected by a seek (default 10 ms). */
  pausedToleranceMs?: number;
  /** After a seek or a start, hold the rate this long before judging the result (default 300 ms). */
  settleAfterSeekMs?: number;
  /** After a feed change, give the new feed this long to load before resynchronising (default 500 ms; a slower load costs another seek). */
  settleAfterFeedChangeMs?: number;
  /** A settled error larger than this is corrected by another seek rather than by the rate (default 80 ms). */
  resyncThresholdMs?: number;
  /** Seeks land late by the player's seek latency; the engine learns it and seeks that far ahead (initial guess, default 0). */
  initialSeekLeadMs?: number;
  /** Called when the party moves to another feed (a seat jump): load it, the engine puts it at the shared position. */
  onFeedChange?: (feedId: string | null, state: SharedState) => void;
}

export type SyncAction = 'waiting' | 'paused' | 'seek' | 'settling' | 'in-sync' | 'nudge';

export interface SyncStatus {
  action: SyncAction;
  /** Shared position minus the player's, milliseconds (positive: the player is behind). */
  errorMs: number;
  /** The rate the player was set to. */
  rate: number;
}

const DEFAULTS = {
  seekThresholdMs: 500,
  toleranceMs: 10,
  correctionWindowMs: 1000,
  maxRateAdjust: 0.08,
  pausedToleranceMs: 10,
  settleAfterSeekMs: 300,
  settleAfterFeedChangeMs: 500,
  resyncThresholdMs: 80,
  initialSeekLeadMs: 0,
};

const MAX_SEEK_LEAD_MS = 2000;
const LEAD_STEP_MS = 100;
/** How long a settling player may stay frozen before the engine acts anyway. */
const MAX_SETTLE_MS = 5000;

/**
 * Keeps a player on the party's shared position. Feed it every PlaybackState the
 * client learns (from the subscription, a mutation's answer, a query) with
 * `update()`, and call `tick()` a few times a second. Small errors are corrected by
 * nudging the playback rate in proportion to the error (nobody notices a 1.03x);
 * large ones, and every play/pause/seek/feed change, by seeking.
 */
export class SyncEngine {
  private readonly opts: typeof DEFAULTS & Pick<SyncEngineOptions, 'onFeedChange'>;
  private current?: SharedState;
  private playerPlaying = false;
  private rate = 1;
  private nudging = false;
  private settle?: { until: number; kind: 'seek' | 'feed'; learn: boolean; giveUpAt?: number };
  /** The player's position at the last tick: a player that does not move while playing is loading or buffering. */
  private lastPosition?: number;
  private resyncs = 0;
  private lead: number;

  constructor(
    private readonly player: Player,
    private readonly clock: ServerClock,
    options: SyncEngineOptions = {},
  ) {
    const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
    this.opts = { ...DEFAULTS, ...defined };
    this.lead = this.opts.initialSeekLeadMs;
  }

  /** The shared state the engine follows. */
  get state(): SharedState | undefined {
    return this.current;
  }

  /** How far ahead the engine seeks to make up for the player's seek latency (learned). */
  get seekLeadMs(): number {
    return this.lead;
  }

  /**
   * Takes a state from the server. Older or repeated versions are ignored (events
   * and mutation answers may arrive in any order); returns whether it was applied.
   */
  update(input: PlaybackStateInput | SharedState): boolean {
    const next = toSharedState(input);
    const previous = this.current;
    if (previous && next.version <= previous.version) return false;
    this.current = next;
    if (previous?.feedId !== next.feedId && (previous || next.feedId)) {
      this.opts.onFeedChange?.(next.feedId, next);
      this.settle = { until: this.clock.serverNow() + this.opts.settleAfterFeedChangeMs, kind: 'feed', learn: false };
    }
    // A command re-anchors the shared timeline: react now rather than at the next tick.
    if (!previous || previous.playing !== next.playing || previous.positionMs !== next.positionMs || previous.rate !== next.rate) {
      if (this.settle?.kind !== 'feed') this.settle = undefined;
      this.resyncs = 0;
    }
    this.tick();
    return true;
  }

  /** One control step; call it every 100–250 ms. */
  tick(): SyncStatus {
    const state = this.current;
    if (!state || this.clock.synced === false) return { action: 'waiting', errorMs: 0, rate: this.rate };
    const now = this.clock.serverNow();
    const shared = sharedPosition(state, now);
    const position = this.player.currentTimeMs();
    const error = shared - position;
    const moving = this.lastPosition === undefined || position !== this.lastPosition;
    this.lastPosition = position;

    if (!state.playing) {
      if (this.playerPlaying) {
        this.player.pause();
        this.playerPlaying = false;
      }
      this.settle = undefined;
      this.setRate(state.rate);
      if (Math.abs(error) > this.opts.pausedToleranceMs) {
        this.player.seek(state.positionMs);
        return { action: 'seek', errorMs: error, rate: this.rate };
      }
      return { action: 'paused', errorMs: error, rate: this.rate };
    }

    if (!this.playerPlaying) {
      // Starting: from wherever the player is, to where the party is now.
      this.setRate(state.rate);
      if (Math.abs(error) > this.opts.toleranceMs) this.seekTo(shared, now);
      this.player.play();
      this.playerPlaying = true;
      return { action: 'seek', errorMs: error, rate: this.rate };
    }

    if (this.settle) {
      // Judge a seek or a feed change only once the player moves again (a new feed may take long to load).
      this.settle.giveUpAt ??= now + MAX_SETTLE_MS;
      if (now < this.settle.until || (!moving && now < this.settle.giveUpAt)) {
        this.setRate(state.rate);
        return { action: 'settling', errorMs: error, rate: this.rate };
      }
      const { kind, learn } = this.settle;
      this.settle = undefined;
      // What is left after a seek is the player's seek latency not yet allowed for; one odd seek moves it a little only.
      if (learn && moving) {
        const step = Math.min(LEAD_STEP_MS, Math.max(-LEAD_STEP_MS, 0.5 * error));
        this.lead = Math.min(MAX_SEEK_LEAD_MS, Math.max(0, this.lead + step));
      }
      if (Math.abs(error) > this.opts.resyncThresholdMs && (kind === 'feed' || this.resyncs < 3)) {
        this.resyncs++;
        this.seekTo(shared, now);
        return { action: 'seek', errorMs: error, rate: this.rate };
      }
    }

    if (Math.abs(error) > this.opts.seekThresholdMs) {
      this.seekTo(shared, now);
      return { action: 'seek', errorMs: error, rate: this.rate };
    }
    const abs = Math.abs(error);
    if (abs > this.opts.toleranceMs || (this.nudging && abs > this.opts.toleranceMs / 2)) {
      this.nudging = true;
      const max = this.opts.maxRateAdjust;
      const adjust = Math.min(max, Math.max(-max, error / this.opts.correctionWindowMs));
      this.setRate(state.rate * (1 + adjust));
      return { action: 'nudge', errorMs: error, rate: this.rate };
    }
    this.nudging = false;
    this.setRate(state.rate);
    this.resyncs = 0;
    return { action: 'in-sync', errorMs: error, rate: this.rate };
  }

  private seekTo(shared: number, now: number): void {
    this.setRate(this.current?.rate ?? 1);
    this.nudging = false;
    this.player.seek(Math.max(0, shared + this.lead));
    // While a new feed loads, its load time says nothing about the seek latency.
    const loading = this.settle?.kind === 'feed' ? this.settle : undefined;
    this.settle = loading
      ? { ...loading, until: Math.max(loading.until, now + this.opts.settleAfterSeekMs) }
      : { until: now + this.opts.settleAfterSeekMs, kind: 'seek', learn: true };
  }

  private setRate(rate: number): void {
    if (rate === this.rate) return;
    this.rate = rate;
    this.player.setRate(rate);
  }
}
