import { sharedPosition, toSharedState } from '../src';

describe('sharedPosition', () => {
  const base = { positionMs: 60_000, rate: 1, updatedAtMs: 1_000_000 };

  it('adds the time played since updatedAt while playing', () => {
    expect(sharedPosition({ ...base, playing: true }, 1_002_500)).toBe(62_500);
    expect(sharedPosition({ ...base, playing: true, rate: 2 }, 1_002_500)).toBe(65_000);
  });

  it('stays put while paused', () => {
    expect(sharedPosition({ ...base, playing: false }, 9_999_999)).toBe(60_000);
  });
});

describe('toSharedState', () => {
  it('reads the API\'s PlaybackState', () => {
    expect(
      toSharedState({ feed: { id: 'f1' }, playing: true, positionMs: 5, rate: 1, updatedAt: '2026-01-01T00:00:00.250Z', version: 3 }),
    ).toEqual({ feedId: 'f1', playing: true, positionMs: 5, rate: 1, updatedAtMs: Date.UTC(2026, 0, 1, 0, 0, 0, 250), version: 3 });
    expect(toSharedState({ feed: null, playing: false, positionMs: 0, rate: 1, updatedAt: 42, version: 1 }).feedId).toBeNull();
    expect(toSharedState({ feedId: 'f2', playing: false, positionMs: 0, rate: 1, updatedAt: new Date(7), version: 1 })).toMatchObject({
      feedId: 'f2',
      updatedAtMs: 7,
    });
  });

  it('refuses a time it cannot read', () => {
    expect(() => toSharedState({ playing: false, positionMs: 0, rate: 1, updatedAt: 'yesterday', version: 1 })).toThrow(/updatedAt/);
  });
});
