import type { Player } from '@frontrow/sdk';

/**
 * The party's timeline as a player the sync engine drives: a media clock that plays,
 * pauses, seeks and changes rate. A live 360 stream cannot be seeked, so the shared
 * position of a party is this timeline; the video beside it is the live feed.
 */
export class TimelinePlayer implements Player {
  private base = 0;
  private at = performance.now();
  private rate = 1;
  private playing = false;

  currentTimeMs(): number {
    return this.playing ? this.base + (performance.now() - this.at) * this.rate : this.base;
  }

  setRate(rate: number): void {
    this.base = this.currentTimeMs();
    this.at = performance.now();
    this.rate = rate;
  }

  seek(ms: number): void {
    this.base = Math.max(0, ms);
    this.at = performance.now();
  }

  play(): void {
    if (this.playing) return;
    this.at = performance.now();
    this.playing = true;
  }

  pause(): void {
    if (!this.playing) return;
    this.base = this.currentTimeMs();
    this.playing = false;
  }

  get isPlaying(): boolean {
    return this.playing;
  }
}
