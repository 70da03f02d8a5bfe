/**
 * Clock synchronisation with the server, as NTP does it: each round trip of the
 * `serverTime` query gives one sample — the client sends at t0 (its clock), the
 * server answers with its epoch time, the answer arrives at t1 — from which
 *
 *   offset = serverEpochMs - (t0 + t1) / 2      delay = t1 - t0
 *
 * The offset is exact when both legs took as long; otherwise it is off by half their
 * difference, so by at most delay / 2. Samples with the smallest delay are the ones
 * queueing and jitter disturbed least: the estimate is the lowest-delay sample of the
 * last few (NTP's clock filter).
 */
export interface ClockSample {
  /** serverClock - clientClock, milliseconds. */
  offsetMs: number;
  /** The round trip, milliseconds. */
  delayMs: number;
  /** When the answer arrived, on the client's clock. */
  receivedAt: number;
}

export interface ClockSyncOptions {
  /** How many recent samples the filter keeps (default 8). */
  window?: number;
  /** The client's clock; `Date.now` by default (inject a virtual one in simulations). */
  now?: () => number;
}

export class ClockSync {
  private readonly samples: ClockSample[] = [];
  private readonly window: number;
  readonly now: () => number;

  constructor(options: ClockSyncOptions = {}) {
    this.window = Math.max(1, Math.floor(options.window ?? 8));
    this.now = options.now ?? (() => Date.now());
  }

  /** Records one round trip; returns the sample, or null when the times make no sense. */
  addSample(t0: number, serverEpochMs: number, t1: number): ClockSample | null {
    if (![t0, serverEpochMs, t1].every(Number.isFinite) || t1 < t0) return null;
    const sample: ClockSample = { offsetMs: serverEpochMs - (t0 + t1) / 2, delayMs: t1 - t0, receivedAt: t1 };
    this.samples.push(sample);
    if (this.samples.length > this.window) this.samples.shift();
    return sample;
  }

  /** Times one call of `fetchServerEpochMs` (e.g. the `serverTime { epochMs }` query) and records it. */
  async measure(fetchServerEpochMs: () => Promise<number>): Promise<ClockSample | null> {
    const t0 = this.now();
    const serverEpochMs = await fetchServerEpochMs();
    const t1 = this.now();
    return this.addSample(t0, serverEpochMs, t1);
  }

  /** The sample the estimate rests on: the lowest delay of the window (the latest among equals). */
  get best(): ClockSample | undefined {
    let best: ClockSample | undefined;
    for (const s of this.samples) if (!best || s.delayMs <= best.delayMs) best = s;
    return best;
  }

  get synced(): boolean {
    return this.samples.length > 0;
  }

  /** The estimated serverClock - clientClock; 0 before the first sample. */
  get offsetMs(): number {
    return this.best?.offsetMs ?? 0;
  }

  /** How wrong the offset can be at most (half the best round trip), if the server answered honestly. */
  get uncertaintyMs(): number {
    const best = this.best;
    return best ? best.delayMs / 2 : Number.POSITIVE_INFINITY;
  }

  /** The server's clock now, as estimated. */
  serverNow(localNow: number = this.now()): number {
    return localNow + this.offsetMs;
  }

  reset(): void {
    this.samples.length = 0;
  }
}
