import { randomUUID } from 'node:crypto';
import type { Logger } from '@frontrow/kit';
import type { IngestBuffer, TelemetryRow } from './ingest';
import type { SessionOwners } from './sessions';
import { TelemetryKind } from './telemetry.input';

/** The user the demo population records as (no such person signs in). */
export const SYNTHETIC_USER_ID = '00000000-0000-4000-8000-00000000d3e0';

export interface SyntheticViewerOptions {
  /** The live event they watch. */
  eventId: string;
  feedId?: string;
  /** How many watch at once. */
  viewers: number;
  /** How often each sends its heartbeat and bitrate (default 5 s). */
  tickMs?: number;
}

interface Viewer {
  sessionId: string;
  bitrate: number;
  started: boolean;
}

/**
 * A small population of pretend viewers on the demo's live game, so that a fresh
 * `npm start` has QoS to chart: each sends a startup time when it starts, then a
 * heartbeat and its bitrate every tick; the bitrate wanders, a viewer now and then
 * stalls (a rebuffer of 0.5 to 3 s) or errors, and now and then one leaves and another
 * arrives. They go through the same ingest as everyone (a session of their own user).
 */
export class SyntheticViewers {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private viewers: Viewer[] = [];

  constructor(
    private readonly ingest: IngestBuffer,
    private readonly sessions: SessionOwners,
    private readonly opts: SyntheticViewerOptions,
    private readonly logger: Logger,
    private readonly random: () => number = Math.random,
  ) {}

  private newViewer(): Viewer {
    return { sessionId: `synthetic-${randomUUID()}`, bitrate: 4000 + this.random() * 4000, started: false };
  }

  /** One tick of every viewer's telemetry. */
  async tick(now = Date.now()): Promise<number> {
    while (this.viewers.length < this.opts.viewers) this.viewers.push(this.newViewer());
    this.viewers = this.viewers.map((v) => (this.random() < 0.01 ? this.newViewer() : v));
    const at = new Date(now);
    const rows: TelemetryRow[] = [];
    const row = (v: Viewer, kind: TelemetryKind, value: number | null): TelemetryRow => ({
      at,
      eventId: this.opts.eventId,
      kind,
      sessionId: v.sessionId,
      userId: SYNTHETIC_USER_ID,
      feedId: this.opts.feedId ?? null,
      placementId: null,
      value,
    });
    for (const v of this.viewers) {
      if (!v.started) {
        rows.push(row(v, TelemetryKind.STARTUP_TIME, Math.round(400 + this.random() * 2000)));
        v.started = true;
      }
      v.bitrate = Math.min(12_000, Math.max(1500, v.bitrate + (this.random() - 0.5) * 800));
      rows.push(row(v, TelemetryKind.HEARTBEAT, null), row(v, TelemetryKind.BITRATE, Math.round(v.bitrate)));
      if (this.random() < 0.03) rows.push(row(v, TelemetryKind.REBUFFER, Math.round(500 + this.random() * 2500)));
      if (this.random() < 0.005) rows.push(row(v, TelemetryKind.ERROR, null));
    }
    await this.sessions.claim(SYNTHETIC_USER_ID, this.viewers.map((v) => v.sessionId));
    await this.ingest.add(rows);
    return rows.length;
  }

  start(): void {
    const every = this.opts.tickMs ?? 5000;
    this.logger.info({ eventId: this.opts.eventId, viewers: this.opts.viewers }, 'synthetic viewers watching the demo live game (SYNTHETIC_VIEWERS=0 turns them off)');
    const loop = () => {
      this.running = this.tick()
        .then(() => undefined)
        .catch((err: unknown) => this.logger.warn({ err }, 'synthetic viewers could not record; will try again'))
        .finally(() => {
          this.running = undefined;
          if (this.timer) this.timer = setTimeout(loop, every);
        });
    };
    this.timer = setTimeout(loop, 0);
  }

  async stop(): Promise<void> {
    const t = this.timer;
    this.timer = undefined;
    clearTimeout(t);
    await this.running;
  }
}
