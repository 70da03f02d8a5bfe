import { ClockSync } from '../src';

describe('ClockSync', () => {
  it('gets the offset exactly from a round trip whose legs took as long', () => {
    const clock = new ClockSync({ now: () => 1_000 });
    // Client clock 1000 -> server at 5050 (server is 4000 ahead, 50 ms each way) -> back at 1100.
    const s = clock.addSample(1_000, 5_050, 1_100);
    expect(s).toEqual({ offsetMs: 4_000, delayMs: 100, receivedAt: 1_100 });
    expect(clock.synced).toBe(true);
    expect(clock.serverNow(2_000)).toBe(6_000);
  });

  it('is off by half the difference of the legs, never more than half the round trip', () => {
    const clock = new ClockSync();
    // True offset 4000; 90 ms up, 10 ms down: the server answers at client time 1090 = server 5090.
    clock.addSample(1_000, 5_090, 1_100);
    expect(clock.offsetMs - 4_000).toBe(40);
    expect(Math.abs(clock.offsetMs - 4_000)).toBeLessThanOrEqual(clock.uncertaintyMs);
  });

  it('trusts the lowest-delay sample of the last N', () => {
    const clock = new ClockSync({ window: 3 });
    clock.addSample(0, 1_000 + 150, 200); // delay 200, offset 1050
    clock.addSample(1_000, 2_000 + 20, 1_040); // delay 40, offset 1000
    clock.addSample(2_000, 3_000 + 90, 2_120); // delay 120, offset 1030
    expect(clock.best?.delayMs).toBe(40);
    expect(clock.offsetMs).toBe(1_000);
    // Two more samples push the good one out of the window.
    clock.addSample(3_000, 4_000 + 80, 3_100);
    clock.addSample(4_000, 5_000 + 60, 4_100);
    expect(clock.best?.delayMs).toBe(100);
    expect(clock.offsetMs).toBe(1_010);
  });

  it('ignores samples that make no sense', () => {
    const clock = new ClockSync();
    expect(clock.addSample(100, 5_000, 50)).toBeNull();
    expect(clock.addSample(Number.NaN, 5_000, 50)).toBeNull();
    expect(clock.synced).toBe(false);
    expect(clock.serverNow(123)).toBe(123);
    expect(clock.uncertaintyMs).toBe(Number.POSITIVE_INFINITY);
  });

  it('measures a round trip with its own clock', async () => {
    let local = 10_000;
    const clock = new ClockSync({ now: () => local });
    const sample = await clock.measure(async () => {
      local += 30;
      const serverEpochMs = 1_700_000_000_000;
      local += 50;
      return serverEpochMs;
    });
    expect(sample).toEqual({ offsetMs: 1_700_000_000_000 - 10_040, delayMs: 80, receivedAt: 10_080 });
    expect(clock.serverNow()).toBe(1_700_000_000_000 + 40);
  });
});
