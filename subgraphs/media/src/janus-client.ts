import { randomUUID } from 'node:crypto';
import { DomainError } from '@frontrow/kit';

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
  /** The error code of Janus' reply, when Janus answered with an error. */
  readonly janusCode?: number;

  constructor(detail?: string, janusCode?: number) {
    super('INTERNAL_SERVER_ERROR', 'The media server is unavailable right now; try again shortly.', { reason: 'MEDIA_UNAVAILABLE' });
    if (detail) this.cause = detail;
    this.janusCode = janusCode;
  }
}

export interface MountpointSpec {
  id: number;
  name: string;
  videoCodec: 'vp8' | 'h264';
  /** The RTP ports to listen on; absent, Janus picks free ones from its range. */
  ports?: { videoPort: number; audioPort: number };
}

export interface Mountpoint {
  id: number;
  videoPort: number;
  audioPort: number;
}

/** What a probe found: Janus answering with our session, answering without it (it restarted), or not answering. */
export type JanusProbe = 'up' | 'session-lost' | 'down';

interface JanusReply {
  janus: string;
  data?: { id?: number; plugins?: string[]; tokens?: Array<{ token: string }> };
  error?: { code: number; reason: string };
  plugindata?: { data?: Record<string, unknown> & { error?: string; error_code?: number } };
}

const TIMEOUT_MS = 5000;
/** Janus core: no such session (it restarted, or the session timed out). */
const NO_SUCH_SESSION = 458;
/** Janus core: the token is not (or no longer) known. */
const UNAUTHORIZED = 403;
/** Streaming plugin: no such mountpoint. */
const NO_SUCH_MOUNTPOINT = 455;
/** Streaming plugin: the mountpoint could not be created (id taken, ports busy, ...). */
const CANT_CREATE = 456;

/**
 * The control plane's side of Janus: the JSON API over HTTP (a session with the
 * streaming plugin, kept alive by `probe`) and the Admin API for stored tokens. The
 * media subgraph holds a service token of its own, added when the session opens.
 */
export class JanusClient {
  private session?: Promise<{ session: number; handle: number }>;
  private readonly serviceToken = `svc-${randomUUID()}`;
  private tokenAdded = false;
  private closed = false;

  constructor(private readonly settings: JanusSettings) {}

  private async post(url: string, body: Record<string, unknown>, closing = false): Promise<JanusReply> {
    if (this.closed && !closing) throw new MediaUnavailableError('the Janus client is closed');
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
    if (reply.janus === 'error') throw new MediaUnavailableError(`${reply.error?.code} ${reply.error?.reason}`, reply.error?.code);
    return reply;
  }

  private admin(body: Record<string, unknown>): Promise<JanusReply> {
    return this.post(this.settings.adminUrl, { ...body, admin_secret: this.settings.adminSecret });
  }

  /** Is Janus answering? */
  async ping(): Promise<boolean> {
    if (this.closed) return false;
    try {
      const res = await fetch(`${this.settings.url}/info`, { signal: AbortSignal.timeout(2000) });
      return res.ok;
    } catch {
      return false;
    }
  }

  /**
   * Keeps the control session alive (a keepalive on it) or, without one, checks that
   * Janus answers at all. A session Janus no longer knows means Janus restarted (or
   * the session timed out): what it held, mountpoints and stored tokens, may be gone.
   */
  async probe(): Promise<JanusProbe> {
    if (this.closed) return 'down';
    const pending = this.session;
    const current = await pending?.catch(() => undefined);
    if (!current) return (await this.ping()) ? 'up' : 'down';
    try {
      await this.post(`${this.settings.url}/${current.session}`, { janus: 'keepalive', token: this.serviceToken });
      return 'up';
    } catch (e) {
      if (e instanceof MediaUnavailableError && (e.janusCode === NO_SUCH_SESSION || e.janusCode === UNAUTHORIZED)) {
        if (this.session === pending) this.forgetSession();
        return 'session-lost';
      }
      return 'down';
    }
  }

  async addToken(token: string): Promise<void> {
    // Adding a token Janus knows already succeeds: this is idempotent.
    await this.admin({ janus: 'add_token', token, plugins: ['janus.plugin.streaming'] });
  }

  async removeToken(token: string): Promise<void> {
    try {
      await this.admin({ janus: 'remove_token', token });
    } catch (e) {
      // Janus answers 490 "Error removing token" for a token it does not know (it
      // forgets them all when it restarts): removing it is done already.
      if (e instanceof MediaUnavailableError && e.janusCode === 490 && /removing token/i.test(String(e.cause))) return;
      throw e;
    }
  }

  /** The stored tokens Janus knows now. */
  async listTokens(): Promise<Set<string>> {
    const reply = await this.admin({ janus: 'list_tokens' });
    return new Set((reply.data?.tokens ?? []).map((t) => t.token));
  }

  private forgetSession(): void {
    this.session = undefined;
    this.tokenAdded = false;
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
      return { session, handle: attached.data?.id as number };
    })().catch((e: unknown) => {
      this.forgetSession();
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
      if (retry && e instanceof MediaUnavailableError && !this.closed) {
        this.forgetSession();
        return this.streaming(body, false);
      }
      throw e;
    }
  }

  /**
   * Creates an RTP mountpoint (video + Opus audio) on the given ports, or on free ports
   * of Janus' range. `bufferkf` keeps the latest keyframe and sends it to a viewer as
   * soon as it joins, so the first picture does not wait for the encoder's next
   * keyframe (an RTP ingest cannot be asked for one). A mountpoint with this id that
   * exists already (another instance of media made it) is taken as it is.
   */
  async createMountpoint(spec: MountpointSpec): Promise<Mountpoint> {
    const videoPort = spec.ports?.videoPort ?? 0;
    const audioPort = spec.ports?.audioPort ?? 0;
    const video =
      spec.videoCodec === 'h264'
        ? { type: 'video', mid: 'v', port: videoPort, pt: 96, codec: 'h264', fmtp: 'profile-level-id=42e01f;packetization-mode=1', bufferkf: true }
        : { type: 'video', mid: 'v', port: videoPort, pt: 96, codec: 'vp8', bufferkf: true };
    try {
      const data = await this.streaming({
        request: 'create',
        admin_key: this.settings.streamingAdminKey,
        type: 'rtp',
        id: spec.id,
        name: spec.name,
        description: spec.name,
        permanent: false,
        media: [video, { type: 'audio', mid: 'a', port: audioPort, pt: 111, codec: 'opus' }],
      });
      return portsOf(spec.id, data);
    } catch (e) {
      if (e instanceof JanusPluginError && e.code === CANT_CREATE && /already exists/i.test(e.message)) {
        const found = await this.mountpoint(spec.id);
        if (found) return found;
      }
      throw e;
    }
  }

  /** The mountpoint with this id and its ports, or null when Janus has none. */
  async mountpoint(id: number): Promise<Mountpoint | null> {
    try {
      const info = await this.streaming({ request: 'info', id, admin_key: this.settings.streamingAdminKey });
      return portsOf(id, { stream: { ports: (info.info as { media?: unknown[] })?.media } });
    } catch (e) {
      if (e instanceof JanusPluginError && e.code === NO_SUCH_MOUNTPOINT) return null;
      throw e;
    }
  }

  /** The ids of the mountpoints Janus has now. */
  async listMountpoints(): Promise<Set<number>> {
    const data = await this.streaming({ request: 'list', admin_key: this.settings.streamingAdminKey });
    return new Set(((data.list as Array<{ id: number }> | undefined) ?? []).map((m) => Number(m.id)));
  }

  async destroyMountpoint(id: number): Promise<void> {
    try {
      await this.streaming({ request: 'destroy', id, admin_key: this.settings.streamingAdminKey, permanent: false });
    } catch (e) {
      // No such mountpoint: which is what we wanted.
      if (e instanceof JanusPluginError && e.code === NO_SUCH_MOUNTPOINT) return;
      throw e;
    }
  }

  /** Ends the control session and removes the service token; nothing is sent afterwards. */
  async close(): Promise<void> {
    this.closed = true;
    const s = await this.session?.catch(() => undefined);
    const hadToken = this.tokenAdded;
    this.forgetSession();
    if (s) await this.post(`${this.settings.url}/${s.session}`, { janus: 'destroy', token: this.serviceToken }, true).catch(() => undefined);
    if (hadToken) {
      await this.post(this.settings.adminUrl, { janus: 'remove_token', token: this.serviceToken, admin_secret: this.settings.adminSecret }, true).catch(() => undefined);
    }
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
