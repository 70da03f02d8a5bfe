import type { ApolloClient } from '@apollo/client';
import { errorCode } from '../errors';
import { PlaybackDocument } from '../generated/graphql';
import type { Grant } from './janus-player';

/**
 * Where a viewer of one feed stands (decision 0031):
 * - `connecting`: the first grant and connection to Janus;
 * - `watching`: Janus says media flows;
 * - `reconnecting`: the connection was lost (`hadPicture`), or could not be made yet, and
 *   the next try is `retryInMs` away; `attempt` counts the tries since the picture was last
 *   stable (a picture that drops within `stableMs` does not start the count again);
 * - `not-live` (final): the graph answers no grant, the feed is not live;
 * - `refused` (final): the graph refuses for good (`code`: FORBIDDEN without a pass,
 *   NOT_FOUND, UNAUTHENTICATED once the session cannot be refreshed, and the codes of a
 *   request the server will never take).
 */
export type WatchStatus =
  | { kind: 'connecting' }
  | { kind: 'watching' }
  | { kind: 'reconnecting'; attempt: number; retryInMs: number; hadPicture: boolean; cause: string }
  | { kind: 'not-live' }
  | { kind: 'refused'; code: string };

/** The graph's answers that no retry changes; everything else (MEDIA_UNAVAILABLE, network, 5xx, Janus) is tried again. */
export const FINAL_CODES: ReadonlySet<string> = new Set([
  'FORBIDDEN',
  'NOT_FOUND',
  'UNAUTHENTICATED',
  'BAD_USER_INPUT',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'PERSISTED_QUERY_NOT_ALLOWED',
]);

/** The code of a final refusal, or undefined when trying again may work. */
export function finalRefusal(err: unknown): string | undefined {
  const code = errorCode(err);
  return code && FINAL_CODES.has(code) ? code : undefined;
}

export interface Backoff {
  /** The ceiling of the first wait. */
  baseMs: number;
  /** No wait is longer than this. */
  capMs: number;
  /** A connection that lasted this long starts the count again at its loss. */
  stableMs: number;
}

/** 1 s doubling to 10 s, with jitter; decision 0031 says why. */
export const DEFAULT_BACKOFF: Backoff = { baseMs: 1_000, capMs: 10_000, stableMs: 10_000 };

/**
 * The wait before try `attempt` (1, 2, ...): capped exponential with "equal jitter", a
 * uniform draw in the upper half of min(cap, base * 2^(attempt-1)). Never under half the
 * ceiling, so a crowd of viewers losing Janus together comes back spread out, not at once.
 */
export function backoffDelay(attempt: number, backoff: Backoff = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const ceiling = Math.min(backoff.capMs, backoff.baseMs * 2 ** Math.max(0, Math.min(attempt - 1, 30)));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** What the watcher drives: FeedPlayer, or anything that plays a grant the same way. */
/** The fan's grant for a feed, asked of the graph afresh (never Apollo's cache): what the clients' fetchGrant calls. */
export async function fetchPlaybackGrant(apollo: ApolloClient, feedId: string): Promise<Grant | null> {
  const r = await apollo.query({ query: PlaybackDocument, variables: { id: feedId }, fetchPolicy: 'network-only' });
  if (r.error) throw r.error;
  return r.data?.feed?.playback ?? null;
}

export interface GrantPlayer {
  play(grant: Grant, onLost: (reason: string) => void): Promise<void>;
  stop(): void;
}

export interface FeedWatcherOptions {
  /** Feed.playback through the graph, asked afresh (network-only) every time. */
  fetchGrant(): Promise<Grant | null>;
  player: GrantPlayer;
  onStatus(status: WatchStatus): void;
  /** Called each time the picture starts, with the grant it plays. */
  onWatching?(grant: Grant): void;
  /** Called once, with the first grant the graph gives (the page's startup time starts its count there). */
  onFirstGrant?(grant: Grant): void;
  /** Called once per loss or refusal, not once per try (the player's telemetry counts errors with it). */
  onFailure?(status: WatchStatus): void;
  backoff?: Partial<Backoff>;
  random?: () => number;
  /** The share of a grant's remaining life after which it is renewed. */
  renewAt?: number;
}

/**
 * Watches one feed for as long as the page wants it: a grant from the graph, the stream
 * from Janus, the grant renewed before it expires, and, when the connection is lost or
 * cannot be made, tries again with capped exponential back-off and jitter, asking the
 * graph for the grant again each time (a renewal re-adds the token to a Janus that
 * restarted). It stops on a final refusal, and for good on `stop()`.
 */
export class FeedWatcher {
  private readonly backoff: Backoff;
  private stopped = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Tries since the picture was last stable. */
  private attempt = 0;
  private hadPicture = false;
  private watchingSince = 0;
  /** Bumped for each connection: a late answer of an earlier one changes nothing. */
  private generation = 0;
  private granted = false;
  private previous: WatchStatus['kind'] | undefined;
  private readonly opts: FeedWatcherOptions;

  constructor(opts: FeedWatcherOptions) {
    this.backoff = { ...DEFAULT_BACKOFF, ...opts.backoff };
    this.opts = {
      ...opts,
      fetchGrant: async () => {
        const grant = await opts.fetchGrant();
        if (grant && !this.granted) {
          this.granted = true;
          opts.onFirstGrant?.(grant);
        }
        return grant;
      },
      onStatus: (status) => {
        if (status.kind === 'refused' || (status.kind === 'reconnecting' && this.previous !== 'reconnecting')) opts.onFailure?.(status);
        this.previous = status.kind;
        opts.onStatus(status);
      },
    };
  }

  start(): void {
    this.opts.onStatus({ kind: 'connecting' });
    void this.connect();
  }

  /** Stops for good: no more tries, renewals or statuses; the player is stopped. */
  stop(): void {
    this.stopped = true;
    this.generation++;
    clearTimeout(this.timer);
    this.opts.player.stop();
  }

  private async connect(): Promise<void> {
    const gen = ++this.generation;
    let grant: Grant | null;
    try {
      grant = await this.opts.fetchGrant();
    } catch (err) {
      if (gen !== this.generation) return;
      return this.failed(err, `the grant: ${describe(err)}`);
    }
    if (gen !== this.generation) return;
    if (!grant) return this.end({ kind: 'not-live' });
    try {
      await this.opts.player.play(grant, (reason) => {
        if (gen === this.generation) this.lost(reason);
      });
    } catch (err) {
      if (gen !== this.generation) return;
      return this.failed(err, describe(err));
    }
    if (gen !== this.generation) {
      if (this.stopped) this.opts.player.stop();
      return;
    }
    this.hadPicture = true;
    this.watchingSince = Date.now();
    this.opts.onStatus({ kind: 'watching' });
    this.opts.onWatching?.(grant);
    this.scheduleRenewal(gen, grant.expiresAt, 0);
  }

  /** The connection was lost while watching: try again, from the first wait if it had been stable (a flapping one keeps waiting longer). */
  private lost(reason: string): void {
    if (Date.now() - this.watchingSince >= this.backoff.stableMs) this.attempt = 0;
    this.retry(reason);
  }

  private failed(err: unknown, cause: string): void {
    const code = finalRefusal(err);
    if (code) this.end({ kind: 'refused', code });
    else this.retry(cause);
  }

  private retry(cause: string): void {
    this.generation++;
    clearTimeout(this.timer);
    this.opts.player.stop();
    this.attempt++;
    const retryInMs = backoffDelay(this.attempt, this.backoff, this.opts.random);
    this.opts.onStatus({ kind: 'reconnecting', attempt: this.attempt, retryInMs, hadPicture: this.hadPicture, cause });
    this.timer = setTimeout(() => {
      if (!this.stopped) void this.connect();
    }, retryInMs);
  }

  /** A final answer: say it and stop trying. */
  private end(status: WatchStatus): void {
    this.generation++;
    clearTimeout(this.timer);
    this.opts.player.stop();
    this.opts.onStatus(status);
  }

  /**
   * Renews the grant at `renewAt` of its remaining life (the same Janus token, extended: no
   * reconnect). A renewal that fails for a passing reason is tried again with back-off while
   * the picture plays on; a final answer (no grant, no pass) ends the viewing.
   */
  private scheduleRenewal(gen: number, expiresAt: string, failures: number): void {
    const inMs =
      failures === 0
        ? Math.max(5_000, (Date.parse(expiresAt) - Date.now()) * (this.opts.renewAt ?? 0.7))
        : backoffDelay(failures, this.backoff, this.opts.random);
    clearTimeout(this.timer);
    this.timer = setTimeout(async () => {
      if (gen !== this.generation) return;
      let next: Grant | null;
      try {
        next = await this.opts.fetchGrant();
      } catch (err) {
        if (gen !== this.generation) return;
        const code = finalRefusal(err);
        if (code) this.end({ kind: 'refused', code });
        else this.scheduleRenewal(gen, expiresAt, failures + 1);
        return;
      }
      if (gen !== this.generation) return;
      if (next) this.scheduleRenewal(gen, next.expiresAt, 0);
      else this.end({ kind: 'not-live' });
    }, inMs);
  }
}

function describe(err: unknown): string {
  const code = errorCode(err);
  if (code) return code;
  return err instanceof Error ? err.message : String(err);
}

/** The words a client shows for a status (an accessible `role="status"` text). */
export interface WatchWords {
  connecting(label: string): string;
  watching(label: string): string;
  forbidden: string;
}

/** What the fan reads for each status; `words` holds what each client says its own way. */
export function watchStatusText(status: WatchStatus, label: string, words: WatchWords): string {
  switch (status.kind) {
    case 'connecting':
      return words.connecting(label);
    case 'watching':
      return words.watching(label);
    case 'reconnecting':
      return status.hadPicture
        ? `Lost the picture. Reconnecting to ${label}…`
        : `${label} cannot be reached right now. Trying again…`;
    case 'not-live':
      return `${label} is not live right now.`;
    case 'refused':
      switch (status.code) {
        case 'FORBIDDEN':
          return words.forbidden;
        case 'NOT_FOUND':
          return 'This feed does not exist.';
        case 'UNAUTHENTICATED':
          return 'Please sign in again to watch.';
        default:
          return 'The video could not start. Reload the page to try again.';
      }
  }
}
