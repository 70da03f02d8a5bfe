import type { Logger } from '@frontrow/kit';
import type { EntityManager } from '@mikro-orm/postgresql';
import { withClient } from './pg';

const DAY_MS = 86_400_000;

/** The UTC day a time falls in, as its first millisecond. */
export function dayOf(at: Date | number): number {
  const ms = typeof at === 'number' ? at : at.getTime();
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

export function partitionName(day: number): string {
  return `telemetry_event_p${new Date(day).toISOString().slice(0, 10).replace(/-/g, '')}`;
}

/**
 * The raw table's daily partitions: made ahead of the days telemetry may arrive for
 * (an event may be up to 24 hours old or 5 minutes ahead), and dropped once older than
 * the retention, with the rollups' partials of those days. Rollups are kept; only raw
 * rows and partials expire. Several instances may run
 * this at once: an advisory lock makes them take turns.
 */
export class Partitions {
  private readonly known = new Set<number>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly em: EntityManager,
    private readonly retentionDays: number,
    private readonly logger: Logger,
  ) {}

  /** Makes sure the partitions for these days exist (cheap when they are known). */
  async ensure(days: Iterable<number>): Promise<void> {
    const missing = [...new Set(days)].filter((d) => !this.known.has(d));
    if (!missing.length) return;
    await withClient(this.em, async (client) => {
      await client.query('begin');
      await client.query(`select pg_advisory_xact_lock(hashtext('telemetry_event_partitions'))`);
      for (const day of missing) {
        const from = new Date(day).toISOString();
        const to = new Date(day + DAY_MS).toISOString();
        await client.query(`create table if not exists ${partitionName(day)} partition of telemetry_event for values from ('${from}') to ('${to}')`);
      }
      await client.query('commit');
    });
    for (const day of missing) this.known.add(day);
  }

  /** Yesterday to the day after tomorrow exist; partitions past the retention are gone. */
  async maintain(now = Date.now()): Promise<void> {
    const today = dayOf(now);
    await this.ensure([today - DAY_MS, today, today + DAY_MS, today + 2 * DAY_MS]);
    const oldest = today - this.retentionDays * DAY_MS;
    const rows = await this.em.getConnection().execute<{ name: string }[]>(
      `select c.relname as name from pg_inherits i
         join pg_class c on c.oid = i.inhrelid
         join pg_class p on p.oid = i.inhparent
         join pg_namespace n on n.oid = p.relnamespace
       where p.relname = 'telemetry_event' and n.nspname = current_schema()`,
    );
    for (const { name } of rows) {
      const m = /^telemetry_event_p(\d{4})(\d{2})(\d{2})$/.exec(name);
      if (!m) continue;
      const day = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
      if (day < oldest) {
        await this.em.getConnection().execute(`drop table if exists ${name}`);
        this.known.delete(day);
        this.logger.info({ partition: name }, 'dropped a raw telemetry partition past the retention');
      }
    }
    // The rollups' partials go with the raw rows they summed (the rollups stay).
    await this.em.getConnection().execute(`delete from qos_partial where minute < ?`, [new Date(oldest)]);
    await this.em.getConnection().execute(`delete from impression_partial where hour < ?`, [new Date(oldest)]);
  }

  start(everyMs = 3_600_000): void {
    this.timer = setInterval(() => {
      this.maintain().catch((err: unknown) => this.logger.warn({ err }, 'partition maintenance failed; will retry'));
    }, everyMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
