import { Loop, type Logger } from '@frontrow/kit';
import type { EntityManager } from '@mikro-orm/postgresql';
import { withClient } from './pg';

/** Histogram buckets grow by this ratio: a percentile read from them is within ±2.5%. */
export const BUCKET_RATIO = 1.05;
const LN_RATIO = Math.log(BUCKET_RATIO);

/** The bucket a value falls in (values below 1 share bucket 0). */
export function bucketOf(value: number): number {
  return Math.floor(Math.log(Math.max(value, 1)) / LN_RATIO);
}

/** The value a bucket stands for: its geometric middle. */
export function bucketValue(bucket: number): number {
  return Math.pow(BUCKET_RATIO, bucket + 0.5);
}

export type Histogram = Record<string, number>;

/**
 * A percentile (0..1) of merged histograms, ranked as PostgreSQL's percentile_cont
 * ranks (position p × (n − 1)); null without samples.
 */
export function histogramPercentile(histograms: Histogram[], p: number): number | null {
  const merged = new Map<number, number>();
  for (const h of histograms) for (const [b, n] of Object.entries(h)) merged.set(Number(b), (merged.get(Number(b)) ?? 0) + n);
  const total = [...merged.values()].reduce((a, b) => a + b, 0);
  if (!total) return null;
  const rank = p * (total - 1);
  let seen = 0;
  for (const b of [...merged.keys()].sort((x, y) => x - y)) {
    seen += merged.get(b)!;
    if (rank < seen) return bucketValue(b);
  }
  return bucketValue(Math.max(...merged.keys()));
}

/** Marks claimed at once (several batches may mark the same minute). */
const MARKS = 2000;

/** The distinct (id, time) pairs of some marks. */
function distinct(marks: ReadonlyArray<readonly [string, Date]>): Array<[string, Date]> {
  const seen = new Map<string, [string, Date]>();
  for (const [id, at] of marks) seen.set(`${id}/${new Date(at).getTime()}`, [id, new Date(at)]);
  return [...seen.values()];
}

/**
 * Recomputes the minutes of QoS (per event) and the hours of impressions (per
 * placement) that new raw rows touched. Each batch of ingest marks what it touched in
 * the same transaction as the rows (a row per batch in rollup_dirty, impression_dirty,
 * never updated, so an ingest never waits on this worker); the worker claims marks
 * (SKIP LOCKED, so several instances share the work), recomputes each whole minute or
 * hour from the raw rows, upserts it and deletes exactly the marks it claimed, in one
 * transaction: a crash anywhere leaves the marks for the next run, and a batch that
 * lands during a recompute leaves a mark of its own. A rollup is always a function of the raw
 * rows, never an increment, so recomputing one twice is harmless.
 */
export class RollupWorker {
  private readonly loop: Loop;

  constructor(
    private readonly em: EntityManager,
    logger: Logger,
    intervalMs: number,
    /**
     * A mark waits this long before it is recomputed, so that a minute that keeps
     * receiving rows (a live game's current minute) is recomputed once per settle time,
     * not after every batch: each recompute reads the whole minute.
     */
    private readonly settleMs: number,
  ) {
    this.loop = new Loop('rollups', intervalMs, async () => void (await this.runOnce()), logger);
  }

  /** Recomputes what was marked at least `settleMs` ago (by default the worker's own); resolves with how many minutes and hours it wrote. */
  async runOnce(settleMs = this.settleMs): Promise<{ minutes: number; hours: number }> {
    let minutes = 0;
    let hours = 0;
    for (;;) {
      const m = await this.minutesBatch(settleMs);
      const h = await this.hoursBatch(settleMs);
      minutes += m.pairs;
      hours += h.pairs;
      if (m.marks < MARKS && h.marks < MARKS) return { minutes, hours };
    }
  }

  private minutesBatch(settleMs: number): Promise<{ marks: number; pairs: number }> {
    return withClient(this.em, async (client) => {
      await client.query('begin');
      const claimed = await client.query<{ id: string; event_id: string; minute: Date }>(
        `select id, event_id, minute from rollup_dirty where marked_at <= now() - make_interval(secs => $1::double precision / 1000)
         order by id limit ${MARKS} for update skip locked`,
        [settleMs],
      );
      const pairs = distinct(claimed.rows.map((r) => [r.event_id, r.minute] as const));
      if (pairs.length) {
        await client.query(
          `with d as (select * from unnest($1::uuid[], $2::timestamptz[]) as d(event_id, minute)),
           raw as (
             select d.event_id, d.minute, e.kind, e.session_id, e.value from d
             join telemetry_event e on e.event_id = d.event_id and e.at >= d.minute and e.at < d.minute + interval '1 minute'),
           agg as (
             select d.event_id, d.minute,
               count(distinct r.session_id) filter (where r.kind = 'HEARTBEAT') as viewers,
               count(*) filter (where r.kind = 'STARTUP_TIME') as startup_count,
               percentile_cont(0.5) within group (order by r.value) filter (where r.kind = 'STARTUP_TIME') as startup_p50,
               percentile_cont(0.95) within group (order by r.value) filter (where r.kind = 'STARTUP_TIME') as startup_p95,
               count(*) filter (where r.kind = 'REBUFFER') as rebuffer_count,
               coalesce(sum(r.value) filter (where r.kind = 'REBUFFER'), 0) as rebuffer_ms,
               count(*) filter (where r.kind = 'BITRATE') as bitrate_count,
               percentile_cont(0.5) within group (order by r.value) filter (where r.kind = 'BITRATE') as bitrate_p50,
               count(*) filter (where r.kind = 'ERROR') as errors
             from d left join raw r on r.event_id = d.event_id and r.minute = d.minute
             group by d.event_id, d.minute),
           buckets as (
             select event_id, minute, kind, floor(ln(greatest(value, 1)) / ln(${BUCKET_RATIO}))::int as b, count(*) as n
             from raw where kind in ('STARTUP_TIME', 'BITRATE') group by 1, 2, 3, 4),
           hist as (select event_id, minute, kind, jsonb_object_agg(b::text, n) as h from buckets group by 1, 2, 3)
           insert into qos_minute (event_id, minute, viewers, startup_count, startup_p50, startup_p95, startup_hist,
             rebuffer_count, rebuffer_ms, bitrate_count, bitrate_p50, bitrate_hist, errors, computed_at)
           select a.event_id, a.minute, a.viewers, a.startup_count, a.startup_p50, a.startup_p95, coalesce(sh.h, '{}'::jsonb),
             a.rebuffer_count, a.rebuffer_ms, a.bitrate_count, a.bitrate_p50, coalesce(bh.h, '{}'::jsonb), a.errors, now()
           from agg a
           left join hist sh on sh.event_id = a.event_id and sh.minute = a.minute and sh.kind = 'STARTUP_TIME'
           left join hist bh on bh.event_id = a.event_id and bh.minute = a.minute and bh.kind = 'BITRATE'
           on conflict (event_id, minute) do update set
             viewers = excluded.viewers, startup_count = excluded.startup_count, startup_p50 = excluded.startup_p50,
             startup_p95 = excluded.startup_p95, startup_hist = excluded.startup_hist, rebuffer_count = excluded.rebuffer_count,
             rebuffer_ms = excluded.rebuffer_ms, bitrate_count = excluded.bitrate_count, bitrate_p50 = excluded.bitrate_p50,
             bitrate_hist = excluded.bitrate_hist, errors = excluded.errors, computed_at = excluded.computed_at`,
          [pairs.map((p) => p[0]), pairs.map((p) => p[1])],
        );
        await client.query(`delete from rollup_dirty where id = any($1::bigint[])`, [claimed.rows.map((r) => r.id)]);
      }
      await client.query('commit');
      return { marks: claimed.rows.length, pairs: pairs.length };
    });
  }

  private hoursBatch(settleMs: number): Promise<{ marks: number; pairs: number }> {
    return withClient(this.em, async (client) => {
      await client.query('begin');
      const claimed = await client.query<{ id: string; placement_id: string; hour: Date }>(
        `select id, placement_id, hour from impression_dirty where marked_at <= now() - make_interval(secs => $1::double precision / 1000)
         order by id limit ${MARKS} for update skip locked`,
        [settleMs],
      );
      const pairs = distinct(claimed.rows.map((r) => [r.placement_id, r.hour] as const));
      if (pairs.length) {
        await client.query(
          `with d as (select * from unnest($1::uuid[], $2::timestamptz[]) as d(placement_id, hour))
           insert into impression_hour (placement_id, hour, impressions, viewers, computed_at)
           select d.placement_id, d.hour, count(e.kind), count(distinct e.user_id), now()
           from d left join telemetry_event e on e.placement_id = d.placement_id and e.kind = 'IMPRESSION'
             and e.at >= d.hour and e.at < d.hour + interval '1 hour'
           group by d.placement_id, d.hour
           on conflict (placement_id, hour) do update set
             impressions = excluded.impressions, viewers = excluded.viewers, computed_at = excluded.computed_at`,
          [pairs.map((p) => p[0]), pairs.map((p) => p[1])],
        );
        await client.query(`delete from impression_dirty where id = any($1::bigint[])`, [claimed.rows.map((r) => r.id)]);
      }
      await client.query('commit');
      return { marks: claimed.rows.length, pairs: pairs.length };
    });
  }

  start(): void {
    this.loop.start();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
  }
}
