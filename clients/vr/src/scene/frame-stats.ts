/**
 * The last `size` frames' times (ms): how long the frame loop's work took (updates and
 * the draw calls issued) and the interval between frames. Two preallocated rings: the
 * frame loop allocates nothing to record them.
 */
export class FrameStats {
  private readonly work: Float64Array;
  private readonly interval: Float64Array;
  private n = 0;
  private last = -1;

  constructor(readonly size = 600) {
    this.work = new Float64Array(size);
    this.interval = new Float64Array(size);
  }

  record(start: number, end: number): void {
    const i = this.n % this.size;
    this.work[i] = end - start;
    this.interval[i] = this.last < 0 ? 0 : start - this.last;
    this.last = start;
    this.n++;
  }

  get frames(): number {
    return this.n;
  }

  /** The recorded frames, oldest first (copies: for tests and the benchmark, not the loop). */
  samples(): { work: number[]; interval: number[] } {
    const count = Math.min(this.n, this.size);
    const start = this.n > this.size ? this.n % this.size : 0;
    const work: number[] = [];
    const interval: number[] = [];
    for (let k = 0; k < count; k++) {
      const i = (start + k) % this.size;
      work.push(this.work[i]);
      interval.push(this.interval[i]);
    }
    return { work, interval };
  }

  reset(): void {
    this.n = 0;
    this.last = -1;
  }
}
