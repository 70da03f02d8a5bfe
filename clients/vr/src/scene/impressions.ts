/** How long a board must stay in view, without a break, to count one impression (ms). */
export const IMPRESSION_MS = 1000;

/**
 * Counts sponsor impressions: a board that stays in view for IMPRESSION_MS counts one,
 * once; it counts again only after it has left the view and stayed in it that long
 * again. Boards are slots 0..n-1; nothing is allocated when it runs.
 */
export class ImpressionCounter {
  private since: Float64Array;
  private counted: Uint8Array;

  constructor(slots: number, private readonly onImpression: (slot: number) => void) {
    this.since = new Float64Array(slots).fill(-1);
    this.counted = new Uint8Array(slots);
  }

  /** A board's content changed (another placement): its clock starts again. */
  reset(slot: number): void {
    this.since[slot] = -1;
    this.counted[slot] = 0;
  }

  /** Whether board `slot` is in view at time `now` (ms). */
  observe(slot: number, inView: boolean, now: number): void {
    if (!inView) {
      this.since[slot] = -1;
      this.counted[slot] = 0;
      return;
    }
    if (this.since[slot] < 0) this.since[slot] = now;
    if (!this.counted[slot] && now - this.since[slot] >= IMPRESSION_MS) {
      this.counted[slot] = 1;
      this.onImpression(slot);
    }
  }
}
