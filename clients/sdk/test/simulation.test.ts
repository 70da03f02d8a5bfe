import { mulberry32, percentile, simulateParty, type SimulationResult } from '../src';

const TOLERANCE_MS = 10;

function steady(result: SimulationResult): number[] {
  return result.samples.filter((s) => s.steady).map((s) => s.spreadMs);
}

describe('the PRNG and percentiles', () => {
  it('are deterministic and sane', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(percentile([5, 1, 4, 2, 3], 50)).toBe(3);
    expect(percentile([5, 1, 4, 2, 3], 100)).toBe(5);
    expect(percentile([5, 1, 4, 2, 3], 1)).toBe(1);
  });
});

/**
 * Five clients, 0–150 ms each way, through play, pause, seek, a seek while paused
 * and two seat jumps, on a virtual clock.
 *
 * Why the bounds hold: the engine keeps each player within its tolerance (10 ms) of
 * the shared position *as its clock sees it* (a little more between ticks and
 * re-syncs: allow 5 ms each side), and a client's view is off by its clock error.
 * So two players are at most (difference of their clock errors) + 2 x (10 + 5) ms
 * apart. With jitter only, the lowest-delay round trip of each window has nearly
 * equal legs and the clock errors stay within a few ms, which puts the spread well
 * under the 50 ms goal.
 */
describe('a simulated party', () => {
  it('is reproducible', () => {
    expect(simulateParty({ seed: 7, durationMs: 30_000 })).toEqual(simulateParty({ seed: 7, durationMs: 30_000 }));
  });

  it.each([1, 2, 3, 4, 5])('converges and stays together under jittered delays (seed %i)', (seed) => {
    const result = simulateParty({ seed, latency: 'jitter' });
    expect(result.commands).toBe(9);
    expect(result.conflicts).toBe(0);
    const spreads = steady(result);
    expect(spreads.length).toBeGreaterThan(500);
    expect(percentile(spreads, 99)).toBeLessThanOrEqual(50);
    for (const s of result.samples.filter((x) => x.steady)) {
      expect(s.spreadMs).toBeLessThanOrEqual(s.clockErrorSpreadMs + 2 * (TOLERANCE_MS + 5));
    }
    // Every clock is within the NTP bound, and the seat jumps reached everyone.
    for (const c of result.clients) {
      expect(Math.abs(c.clockErrorMs)).toBeLessThanOrEqual(c.clockUncertaintyMs + 1);
      expect(Math.abs(c.clockErrorMs)).toBeLessThan(10);
      expect(c.feedId).toBe('feed-c');
    }
    // Transitions settle: a few seconds after each command, nobody is far off.
    expect(result.maxSteadyErrorMs).toBeLessThan(40);
  });

  it('stays within what route asymmetry allows when the legs differ for good', () => {
    for (const seed of [1, 2, 3]) {
      const result = simulateParty({ seed, latency: 'asymmetric-routes' });
      // Each clock is off by about half its route's asymmetry (the jitter adds a little).
      for (const c of result.clients) expect(Math.abs(c.clockErrorMs - c.routeAsymmetryMs)).toBeLessThan(8);
      for (const s of result.samples.filter((x) => x.steady)) {
        expect(s.spreadMs).toBeLessThanOrEqual(s.clockErrorSpreadMs + 2 * (TOLERANCE_MS + 5));
      }
    }
  });

  it('recovers when a new feed takes longer to load than the engine waits', () => {
    const result = simulateParty({ seed: 11, feedLoadMs: [900, 1500] });
    expect(percentile(steady(result), 99)).toBeLessThanOrEqual(50);
  });

  it('drifts apart without the engine\'s corrections (the measure can fail)', () => {
    const result = simulateParty({
      seed: 1,
      engine: { maxRateAdjust: 0, seekThresholdMs: Number.POSITIVE_INFINITY, resyncThresholdMs: Number.POSITIVE_INFINITY },
    });
    expect(percentile(steady(result), 99)).toBeGreaterThan(50);
  });
});
