import { createHash } from 'node:crypto';
import type { KeyValueStore } from '@frontrow/kit';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Placement, type Surface } from './entities/placement.entity';

/** A frequency cap counts a fan's views of a placement over an hour from the first. */
export const CAP_WINDOW_SECONDS = 3600;

/** 1/φ: successive multiples modulo 1 spread evenly over [0, 1) (a low-discrepancy sequence). */
const GOLDEN = (Math.sqrt(5) - 1) / 2;

/**
 * Chooses what a fan sees next on a surface: among the placements live now, by weight,
 * skipping those the fan has reached the cap of. State lives in the key-value store
 * (Redis), so any number of creative instances agree:
 * - a per-fan sequence number per surface drives the choice: the n-th ad is the one
 *   whose share of the total weight contains frac(offset + n/φ). Over any run of calls
 *   each placement gets its weight's share within a few calls (not only on average, as
 *   with a random draw), and consecutive ads alternate rather than clump;
 * - a per-fan, per-placement counter with a one-hour expiry enforces the cap: the
 *   increment is atomic, so two instances serving one fan at once cannot both pass the
 *   last allowed view. A placement over its cap is left out and the choice is made again
 *   among the others (with the same point, so weights keep their proportions).
 */
export class Rotation {
  /** Placements by event and surface, kept `cacheMs`: every fan of a game asks for the same few rows. */
  private readonly cache = new Map<string, { until: number; rows: Promise<Placement[]> }>();

  constructor(
    private readonly kv: KeyValueStore,
    private readonly cacheMs = 1000,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Forgets what this instance cached for an event (after a placement of it changed here). */
  forget(eventId: string): void {
    for (const key of this.cache.keys()) if (key.startsWith(`${eventId}:`)) this.cache.delete(key);
  }

  /**
   * The placements live now on the surface. Read once per `cacheMs` per instance (and
   * once for all callers waiting at that moment); another instance sees a new placement
   * within that time, this one at once (`forget`).
   */
  async live(em: EntityManager, eventId: string, surface: Surface): Promise<Placement[]> {
    const key = `${eventId}:${surface}`;
    const at = this.now().getTime();
    let entry = this.cache.get(key);
    if (!entry || entry.until <= at) {
      // Windows are applied below, so a cached list stays right as placements start and end.
      const rows = em.fork().find(Placement, { eventId, surface, endsAt: { $gt: new Date(at) } }, { orderBy: [{ id: 'asc' }] });
      entry = { until: at + this.cacheMs, rows };
      this.cache.set(key, entry);
      rows.catch(() => this.cache.delete(key));
      if (this.cache.size > 10_000) this.sweep(at);
    }
    const now = this.now().getTime();
    return (await entry.rows).filter((p) => p.startsAt.getTime() <= now && p.endsAt.getTime() > now);
  }

  private sweep(at: number): void {
    for (const [key, entry] of this.cache) if (entry.until <= at) this.cache.delete(key);
  }

  async next(em: EntityManager, eventId: string, surface: Surface, fanId: string): Promise<Placement | null> {
    let candidates = await this.live(em, eventId, surface);
    if (candidates.length === 0) return null;
    const n = await this.kv.incr(`creative:seq:${eventId}:${surface}:${fanId}`, CAP_WINDOW_SECONDS);
    const point = (offsetOf(fanId, eventId, surface) + n * GOLDEN) % 1;
    while (candidates.length > 0) {
      const chosen = pick(candidates, point);
      if (!chosen.frequencyCapPerHour) return chosen;
      const seen = await this.kv.incr(`creative:cap:${chosen.id}:${fanId}`, CAP_WINDOW_SECONDS);
      if (seen <= chosen.frequencyCapPerHour) return chosen;
      candidates = candidates.filter((p) => p !== chosen);
    }
    return null;
  }
}

/** The placement whose share of the total weight contains `point` (0 ≤ point < 1). */
export function pick(placements: readonly Placement[], point: number): Placement {
  const total = placements.reduce((s, p) => s + p.weight, 0);
  let at = point * total;
  for (const p of placements) {
    if (at < p.weight) return p;
    at -= p.weight;
  }
  return placements[placements.length - 1];
}

/** Where a fan's sequence starts on a surface, so that fans do not all see the same ad first. */
function offsetOf(fanId: string, eventId: string, surface: string): number {
  return createHash('sha256').update(`${fanId}:${eventId}:${surface}`).digest().readUInt32BE(0) / 2 ** 32;
}
