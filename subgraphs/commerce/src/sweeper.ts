import type { Logger } from '@frontrow/kit';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Order, OrderStatus } from './entities/order.entity';
import { cancelExpired } from './orders';

const BATCH = 100;

/**
 * Releases reservations that were never paid: PENDING orders older than the TTL
 * become CANCELLED and give their units back. Runs on a timer in every instance;
 * instances racing for one order are harmless, as the transition locks the row and
 * checks it is still PENDING.
 */
export class ReservationSweeper {
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;
  private stopped = true;
  readonly intervalMs: number;

  constructor(
    private readonly em: EntityManager,
    private readonly ttlSeconds: number,
    private readonly logger: Logger,
  ) {
    // Often enough that an order outlives its TTL by at most half of it (bounded both ways).
    this.intervalMs = Math.min(Math.max(Math.round((ttlSeconds * 1000) / 2), 100), 30_000);
  }

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.sweep()
        .catch((err) => this.logger.warn({ err }, 'reservation sweep failed; will retry'))
        .finally(() => this.schedule());
    }, this.intervalMs);
    this.timer.unref?.();
  }

  /** One pass; resolves with the number of orders cancelled. */
  sweep(): Promise<number> {
    this.running ??= this.pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async pass(): Promise<number> {
    let cancelled = 0;
    for (;;) {
      const cutoff = new Date(Date.now() - this.ttlSeconds * 1000);
      const expired = await this.em
        .fork()
        .find(Order, { status: OrderStatus.PENDING, createdAt: { $lt: cutoff } }, { fields: ['id'], orderBy: { createdAt: 'asc' }, limit: BATCH });
      let changed = 0;
      for (const order of expired) {
        if (this.stopped) break;
        if (await cancelExpired(this.em, order.id, cutoff)) changed++;
      }
      cancelled += changed;
      if (expired.length < BATCH || this.stopped || changed === 0) break;
    }
    if (cancelled) this.logger.info({ cancelled }, 'cancelled unpaid orders whose reservation expired');
    return cancelled;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }
}
