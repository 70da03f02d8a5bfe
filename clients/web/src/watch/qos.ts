/**
 * QoS telemetry from the player: startup time, bitrate and rebuffers, sent in batches
 * to the gateway's `POST /telemetry` and by beacon when the page goes away. The
 * telemetry subgraph may not be there: the reporter asks once, and when the gateway
 * does not answer that route (404, or no reply) it keeps quiet for the session.
 */
export type QosKind = 'STARTUP_TIME' | 'BITRATE' | 'REBUFFER' | 'ERROR' | 'HEARTBEAT';

interface QosEvent {
  kind: QosKind;
  eventId: string;
  feedId?: string;
  value?: number;
  at: string;
  sessionId: string;
}

const FLUSH_MS = 10_000;
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

export class QosReporter {
  private queue: QosEvent[] = [];
  private timer?: number;
  readonly sessionId = crypto.randomUUID();
  private readonly onHide = () => this.beacon();

  constructor(
    private readonly gatewayUrl: string,
    private readonly ids: { eventId: string; feedId?: string },
    private readonly token: () => string | null,
  ) {
    this.timer = window.setInterval(() => void this.flush(), FLUSH_MS);
    window.addEventListener('pagehide', this.onHide);
  }

  private get endpoint(): string {
    return new URL('/telemetry', this.gatewayUrl).toString();
  }

  record(kind: QosKind, value?: number): void {
    this.queue.push({ kind, ...this.ids, value, at: new Date().toISOString(), sessionId: this.sessionId });
    if (this.queue.length > MAX_BATCH) this.queue.splice(0, this.queue.length - MAX_BATCH);
  }

  async flush(): Promise<void> {
    if (!this.queue.length || !(await telemetryAvailable(this.endpoint, this.token))) return;
    const events = this.queue.splice(0, MAX_BATCH);
    const token = this.token();
    await fetch(this.endpoint, {
      method: 'POST',
      keepalive: true,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ events }),
    }).catch(() => undefined);
  }

  /** On unload: navigator.sendBeacon cannot set headers, so the token goes in the body. */
  private beacon(): void {
    void available?.then((yes) => {
      if (!yes || !this.queue.length) return;
      const body = JSON.stringify({ events: this.queue.splice(0, MAX_BATCH), accessToken: this.token() ?? undefined });
      navigator.sendBeacon(this.endpoint, new Blob([body], { type: 'application/json' }));
    });
  }

  stop(): void {
    clearInterval(this.timer);
    window.removeEventListener('pagehide', this.onHide);
    this.beacon();
  }
}
