import { randomUUID } from 'node:crypto';
import { DomainError, type Logger } from '@frontrow/kit';

export interface JanusSettings {
  /** The Janus API over HTTP, as the media subgraph reaches it. */
  url: string;
  /** The Admin API (tokens). */
  adminUrl: string;
  adminSecret: string;
  /** The streaming plugin's admin_key: `create` needs it. */
  streamingAdminKey: string;
}

/** Janus could not be reached or refused: what callers of `ingest` and `playback` see. */
export class MediaUnavailableError extends DomainError {
  constructor(detail?: string) {
    super('INTERNAL_SERVER_ERROR', 'The media server is unavailable right now; try again shortly.', { reason: 'MEDIA_UNAVAILABLE' });
    if (detail) this.cause = detail;
  }
}

export interface MountpointSpec {
  id: number;
  name: string;
  videoCodec: 'vp8' | 'h264';
}

export interface Mountpoint {
  id: number;
  videoPort: number;
  audioPort: number;
}

interface JanusReply {
  janus: string;
  data?: { id?: number; plugins?: string[] };
  error?: { code: number; reason: string };
  plugindata?: { data?: Record<string, unknown> & { error?: string; error_code?: number } };
}

const TIMEOUT_MS = 5000;

/**
 * The control plane's side of Janus: the JSON API over HTTP (a session with the
 * streaming plugin, kept alive) and the Admin API for stored tokens. The media
 * subgraph holds a service token of its own, added at start.
 */
export class JanusClient {
  private session?: Promise<{ session: number; handle: number }>;
  private keepalive?: NodeJS.Timeout;
  private readonly serviceToken = `svc-${randomUUID()}`;
  private tokenAdded = false;

  constructor(private readonly settings: JanusSettings, private readonly logger: Logger) {}

  private async post(url: string, body: Record<string, unknown>): Promise<JanusReply> {
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ transaction: randomUUID(), ...body }),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (e) {
      throw new MediaUnavailableError(String(e));
    }
    if (!res.ok) throw new MediaUnavailableError(`HTTP ${res.status}`);
    const reply = (await res.json()) as JanusReply;
    if (reply.janus === 'error') throw new MediaUnavailableError(`${reply.error?.code} ${reply.error?.reason}`);
    return reply;
  }

  private admin(body: Record<string, unknown>): Promise<JanusReply> {
    return this.post(this.settings.adminUrl, { ...body, admin_secret: this.settings.adminSecret });
  }

  /** Is Janus answering? */
  async ping(): Promise<boolean> {
    try {
      const res = await fetch(`${this.settings.url}/info`, { signal: AbortSignal.timeout(2000) });
      return res.ok;
    } catch {
      return false;
    }
  }

  async addToken(token: string): Promise<void> {
    await this.admin({ janus: 'add_token', token, plugins: ['janus.plugin.streaming'] });
  }

  async removeToken(token: string): Promise<void> {
    const reply = await this.admin({ janus: 'remove_token', token }).catch((e: unknown) => {
      // Janus forgets tokens when it restarts: removing an unknown one is done already.
      if (e instanceof MediaUnavailableError && /not found|doesn.t exist|unknown/i.test(String(e.cause))) return null;
      throw e;
    });
    void reply;
  }

  private async handle(): Promise<{ session: number; handle: number }> {
    this.session ??= (async () => {
      if (!this.tokenAdded) {
        await this.addToken(this.serviceToken);
        this.tokenAdded = true;
      }
      const created = await this.post(this.settings.url, { janus: 'create', token: this.serviceToken });
      const session = created.data?.id as number;
      const attached = await this.post(`${this.settings.url}/${session}`, {
        janus: 'attach',
        plugin: 'janus.plugin.streaming',
        token: this.serviceToken,
      });
      const handle = attached.data?.id as number;
      clearInterval(this.keepalive);
      this.keepalive = setInterval(() => {
        this.post(`${this.settings.url}/${session}`, { janus: 'keepalive', token: this.serviceToken }).catch((err: unknown) => {
          this.logger.warn({ err }, 'Janus keepalive failed; the next request opens a new session');
          this.session = undefined;
        });
      }, 20_000);
      this.keepalive.unref();
      return { session, handle };
    })().catch((e: unknown) => {
      this.session = undefined;
      this.tokenAdded = false;
      throw e;
    });
    return this.session;
  }

  /** A request to the streaming plugin; re-opens the session once if Janus forgot it. */
  private async streaming(body: Record<string, unknown>, retry = true): Promise<Record<string, unknown>> {
    const { session, handle } = await this.handle();
    try {
      const reply = await this.post(`${this.settings.url}/${session}/${handle}`, {
        janus: 'message',
        token: this.serviceToken,
        body,
      });
      const data = reply.plugindata?.data ?? {};
      if (data.error) throw new JanusPluginError(Number(data.error_code), String(data.error));
      return data;
    } catch (e) {
      if (retry && e instanceof MediaUnavailableError) {
        this.session = undefined;
        this.tokenAdded = false;
        return this.streaming(body, false);
      }
      throw e;
    }
  }

  /**
   * Creates an RTP mountpoint (video + Opus audio); Janus picks free ports from its range.
   * `bufferkf` keeps the latest keyframe and sends it to a viewer as soon as it joins, so
   * the first picture does not wait for the encoder's next keyframe (an RTP ingest cannot
   * be asked for one).
   */
  async createMountpoint(spec: MountpointSpec): Promise<Mountpoint> {
    const video =
      spec.videoCodec === 'h264'
        ? { type: 'video', mid: 'v', port: 0, pt: 96, codec: 'h264', fmtp: 'profile-level-id=42e01f;packetization-mode=1', bufferkf: true }
        : { type: 'video', mid: 'v', port: 0, pt: 96, codec: 'vp8', bufferkf: true };
    try {
      const data = await this.streaming({
        request: 'create',
        admin_key: this.settings.streamingAdminKey,
        type: 'rtp',
        id: spec.id,
        name: spec.name,
        description: spec.name,
        permanent: false,
        media: [video, { type: 'audio', mid: 'a', port: 0, pt: 111, codec: 'opus' }],
      });
      return portsOf(spec.id, data);
    } catch (e) {
      // 456: a mountpoint with this id exists already (a restart of the control plane).
      if (e instanceof JanusPluginError && e.code === 456) {
        const info = await this.streaming({ request: 'info', id: spec.id });
        return portsOf(spec.id, { stream: { ports: (info.info as { media?: unknown[] })?.media } });
      }
      throw e;
    }
  }

  async destroyMountpoint(id: number): Promise<void> {
    try {
      await this.streaming({ request: 'destroy', id, admin_key: this.settings.streamingAdminKey, permanent: false });
    } catch (e) {
      // 455: no such mountpoint, which is what we wanted.
      if (e instanceof JanusPluginError && e.code === 455) return;
      throw e;
    }
  }

  async close(): Promise<void> {
    clearInterval(this.keepalive);
    const s = await this.session?.catch(() => undefined);
    this.session = undefined;
    if (s) await this.post(`${this.settings.url}/${s.session}`, { janus: 'destroy', token: this.serviceToken }).catch(() => undefined);
    if (this.tokenAdded) await this.removeToken(this.serviceToken).catch(() => undefined);
  }
}

export class JanusPluginError extends Error {
  constructor(readonly code: number, message: string) {
    super(`Janus streaming plugin error ${code}: ${message}`);
  }
}

function portsOf(id: number, data: Record<string, unknown>): Mountpoint {
  const ports = ((data.stream as { ports?: Array<{ type: string; port: number }> })?.ports ?? []) as Array<{ type: string; port: number }>;
  const videoPort = ports.find((p) => p.type === 'video')?.port;
  const audioPort = ports.find((p) => p.type === 'audio')?.port;
  if (!videoPort || !audioPort) throw new MediaUnavailableError('Janus did not report the mountpoint ports');
  return { id, videoPort, audioPort };
}
