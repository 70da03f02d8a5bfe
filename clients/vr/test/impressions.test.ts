import { IMPRESSION_MS, ImpressionCounter } from '../src/scene/impressions';

describe('sponsor impressions', () => {
  it('counts a board once it has been in view for a second without a break, and once only', () => {
    const counted: number[] = [];
    const c = new ImpressionCounter(2, (slot) => counted.push(slot));
    for (let t = 0; t < IMPRESSION_MS; t += 200) c.observe(0, true, t);
    expect(counted).toEqual([]);
    c.observe(0, true, IMPRESSION_MS);
    expect(counted).toEqual([0]);
    for (let t = IMPRESSION_MS; t < 10 * IMPRESSION_MS; t += 200) c.observe(0, true, t);
    expect(counted).toEqual([0]);
  });

  it('starts the second again when the board leaves the view, and counts again after another full second', () => {
    const counted: number[] = [];
    const c = new ImpressionCounter(1, (slot) => counted.push(slot));
    c.observe(0, true, 0);
    c.observe(0, true, 800);
    c.observe(0, false, 900);
    c.observe(0, true, 1000);
    c.observe(0, true, 1900);
    expect(counted).toEqual([]);
    c.observe(0, true, 2000);
    expect(counted).toEqual([0]);
    c.observe(0, false, 2100);
    c.observe(0, true, 2200);
    c.observe(0, true, 3200);
    expect(counted).toEqual([0, 0]);
  });

  it('starts again when the board shows another placement', () => {
    const counted: number[] = [];
    const c = new ImpressionCounter(1, (slot) => counted.push(slot));
    c.observe(0, true, 0);
    c.observe(0, true, 1000);
    c.reset(0);
    c.observe(0, true, 1100);
    c.observe(0, true, 2000);
    expect(counted).toEqual([0]);
    c.observe(0, true, 2100);
    expect(counted).toEqual([0, 0]);
  });
});
