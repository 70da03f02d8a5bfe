// The types of janus-gateway, which ships none (an ambient module: it cannot be imported).
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="./janus-gateway.d.ts" />
import Janus from 'janus-gateway';
import adapter from 'webrtc-adapter';

export interface Grant {
  janusUrl: string;
  mountpointId: string;
  token: string;
  expiresAt: string;
}

export interface VideoStats {
  framesDecoded: number;
  codec: string | null;
  width: number | null;
  height: number | null;
  /** Bytes of video received so far (the QoS reporter derives the bitrate from it). */
  bytesReceived: number;
  /** Frames the browser dropped rather than showed, so far. */
  framesDropped: number;
}

let initialised: Promise<void> | undefined;
function init(): Promise<void> {
  initialised ??= new Promise((resolve) => Janus.init({ debug: false, dependencies: Janus.useDefaultDependencies({ adapter }), callback: () => resolve() }));
  return initialised;
}

type Handle = {
  send(o: object): void;
  createAnswer(o: object): void;
  hangup(): void;
  detach(): void;
  webrtcStuff: { pc?: RTCPeerConnection };
};

/** One Janus session and its streaming handle: what `play` opens and `stop` or a loss closes. */
interface Connection {
  janus?: Janus;
  handle?: Handle;
  /** Closed by `stop`, by a failure while connecting, or after a loss: its callbacks are ignored. */
  closed: boolean;
  /** Set once `play` resolved: a loss after that goes to `onLost`, before it rejects `play`. */
  up: boolean;
  onLost: (reason: string) => void;
  fail: (reason: string) => void;
  /** Rejects `play` while it is still connecting (a stop, a failure). */
  abandon: (reason: string) => void;
  timers: ReturnType<typeof setTimeout>[];
}

/** How long a connection may take from the session to Janus' `webrtcup` before it counts as failed. */
export const CONNECT_TIMEOUT_MS = 20_000;
/** How long ICE may stay `disconnected` before the connection counts as lost (it may come back by itself). */
export const ICE_DISCONNECTED_GRACE_MS = 5_000;

/**
 * Plays one streaming-plugin mountpoint with janus-gateway: a Janus session carrying
 * the grant's token, `watch`, answer the offer, and the remote tracks into the video
 * element. `play` resolves once Janus says WebRTC is up (media flows) and rejects when a
 * step fails or takes over CONNECT_TIMEOUT_MS; a connection lost after that (the session
 * gone, Janus unreachable, ICE failed, Janus hanging up) is reported once to `play`'s
 * `onLost`. The player never connects again by itself: FeedWatcher decides that.
 */
export class FeedPlayer {
  private current?: Connection;
  /** Bumped by every `play` and `stop`: a `play` still waiting for janus.js' init after a `stop` opens nothing. */
  private tickets = 0;
  private readonly stream = new MediaStream();

  /**
   * `onPhase` hears each step of a connection as it happens (session, attached, offer,
   * answer, ice-connected, webrtc-up, track): the viewer times them.
   */
  constructor(
    private readonly video: HTMLVideoElement,
    private readonly onPhase: (phase: string) => void = () => undefined,
  ) {
    video.srcObject = this.stream;
  }

  async play(grant: Grant, onLost: (reason: string) => void = () => undefined): Promise<void> {
    const ticket = ++this.tickets;
    await init();
    if (ticket !== this.tickets) throw new Error('Janus: stopped');
    if (this.current) this.close(this.current, 'replaced');
    await new Promise<void>((resolve, reject) => {
      const conn: Connection = { closed: false, up: false, onLost, fail: () => undefined, abandon: (reason) => reject(new Error(`Janus: ${reason}`)), timers: [] };
      this.current = conn;
      // A failure before `play` resolved rejects it; after, it is a loss. Either closes the connection.
      conn.fail = (reason: string) => {
        if (conn.closed) return;
        this.close(conn, reason);
        if (conn.up) conn.onLost(reason);
      };
      const live = (f: (...a: never[]) => void) =>
        ((...a: never[]) => {
          if (!conn.closed) f(...a);
        }) as (...a: never[]) => void;
      conn.timers.push(setTimeout(() => conn.fail(`no media within ${CONNECT_TIMEOUT_MS / 1000} s`), CONNECT_TIMEOUT_MS));
      let iceGrace: ReturnType<typeof setTimeout> | undefined;
      const janus = new Janus({
        server: grant.janusUrl,
        token: grant.token,
        success: live(() => {
          this.onPhase('session');
          janus.attach({
            plugin: 'janus.plugin.streaming',
            success: live((handle: Handle) => {
              conn.handle = handle;
              this.onPhase('attached');
              handle.send({ message: { request: 'watch', id: Number(grant.mountpointId) } });
            }),
            error: live((err: unknown) => conn.fail(`attach failed: ${String(err)}`)),
            onmessage: live((msg: { error?: string; result?: { status?: string } }, jsep?: object) => {
              // No such mountpoint (not recreated yet after a restart), or another refusal.
              if (msg.error) return conn.fail(`the stream is unavailable: ${msg.error}`);
              if (msg.result?.status === 'stopped') return conn.fail('the stream stopped');
              if (!jsep) return;
              this.onPhase('offer');
              conn.handle!.createAnswer({
                jsep,
                tracks: [
                  { type: 'audio', capture: false, recv: true },
                  { type: 'video', capture: false, recv: true },
                ],
                success: live((answer: object) => {
                  this.onPhase('answer');
                  conn.handle!.send({ message: { request: 'start' }, jsep: answer });
                }),
                error: live((err: unknown) => conn.fail(`WebRTC answer failed: ${String(err)}`)),
              });
            }),
            iceState: live((state: string) => {
              clearTimeout(iceGrace);
              if (state === 'connected' || state === 'completed') this.onPhase('ice-connected');
              else if (state === 'failed') conn.fail('ICE failed');
              else if (state === 'disconnected') {
                iceGrace = setTimeout(() => conn.fail('ICE disconnected'), ICE_DISCONNECTED_GRACE_MS);
                conn.timers.push(iceGrace);
              }
            }),
            webrtcState: live((up: boolean) => {
              if (!up) return conn.fail('Janus hung up');
              this.onPhase('webrtc-up');
              if (conn.up) return;
              conn.up = true;
              clearTimeout(conn.timers[0]);
              resolve();
            }),
            onremotetrack: live((track: MediaStreamTrack, _mid: string, on: boolean) => {
              if (on) {
                if (track.kind === 'video') this.onPhase('track');
                for (const t of this.stream.getTracks().filter((x) => x.kind === track.kind)) this.stream.removeTrack(t);
                this.stream.addTrack(track);
                void this.video.play().catch(() => undefined);
              } else {
                this.stream.removeTrack(track);
              }
            }),
            oncleanup: live(() => conn.fail('the stream ended')),
            ondetached: live(() => conn.fail('the stream ended')),
          });
        }),
        // Creating the session failed, or later its long poll did (Janus unreachable).
        error: live((err: unknown) => conn.fail(String(err))),
        destroyed: live(() => conn.fail('the session ended')),
      });
      conn.janus = janus;
    });
  }

  /** What the browser decoded so far (tests and the QoS reporter read this). */
  async stats(): Promise<VideoStats> {
    const pc = this.current?.handle?.webrtcStuff.pc;
    const out: VideoStats = { framesDecoded: 0, codec: null, width: null, height: null, bytesReceived: 0, framesDropped: 0 };
    if (!pc) return out;
    const report = await pc.getStats();
    const codecs = new Map<string, string>();
    report.forEach((s: { type: string; id: string; mimeType?: string }) => {
      if (s.type === 'codec' && s.mimeType) codecs.set(s.id, s.mimeType);
    });
    report.forEach((s: { type: string; kind?: string; framesDecoded?: number; framesDropped?: number; codecId?: string; frameWidth?: number; frameHeight?: number; bytesReceived?: number }) => {
      if (s.type === 'inbound-rtp' && s.kind === 'video') {
        out.framesDecoded = s.framesDecoded ?? 0;
        out.codec = (s.codecId && codecs.get(s.codecId)) || null;
        out.width = s.frameWidth ?? null;
        out.height = s.frameHeight ?? null;
        out.bytesReceived = s.bytesReceived ?? 0;
        out.framesDropped = s.framesDropped ?? 0;
      }
    });
    return out;
  }

  /** Closes the connection, if any; its callbacks say nothing after this. */
  stop(): void {
    this.tickets++;
    if (this.current) this.close(this.current, 'stopped');
    this.current = undefined;
  }

  private close(conn: Connection, reason: string): void {
    if (conn.closed) return;
    conn.closed = true;
    if (!conn.up) conn.abandon(reason);
    for (const t of conn.timers) clearTimeout(t);
    try {
      conn.handle?.hangup();
      conn.janus?.destroy({ cleanupHandles: true, notifyDestroyed: false });
    } catch {
      /* a session that is already gone */
    }
  }
}
