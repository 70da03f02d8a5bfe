import { Loop, type Logger } from '@frontrow/kit';
import type { EntityManager } from '@mikro-orm/postgresql';
import { histogramPercentile, type Histogram } from './buckets';
import { withClient } from './pg';

/** Marks claimed at once (several batches may mark the same minute). */
const MARKS = 2000;

/** The distinct (id, time) pairs of some marks. */
function distinct(marks: ReadonlyArray<readonly [string, Date]>): Array<[string, Date]> {
  const seen = new Map<string, [string, Date]>();
  for (const [id, at] of marks) seen.set(`${id}/${new Date(at).getTime()}`, [id, new Date(at)]);
  return [...seen.values()];
}


/** A minute merged from its partials, before its percentiles are settled. */
interface MergedMinute {
  event_id: string;
  minute: Date;
  viewers: string;
  startup_count: string;
  startup_p50: number | null;
  startup_p95: number | null;
  startup_hist: Histogram | null;
  rebuffer_count: string;
  rebuffer_ms: number;
  bitrate_count: string;
  bitrate_p50: number | null;
  bitrate_hist: Histogram | null;
  errors: string;
}

/**
 * Each claimed minute merged from its partials (one per ingest batch that touched it):
 * sums, distinct heartbeat sessions, merged histograms, and exact percentiles when the
 * minute holds at most $3 samples of the kind (the values are read only then). A minute
 * without partials merges to zeros.
 */
const MERGE_MINUTES = `with d as (select * from unnest($1::uuid[], $2::timestamptz[]) as d(event_id, minute)),
  p as (
    select p.event_id, p.minute, p.heartbeat_sessions, p.startup_count, p.startup_hist, p.rebuffer_count, p.rebuffer_ms, p.bitrate_count, p.bitrate_hist, p.errors
    from d join qos_partial p on p.event_id = d.event_id and p.minute = d.minute),
  sums as (
    select d.event_id, d.minute, coalesce(sum(p.startup_count), 0) as startup_count, coalesce(sum(p.rebuffer_count), 0) as rebuffer_count,
      coalesce(sum(p.rebuffer_ms), 0) as rebuffer_ms, coalesce(sum(p.bitrate_count), 0) as bitrate_count, coalesce(sum(p.errors), 0) as errors
    from d left join p on p.event_id = d.event_id and p.minute = d.minute group by 1, 2),
  viewers as (select event_id, minute, count(distinct s) as viewers from p cross join lateral unnest(p.heartbeat_sessions) s group by 1, 2),
  startup as (
    select p.event_id, p.minute, percentile_cont(0.5) within group (order by v) as p50, percentile_cont(0.95) within group (order by v) as p95
    from sums s join qos_partial p on p.event_id = s.event_id and p.minute = s.minute
      cross join lateral unnest(p.startup_values) v where s.startup_count <= $3 group by 1, 2),
  bitrate as (
    select p.event_id, p.minute, percentile_cont(0.5) within group (order by v) as p50
    from sums s join qos_partial p on p.event_id = s.event_id and p.minute = s.minute
      cross join lateral unnest(p.bitrate_values) v where s.bitrate_count <= $3 group by 1, 2),
  buckets as (
    select p.event_id, p.minute, 'startup' as what, b.key, sum(b.value::bigint) as n from p cross join lateral jsonb_each_text(p.startup_hist) b group by 1, 2, 3, 4
    union all
    select p.event_id, p.minute, 'bitrate', b.key, sum(b.value::bigint) from p cross join lateral jsonb_each_text(p.bitrate_hist) b group by 1, 2, 3, 4),
  hist as (select event_id, minute, what, jsonb_object_agg(key, n) as h from buckets group by 1, 2, 3)
  select s.event_id, s.minute, coalesce(v.viewers, 0) as viewers, s.startup_count, st.p50 as startup_p50, st.p95 as startup_p95, sh.h as startup_hist,
    s.rebuffer_count, s.rebuffer_ms, s.bitrate_count, br.p50 as bitrate_p50, bh.h as bitrate_hist, s.errors
  from sums s
    left join viewers v on v.event_id = s.event_id and v.minute = s.minute
    left join startup st on st.event_id = s.event_id and st.minute = s.minute
    left join bitrate br on br.event_id = s.event_id and br.minute = s.minute
    left join hist sh on sh.event_id = s.event_id and sh.minute = s.minute and sh.what = 'startup'
    left join hist bh on bh.event_id = s.event_id and bh.minute = s.minute and bh.what = 'bitrate'`;

const UPSERT_MINUTES = `insert into qos_minute (event_id, minute, viewers, startup_count, startup_p50, startup_p95, startup_hist,
    rebuffer_count, rebuffer_ms, bitrate_count, bitrate_p50, bitrate_hist, errors, computed_at)
  select event_id, minute, viewers, startup_count, startup_p50, startup_p95, startup_hist,
    rebuffer_count, rebuffer_ms, bitrate_count, bitrate_p50, bitrate_hist, errors, now()
  from jsonb_to_recordset($1::jsonb) as r(event_id uuid, minute timestamptz, viewers int, startup_count int, startup_p50 double precision,
    startup_p95 double precision, startup_hist jsonb, rebuffer_count int, rebuffer_ms double precision, bitrate_count int,
    bitrate_p50 double precision, bitrate_hist jsonb, errors int)
  on conflict (event_id, minute) do update set
    viewers = excluded.viewers, startup_count = excluded.startup_count, startup_p50 = excluded.startup_p50,
    startup_p95 = excluded.startup_p95, startup_hist = excluded.startup_hist, rebuffer_count = excluded.rebuffer_count,
    rebuffer_ms = excluded.rebuffer_ms, bitrate_count = excluded.bitrate_count, bitrate_p50 = excluded.bitrate_p50,
    bitrate_hist = excluded.bitrate_hist, errors = excluded.errors, computed_at = excluded.computed_at`;

/** A merged minute as stored: percentiles of a minute too large for exact ones read from its histogram. */
function finish(m: MergedMinute, exactUpTo: number): Record<string, unknown> {
  const startupHist = m.startup_hist ?? {};
  const bitrateHist = m.bitrate_hist ?? {};
  const startupCount = Number(m.startup_count);
  const bitrateCount = Number(m.bitrate_count);
  const exactStartup = startupCount <= exactUpTo;
  const exactBitrate = bitrateCount <= exactUpTo;
  return {
    event_id: m.event_id,
    minute: new Date(m.minute).toISOString(),
    viewers: Number(m.viewers),
    startup_count: startupCount,
    startup_p50: exactStartup ? m.startup_p50 : histogramPercentile([startupHist], 0.5),
    startup_p95: exactStartup ? m.startup_p95 : histogramPercentile([startupHist], 0.95),
    startup_hist: startupHist,
    rebuffer_count: Number(m.rebuffer_count),
    rebuffer_ms: Number(m.rebuffer_ms),
    bitrate_count: bitrateCount,
    bitrate_p50: exactBitrate ? m.bitrate_p50 : histogramPercentile([bitrateHist], 0.5),
    bitrate_hist: bitrateHist,
    errors: Number(m.errors),
  };
}

/**
 * Recomputes the minutes of QoS (per event) and the hours of impressions (per
 * placement) that new raw rows touched. Each ingest batch writes, in the same
 * transaction as its rows, a partial of each minute and hour it touched (its sums,
 * sessions, histograms and values: partials.ts) and a mark (rollup_dirty,
 * impression_dirty); neither is ever updated, so an ingest never waits on this worker.
 * The worker claims marks (SKIP LOCKED, so several instances share the work), merges
 * all the partials of each marked minute or hour, upserts the result and deletes
 * exactly the marks it claimed, in one transaction: a crash anywhere leaves the marks
 * for the next run, and a batch that lands during a merge leaves a mark of its own. A
 * rollup is always a function of the partials, which are a function of the raw rows,
 * never an increment, so merging twice is harmless; a merge reads a few rows per batch
 * instead of every raw row of the minute.
 */
export class RollupWorker {
  private readonly loop: Loop;

  constructor(
    private readonly em: EntityManager,
    logger: Logger,
    intervalMs: number,
    /**
     * A mark waits this long before it is merged, so that a minute that keeps
     * receiving rows (a live game's current minute) is merged once per settle time,
     * not after every batch.
     */
    private readonly settleMs: number,
    /**
     * Up to this many samples of a kind in a minute, its percentiles are exact
     * (PostgreSQL's percentile_cont over the values); beyond, they are read from the
     * minute's histogram (within 2.5%), so that a minute of millions of samples costs a
     * merge of histograms, not a sort, each time it is merged.
     */
    private readonly exactPercentileSamples = 50_000,
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
        const merged = await client.query<MergedMinute>(MERGE_MINUTES, [pairs.map((p) => p[0]), pairs.map((p) => p[1]), this.exactPercentileSamples]);
        await client.query(UPSERT_MINUTES, [JSON.stringify(merged.rows.map((m) => finish(m, this.exactPercentileSamples)))]);
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
          `with d as (select * from unnest($1::uuid[], $2::timestamptz[]) as d(placement_id, hour)),
           p as (select p.* from d join impression_partial p on p.placement_id = d.placement_id and p.hour = d.hour),
           sums as (select placement_id, hour, sum(impressions) as impressions from p group by 1, 2),
           users as (select placement_id, hour, count(distinct u) as viewers from p cross join lateral unnest(p.users) u group by 1, 2)
           insert into impression_hour (placement_id, hour, impressions, viewers, computed_at)
           select d.placement_id, d.hour, coalesce(s.impressions, 0), coalesce(u.viewers, 0), now()
           from d left join sums s on s.placement_id = d.placement_id and s.hour = d.hour
             left join users u on u.placement_id = d.placement_id and u.hour = d.hour
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
