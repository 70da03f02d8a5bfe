import { BadInputError } from '@frontrow/kit';
import type { EntityManager } from '@mikro-orm/postgresql';
import { histogramPercentile, type Histogram } from './buckets';

/** The windows qosSummary and alert rules speak of, in minutes, and the step of their series. */
export const WINDOWS: Record<string, { minutes: number; stepMinutes: number }> = {
  '5m': { minutes: 5, stepMinutes: 1 },
  '1h': { minutes: 60, stepMinutes: 1 },
  '24h': { minutes: 1440, stepMinutes: 10 },
};

export function checkWindow(window: string, field = 'window'): { minutes: number; stepMinutes: number } {
  const w = Object.prototype.hasOwnProperty.call(WINDOWS, window) ? WINDOWS[window] : undefined;
  if (!w) throw new BadInputError(`window must be one of ${Object.keys(WINDOWS).join(', ')}.`, field);
  return w;
}

/** One minute's rollup as stored. */
export interface MinuteRollup {
  minute: Date;
  viewers: number;
  startupCount: number;
  startupP50: number | null;
  startupP95: number | null;
  startupHist: Histogram;
  rebufferMs: number;
  bitrateCount: number;
  bitrateP50: number | null;
  bitrateHist: Histogram;
  errors: number;
}

export interface QosFigures {
  viewers: number;
  startupTimeP50Ms: number | null;
  startupTimeP95Ms: number | null;
  rebufferRatio: number;
  bitrateKbpsP50: number | null;
  errors: number;
}

/**
 * A span's figures from its minutes: viewers at the busiest minute (concurrent
 * sessions with a heartbeat), time spent stalled over time watched (a viewer watches
 * 60 s of each minute it is counted in), errors summed, percentiles from the merged
 * histograms (exact when one minute holds all the samples).
 */
export function figuresOf(rows: MinuteRollup[]): QosFigures {
  const watchedMs = rows.reduce((a, r) => a + r.viewers * 60_000, 0);
  const stalledMs = rows.reduce((a, r) => a + r.rebufferMs, 0);
  const withStartup = rows.filter((r) => r.startupCount > 0);
  const withBitrate = rows.filter((r) => r.bitrateCount > 0);
  return {
    viewers: rows.reduce((a, r) => Math.max(a, r.viewers), 0),
    startupTimeP50Ms: withStartup.length === 1 ? withStartup[0].startupP50 : histogramPercentile(withStartup.map((r) => r.startupHist), 0.5),
    startupTimeP95Ms: withStartup.length === 1 ? withStartup[0].startupP95 : histogramPercentile(withStartup.map((r) => r.startupHist), 0.95),
    rebufferRatio: watchedMs > 0 ? Math.min(1, stalledMs / watchedMs) : 0,
    bitrateKbpsP50: withBitrate.length === 1 ? withBitrate[0].bitrateP50 : histogramPercentile(withBitrate.map((r) => r.bitrateHist), 0.5),
    errors: rows.reduce((a, r) => a + r.errors, 0),
  };
}

interface Row {
  minute: Date | string;
  viewers: number;
  startup_count: number;
  startup_p50: number | null;
  startup_p95: number | null;
  startup_hist: Histogram | string;
  rebuffer_ms: number;
  bitrate_count: number;
  bitrate_p50: number | null;
  bitrate_hist: Histogram | string;
  errors: number;
}

const json = (v: Histogram | string): Histogram => (typeof v === 'string' ? (JSON.parse(v) as Histogram) : v);

/** The minutes of an event's rollups from `from` (inclusive) on, oldest first. */
export async function minutesOf(em: EntityManager, eventId: string, from: Date): Promise<MinuteRollup[]> {
  const rows = await em.getConnection().execute<Row[]>(
    `select minute, viewers, startup_count, startup_p50, startup_p95, startup_hist, rebuffer_ms, bitrate_count, bitrate_p50, bitrate_hist, errors
     from qos_minute where event_id = ? and minute >= ? order by minute`,
    [eventId, from],
  );
  return rows.map((r) => ({
    minute: new Date(r.minute),
    viewers: Number(r.viewers),
    startupCount: Number(r.startup_count),
    startupP50: r.startup_p50 === null ? null : Number(r.startup_p50),
    startupP95: r.startup_p95 === null ? null : Number(r.startup_p95),
    startupHist: json(r.startup_hist),
    rebufferMs: Number(r.rebuffer_ms),
    bitrateCount: Number(r.bitrate_count),
    bitrateP50: r.bitrate_p50 === null ? null : Number(r.bitrate_p50),
    bitrateHist: json(r.bitrate_hist),
    errors: Number(r.errors),
  }));
}

/** The first minute of a window that ends with the current minute. */
export function windowStart(minutes: number, now = Date.now()): Date {
  return new Date(Math.floor(now / 60_000) * 60_000 - (minutes - 1) * 60_000);
}
