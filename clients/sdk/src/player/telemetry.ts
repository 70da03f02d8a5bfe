/**
 * Telemetry from a client: QoS (startup time, bitrate, rebuffers, frame drops, errors)
 * and sponsor impressions, queued and sent in batches to the gateway's `POST /telemetry`
 * (every `flushMs`, and by beacon when the page goes away). A gateway without the
 * telemetry subgraph answers that route 404: the reporter asks once per page load and
 * keeps quiet for the session when it does.
 */
export type TelemetryKind = 'HEARTBEAT' | 'BITRATE' | 'REBUFFER' | 'FRAME_DROP' | 'STARTUP_TIME' | 'ERROR' | 'IMPRESSION';

export interface TelemetryEvent {
  kind: TelemetryKind;
  eventId: string;
  feedId?: string;
  placementId?: string;
  value?: number;
  at: string;
  sessionId: string;
}

export interface TelemetryReporterOptions {
  /** The gateway's GraphQL URL; the route is `/telemetry` beside it. */
  gatewayUrl: string;
  eventId: string;
  feedId?: string;
  /** The access token to send (the fan records for themself). */
  token: () => string | null;
  /** How often queued events are sent (default 10 s). */
  flushMs?: number;
  /** Called with each batch's answer (tests and the VR client's counters). */
  onSent?: (events: number, result: { accepted: number; rejected: number } | null) => void;
}

const MAX_BATCH = 1000;

let available: Promise<boolean> | undefined;

/** Whether the gateway takes telemetry (asked once per page load). */
function telemetryAvailable(endpoint: string, token: () => string | null): Promise<boolean> {
  available ??= fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token() ? { authorization: `Bearer ${token()}` } : {}) },
    body: JSON.stringify({ events: [] }),
  }).then(
    (res) => res.status !== 404 && res.status !== 405,
    () => false,
  );
  return available;
}

export class TelemetryReporter {
  private queue: TelemetryEvent[] = [];
  private timer?: ReturnType<typeof setInterval>;
  private feedId?: string;
  readonly sessionId = crypto.randomUUID();
  private readonly onHide = () => this.beacon();

  constructor(private readonly opts: TelemetryReporterOptions) {
    this.feedId = opts.feedId;
    this.timer = setInterval(() => void this.flush(), opts.flushMs ?? 10_000);
    window.addEventListener('pagehide', this.onHide);
  }

  private get endpoint(): string {
    return new URL('/telemetry', this.opts.gatewayUrl).toString();
  }

  /** The seat changed: later events name this feed. */
  setFeed(feedId: string | undefined): void {
    this.feedId = feedId;
  }

  record(kind: TelemetryKind, value?: number, extra: { placementId?: string } = {}): void {
    this.queue.push({ kind, eventId: this.opts.eventId, feedId: this.feedId, value, at: new Date().toISOString(), sessionId: this.sessionId, ...extra });
    if (this.queue.length > MAX_BATCH) this.queue.splice(0, this.queue.length - MAX_BATCH);
  }

  /** Events waiting to be sent. */
  get pending(): number {
    return this.queue.length;
  }

  async flush(): Promise<void> {
    if (!this.queue.length || !(await telemetryAvailable(this.endpoint, this.opts.token))) return;
    const events = this.queue.splice(0, MAX_BATCH);
    const token = this.opts.token();
    const res = await fetch(this.endpoint, {
      method: 'POST',
      keepalive: true,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ events }),
    }).catch(() => null);
    const result = res?.ok ? ((await res.json().catch(() => null)) as { accepted: number; rejected: number } | null) : null;
    this.opts.onSent?.(events.length, result);
  }

  /** On unload: navigator.sendBeacon cannot set headers, so the token goes in the body. */
  private beacon(): void {
    void available?.then((yes) => {
      if (!yes || !this.queue.length) return;
      const body = JSON.stringify({ events: this.queue.splice(0, MAX_BATCH), accessToken: this.opts.token() ?? undefined });
      navigator.sendBeacon(this.endpoint, new Blob([body], { type: 'application/json' }));
    });
  }

  stop(): void {
    clearInterval(this.timer);
    window.removeEventListener('pagehide', this.onHide);
    this.beacon();
  }
}
