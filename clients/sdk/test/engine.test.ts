import { SyncEngine, type Player, type SharedState } from '../src';

/** A test player on a manual timeline: it plays at its rate and freezes while a seek completes. */
class FakePlayer implements Player {
  position = 0;
  rate = 1;
  playing = false;
  /** Milliseconds a seek freezes the picture. */
  seekStall = 0;
  stalledUntil = 0;
  private last = 0;
  readonly calls: string[] = [];

  constructor(private readonly time: { now: number }) {}

  private advance(): void {
    if (this.playing) {
      const from = Math.max(this.last, this.stalledUntil);
      if (this.time.now > from) this.position += (this.time.now - from) * this.rate;
    }
    this.last = this.time.now;
  }
  currentTimeMs(): number {
    this.advance();
    return this.position;
  }
  setRate(r: number): void {
    this.advance();
    this.rate = r;
    this.calls.push(`rate ${r.toFixed(3)}`);
  }
  seek(ms: number): void {
    this.advance();
    this.position = ms;
    this.stalledUntil = this.time.now + this.seekStall;
    this.calls.push(`seek ${Math.round(ms)}`);
  }
  play(): void {
    this.advance();
    this.playing = true;
    this.calls.push('play');
  }
  pause(): void {
    this.advance();
    this.playing = false;
    this.calls.push('pause');
  }
}

/** A player and a server clock on one manual timeline (the clock is exact here). */
function rig(opts: ConstructorParameters<typeof SyncEngine>[2] = {}) {
  const t = { now: 0 };
  const player = new FakePlayer(t);
  const clock = { synced: true, serverNow: () => t.now };
  const feeds: Array<string | null> = [];
  const engine = new SyncEngine(player, clock, { onFeedChange: (f) => feeds.push(f), ...opts });
  const advance = (ms: number, tickEvery = 100) => {
    for (let done = 0; done < ms; done += tickEvery) {
      t.now += tickEvery;
      engine.tick();
    }
  };
  return { t, player, clock, engine, calls: player.calls, feeds, advance };
}

const state = (s: Partial<SharedState>): SharedState => ({
  feedId: 'feed-a',
  playing: false,
  positionMs: 0,
  rate: 1,
  updatedAtMs: 0,
  version: 1,
  ...s,
});

describe('SyncEngine', () => {
  it('waits for the clock', () => {
    const { engine, clock, calls } = rig();
    (clock as { synced: boolean }).synced = false;
    engine.update(state({ playing: true }));
    expect(engine.tick().action).toBe('waiting');
    expect(calls).toEqual([]);
  });

  it('starts a player at the shared position and keeps it there', () => {
    const { t, engine, player, calls, feeds, advance } = rig();
    t.now = 10_000;
    engine.update(state({ playing: true, positionMs: 60_000, updatedAtMs: 8_000, version: 2 }));
    expect(feeds).toEqual(['feed-a']);
    expect(calls).toEqual(['seek 62000', 'play']);
    advance(5_000);
    expect(player.currentTimeMs()).toBeCloseTo(67_000, 6);
    expect(engine.tick()).toEqual({ action: 'in-sync', errorMs: 0, rate: 1 });
  });

  it('pauses at the exact shared position', () => {
    const { t, engine, player, calls, advance } = rig();
    engine.update(state({ playing: true, version: 2 }));
    advance(1_000);
    // The pause was decided at 900 ms; the news arrives at 1000.
    t.now = 1_000;
    engine.update(state({ playing: false, positionMs: 900, updatedAtMs: 900, version: 3 }));
    expect(calls.slice(-2)).toEqual(['pause', 'seek 900']);
    expect(player.currentTimeMs()).toBe(900);
    advance(1_000);
    expect(player.currentTimeMs()).toBe(900);
    expect(engine.tick().action).toBe('paused');
  });

  it('nudges the rate in proportion to a small error, within the cap, and back to 1 when in sync', () => {
    const { engine, player, advance } = rig({ maxRateAdjust: 0.08, correctionWindowMs: 1000, toleranceMs: 10 });
    engine.update(state({ playing: true, version: 2 }));
    advance(1_000);
    player.position -= 40; // the player fell 40 ms behind
    const status = engine.tick();
    expect(status.action).toBe('nudge');
    expect(status.errorMs).toBeCloseTo(40, 6);
    expect(status.rate).toBeCloseTo(1.04, 6);
    player.position -= 300; // now 340 ms behind: the correction is capped
    expect(engine.tick().rate).toBeCloseTo(1.08, 6);
    advance(6_000);
    const after = engine.tick();
    expect(Math.abs(after.errorMs)).toBeLessThan(10);
    expect(after.rate).toBe(1);
    expect(after.action).toBe('in-sync');
  });

  it('seeks past the threshold instead of nudging', () => {
    const { engine, player, calls, advance } = rig({ seekThresholdMs: 500 });
    engine.update(state({ playing: true, version: 2 }));
    advance(1_000);
    player.position += 2_000;
    expect(engine.tick().action).toBe('seek');
    expect(calls.at(-1)).toBe('seek 1000');
  });

  it('ignores states older than the one it has', () => {
    const { engine } = rig();
    expect(engine.update(state({ version: 5, positionMs: 5 }))).toBe(true);
    expect(engine.update(state({ version: 4, positionMs: 4 }))).toBe(false);
    expect(engine.update(state({ version: 5, positionMs: 6 }))).toBe(false);
    expect(engine.state?.positionMs).toBe(5);
  });

  it('follows a seat jump: tells the app, then puts the new feed at the shared position', () => {
    const { t, engine, player, feeds, advance } = rig({ settleAfterFeedChangeMs: 500 });
    engine.update(state({ playing: true, version: 2 }));
    advance(2_000);
    engine.update(state({ feedId: 'feed-b', playing: true, positionMs: 2_000, updatedAtMs: 2_000, version: 3 }));
    expect(feeds).toEqual(['feed-a', 'feed-b']);
    // Loading the new feed froze the picture for 300 ms.
    player.stalledUntil = t.now + 300;
    advance(400);
    expect(engine.tick().action).toBe('settling');
    advance(400);
    expect(Math.abs(engine.tick().errorMs)).toBeLessThan(10);
  });

  it('learns how late its seeks land and seeks that far ahead', () => {
    const { engine, player, advance } = rig();
    player.seekStall = 120;
    engine.update(state({ playing: true, version: 2 }));
    for (let i = 0; i < 6; i++) {
      advance(2_000);
      player.position += 1_000; // knocked far off: a seek each time
    }
    expect(engine.seekLeadMs).toBeGreaterThan(90);
    expect(engine.seekLeadMs).toBeLessThan(150);
    advance(2_000);
    player.position += 1_000;
    advance(400); // seek, settle
    expect(Math.abs(engine.tick().errorMs)).toBeLessThan(25);
  });
});
