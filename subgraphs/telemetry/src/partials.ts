import { bucketOf } from './buckets';
import type { TelemetryRow } from './ingest';
import { TelemetryKind } from './telemetry.input';

/**
 * What one ingest batch adds to one event's minute, summed as the rollup needs it:
 * every figure of `qos_minute` is a merge of these (sums, a union of sessions, merged
 * histograms, and the values themselves for exact percentiles), so the rollup worker
 * reads a few of these rows per batch instead of every raw row of the minute.
 */
export interface QosPartial {
  event_id: string;
  minute: string;
  heartbeat_sessions: string[];
  startup_count: number;
  startup_values: number[];
  startup_hist: Record<string, number>;
  rebuffer_count: number;
  rebuffer_ms: number;
  bitrate_count: number;
  bitrate_values: number[];
  bitrate_hist: Record<string, number>;
  errors: number;
}

/** What one batch adds to one placement's hour of impressions. */
export interface ImpressionPartial {
  placement_id: string;
  hour: string;
  impressions: number;
  users: string[];
}

interface QosAcc {
  eventId: string;
  minute: number;
  sessions: Set<string>;
  startup: number[];
  startupHist: Map<number, number>;
  rebufferCount: number;
  rebufferMs: number;
  bitrate: number[];
  bitrateHist: Map<number, number>;
  errors: number;
}

function histogram(h: Map<number, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [b, n] of h) out[String(b)] = n;
  return out;
}

/** The batch's rows folded per (event, minute) and per (placement, hour). */
export function partialsOf(rows: readonly TelemetryRow[]): { minutes: QosPartial[]; hours: ImpressionPartial[] } {
  const minutes = new Map<string, QosAcc>();
  const hours = new Map<string, { placementId: string; hour: number; impressions: number; users: Set<string> }>();
  for (const r of rows) {
    const minute = Math.floor(r.at.getTime() / 60_000) * 60_000;
    const key = `${r.eventId}/${minute}`;
    let m = minutes.get(key);
    if (!m) {
      m = { eventId: r.eventId, minute, sessions: new Set(), startup: [], startupHist: new Map(), rebufferCount: 0, rebufferMs: 0, bitrate: [], bitrateHist: new Map(), errors: 0 };
      minutes.set(key, m);
    }
    switch (r.kind) {
      case TelemetryKind.HEARTBEAT:
        m.sessions.add(r.sessionId);
        break;
      case TelemetryKind.STARTUP_TIME: {
        const b = bucketOf(r.value!);
        m.startup.push(r.value!);
        m.startupHist.set(b, (m.startupHist.get(b) ?? 0) + 1);
        break;
      }
      case TelemetryKind.BITRATE: {
        const b = bucketOf(r.value!);
        m.bitrate.push(r.value!);
        m.bitrateHist.set(b, (m.bitrateHist.get(b) ?? 0) + 1);
        break;
      }
      case TelemetryKind.REBUFFER:
        m.rebufferCount++;
        m.rebufferMs += r.value!;
        break;
      case TelemetryKind.ERROR:
        m.errors++;
        break;
      case TelemetryKind.IMPRESSION: {
        if (!r.placementId) break;
        const hour = Math.floor(r.at.getTime() / 3_600_000) * 3_600_000;
        const hkey = `${r.placementId}/${hour}`;
        let h = hours.get(hkey);
        if (!h) {
          h = { placementId: r.placementId, hour, impressions: 0, users: new Set() };
          hours.set(hkey, h);
        }
        h.impressions++;
        h.users.add(r.userId);
        break;
      }
      default:
        break;
    }
  }
  return {
    minutes: [...minutes.values()].map((m) => ({
      event_id: m.eventId,
      minute: new Date(m.minute).toISOString(),
      heartbeat_sessions: [...m.sessions],
      startup_count: m.startup.length,
      startup_values: m.startup,
      startup_hist: histogram(m.startupHist),
      rebuffer_count: m.rebufferCount,
      rebuffer_ms: m.rebufferMs,
      bitrate_count: m.bitrate.length,
      bitrate_values: m.bitrate,
      bitrate_hist: histogram(m.bitrateHist),
      errors: m.errors,
    })),
    hours: [...hours.values()].map((h) => ({ placement_id: h.placementId, hour: new Date(h.hour).toISOString(), impressions: h.impressions, users: [...h.users] })),
  };
}
