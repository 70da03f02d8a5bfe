import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { RateLimitedError, ServiceUnavailableError, parseId, type Logger } from '@frontrow/kit';
import type { EntityManager } from '@mikro-orm/postgresql';
import { from as copyFrom } from 'pg-copy-streams';
import { partialsOf } from './partials';
import { dayOf, type Partitions } from './partitions';
import { withClient } from './pg';
import { TelemetryKind, type TelemetryEventInput } from './telemetry.input';

/** Events one call may carry. */
export const MAX_EVENTS_PER_CALL = 1000;
export const MAX_SESSION_ID_LENGTH = 128;
const FUTURE_TOLERANCE_MS = 5 * 60_000;
const MAX_AGE_MS = 24 * 3_600_000;

/** Kinds whose value is the measurement: without one, the event says nothing. */
const NEEDS_VALUE = new Set([TelemetryKind.BITRATE, TelemetryKind.REBUFFER, TelemetryKind.STARTUP_TIME]);

/** One raw row as it is stored. */
export interface TelemetryRow {
  at: Date;
  eventId: string;
  kind: TelemetryKind;
  sessionId: string;
  userId: string;
  feedId: string | null;
  placementId: string | null;
  value: number | null;
}

/**
 * The event as a row, or null when it is malformed (counted in `rejected`): a negative
 * or missing measurement, `at` more than 5 minutes ahead or more than 24 hours ago, a
 * session id empty or over 128 characters, an id that is not one, an impression
 * without its placement.
 */
export function toRow(e: TelemetryEventInput, userId: string, now: number): TelemetryRow | null {
  const at = e.at instanceof Date ? e.at.getTime() : NaN;
  if (!(at <= now + FUTURE_TOLERANCE_MS && at >= now - MAX_AGE_MS)) return null;
  if (typeof e.sessionId !== 'string' || e.sessionId.length < 1 || e.sessionId.length > MAX_SESSION_ID_LENGTH) return null;
  const value = e.value ?? null;
  if (value !== null && !(Number.isFinite(value) && value >= 0)) return null;
  if (value === null && NEEDS_VALUE.has(e.kind)) return null;
  const eventId = parseId(e.eventId);
  if (!eventId) return null;
  const feedId = e.feedId === null || e.feedId === undefined ? null : parseId(e.feedId);
  if (feedId === null && e.feedId !== null && e.feedId !== undefined) return null;
  const placementId = e.placementId === null || e.placementId === undefined ? null : parseId(e.placementId);
  if (placementId === null && e.placementId !== null && e.placementId !== undefined) return null;
  if (e.kind === TelemetryKind.IMPRESSION && !placementId) return null;
  return { at: e.at, eventId, kind: e.kind, sessionId: e.sessionId, userId, feedId, placementId, value };
}

export interface IngestSettings {
  /** Rows one COPY carries at most. */
  maxBatchRows: number;
  /** How long the first row of a batch waits for others before the batch is written. */
  flushMs: number;
  /** Rows waiting or being written at most; beyond, calls are refused with RATE_LIMITED. */
  maxPendingRows: number;
  /** COPYs under way at once (each holds a database connection). */
  maxConcurrentFlushes: number;
}

interface Waiting {
  rows: TelemetryRow[];
  resolve(): void;
  reject(e: unknown): void;
}

export interface IngestStats {
  batches: number;
  rows: number;
  shed: number;
  failedBatches: number;
}

const COPY_SQL = 'COPY telemetry_event (at, event_id, kind, session_id, user_id, feed_id, placement_id, value) FROM STDIN';

/** COPY's text format: backslash, tab, newline and carriage return escaped; null as \N. */
function copyText(value: string): string {
  return value.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

function copyLine(r: TelemetryRow): string {
  return `${r.at.toISOString()}\t${r.eventId}\t${r.kind}\t${copyText(r.sessionId)}\t${r.userId}\t${r.feedId ?? '\\N'}\t${r.placementId ?? '\\N'}\t${r.value === null ? '\\N' : String(r.value)}\n`;
}

/**
 * Group commit for raw telemetry. Calls hand their rows to the buffer and wait; the
 * buffer writes what has gathered in one COPY (at `maxBatchRows`, or `flushMs` after
 * the first row arrived), in a transaction that also writes what the batch adds to each
 * minute's and hour's rollup and marks them for the rollup worker, and answers every call in the batch once it has committed.
 * A call is therefore answered `accepted` only for rows that are in PostgreSQL: a
 * crash loses nothing that was acknowledged, and a failed COPY fails its calls (the
 * client sends again). Beyond `maxPendingRows` rows waiting or being written, a call is
 * refused at once with RATE_LIMITED rather than queued without bound.
 */
export class IngestBuffer {
  private queue: Waiting[] = [];
  private queuedRows = 0;
  private writingRows = 0;
  private flushes = 0;
  private timer?: NodeJS.Timeout;
  private closed = false;
  private readonly inFlight = new Set<Promise<void>>();
  readonly stats: IngestStats = { batches: 0, rows: 0, shed: 0, failedBatches: 0 };

  constructor(
    private readonly em: EntityManager,
    private readonly partitions: Partitions,
    private readonly settings: IngestSettings,
    private readonly logger: Logger,
  ) {}

  /** Rows waiting for a COPY or in one now. */
  get pendingRows(): number {
    return this.queuedRows + this.writingRows;
  }

  /** Resolves once the rows are committed; RATE_LIMITED when the buffer is full. */
  add(rows: TelemetryRow[]): Promise<void> {
    if (this.closed) return Promise.reject(new ServiceUnavailableError(1));
    if (!rows.length) return Promise.resolve();
    if (this.pendingRows + rows.length > this.settings.maxPendingRows) {
      this.stats.shed += rows.length;
      return Promise.reject(new RateLimitedError(1));
    }
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ rows, resolve, reject });
      this.queuedRows += rows.length;
      if (this.queuedRows >= this.settings.maxBatchRows) this.kick();
      else this.timer ??= setTimeout(() => this.kick(), this.settings.flushMs);
    });
  }

  private kick(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.queue.length && this.flushes < this.settings.maxConcurrentFlushes) {
      const batch: Waiting[] = [];
      let n = 0;
      while (this.queue.length && (n === 0 || n + this.queue[0].rows.length <= this.settings.maxBatchRows)) {
        const w = this.queue.shift()!;
        batch.push(w);
        n += w.rows.length;
      }
      this.queuedRows -= n;
      this.writingRows += n;
      this.flushes++;
      const done = this.write(batch, n).finally(() => {
        this.flushes--;
        this.writingRows -= n;
        this.inFlight.delete(done);
        // What gathered meanwhile has waited long enough.
        if (this.queue.length) this.kick();
      });
      this.inFlight.add(done);
    }
  }

  private async write(batch: Waiting[], n: number): Promise<void> {
    const rows = batch.flatMap((w) => w.rows);
    try {
      await this.partitions.ensure(rows.map((r) => dayOf(r.at)));
      await withClient(this.em, async (client) => {
        await client.query('begin');
        const text = rows.map(copyLine).join('');
        await pipeline(Readable.from([text]), client.query(copyFrom(COPY_SQL)));
        const { minutes, hours } = partialsOf(rows);
        await client.query(
          `insert into qos_partial (event_id, minute, heartbeat_sessions, startup_count, startup_values, startup_hist,
             rebuffer_count, rebuffer_ms, bitrate_count, bitrate_values, bitrate_hist, errors)
           select * from jsonb_to_recordset($1::jsonb) as p(event_id uuid, minute timestamptz, heartbeat_sessions text[],
             startup_count int, startup_values double precision[], startup_hist jsonb, rebuffer_count int, rebuffer_ms double precision,
             bitrate_count int, bitrate_values double precision[], bitrate_hist jsonb, errors int)`,
          [JSON.stringify(minutes)],
        );
        await client.query(
          `insert into rollup_dirty (event_id, minute) select * from unnest($1::uuid[], $2::timestamptz[])`,
          [minutes.map((m) => m.event_id), minutes.map((m) => m.minute)],
        );
        if (hours.length) {
          await client.query(
            `insert into impression_partial (placement_id, hour, impressions, users)
             select * from jsonb_to_recordset($1::jsonb) as p(placement_id uuid, hour timestamptz, impressions int, users uuid[])`,
            [JSON.stringify(hours)],
          );
          await client.query(
            `insert into impression_dirty (placement_id, hour) select * from unnest($1::uuid[], $2::timestamptz[])`,
            [hours.map((h) => h.placement_id), hours.map((h) => h.hour)],
          );
        }
        await client.query('commit');
      });
      this.stats.batches++;
      this.stats.rows += n;
      for (const w of batch) w.resolve();
    } catch (err) {
      this.stats.failedBatches++;
      this.logger.error({ err, rows: n }, 'a telemetry batch could not be written; its calls fail and their clients send again');
      for (const w of batch) w.reject(new ServiceUnavailableError(1));
    }
  }

  /** Writes everything waiting now, without waiting for the batch to fill. */
  async flush(): Promise<void> {
    while (this.queue.length || this.inFlight.size) {
      this.kick();
      await Promise.allSettled([...this.inFlight]);
    }
  }

  /** Writes everything waiting, then refuses more (the service is stopping). */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }
}
