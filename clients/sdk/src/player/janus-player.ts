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

/**
 * Plays one streaming-plugin mountpoint with janus-gateway: a Janus session carrying
 * the grant's token, `watch`, answer the offer, and the remote tracks into the video
 * element.
 */
export class FeedPlayer {
  private janus?: Janus;
  private handle?: { send(o: object): void; createAnswer(o: object): void; hangup(): void; detach(): void; webrtcStuff: { pc?: RTCPeerConnection } };
  private readonly stream = new MediaStream();

  /**
   * `onPhase` hears each step of a connection as it happens (session, attached, offer,
   * answer, ice-connected, webrtc-up, track): the viewer times them.
   */
  constructor(
    private readonly video: HTMLVideoElement,
    private readonly onStatus: (s: string) => void,
    private readonly onPhase: (phase: string) => void = () => undefined,
  ) {
    video.srcObject = this.stream;
  }

  async play(grant: Grant): Promise<void> {
    await init();
    this.stop();
    await new Promise<void>((resolve, reject) => {
      const janus = new Janus({
        server: grant.janusUrl,
        token: grant.token,
        success: () => {
          this.onPhase('session');
          janus.attach({
            plugin: 'janus.plugin.streaming',
            success: (handle: FeedPlayer['handle']) => {
              this.handle = handle;
              this.onPhase('attached');
              handle!.send({ message: { request: 'watch', id: Number(grant.mountpointId) } });
            },
            error: (err: unknown) => reject(new Error(`attach failed: ${String(err)}`)),
            onmessage: (msg: { error?: string }, jsep?: object) => {
              if (msg.error) {
                this.onStatus(`The stream is unavailable: ${msg.error}`);
                return;
              }
              if (!jsep) return;
              this.onPhase('offer');
              this.handle!.createAnswer({
                jsep,
                tracks: [
                  { type: 'audio', capture: false, recv: true },
                  { type: 'video', capture: false, recv: true },
                ],
                success: (answer: object) => {
                  this.onPhase('answer');
                  this.handle!.send({ message: { request: 'start' }, jsep: answer });
                  resolve();
                },
                error: (err: unknown) => reject(new Error(`WebRTC answer failed: ${String(err)}`)),
              });
            },
            iceState: (state: string) => {
              if (state === 'connected' || state === 'completed') this.onPhase('ice-connected');
            },
            webrtcState: (up: boolean) => {
              if (up) this.onPhase('webrtc-up');
            },
            onremotetrack: (track: MediaStreamTrack, _mid: string, on: boolean) => {
              if (on) {
                if (track.kind === 'video') this.onPhase('track');
                for (const t of this.stream.getTracks().filter((x) => x.kind === track.kind)) this.stream.removeTrack(t);
                this.stream.addTrack(track);
                void this.video.play().catch(() => undefined);
              } else {
                this.stream.removeTrack(track);
              }
            },
            oncleanup: () => this.onStatus('The stream ended.'),
          });
        },
        error: (err: unknown) => reject(new Error(`Janus: ${String(err)}`)),
        destroyed: () => this.onStatus('Disconnected from the media server.'),
      });
      this.janus = janus;
    });
  }

  /** What the browser decoded so far (tests and the QoS reporter read this). */
  async stats(): Promise<VideoStats> {
    const pc = this.handle?.webrtcStuff.pc;
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

  stop(): void {
    this.handle?.hangup();
    this.handle = undefined;
    this.janus?.destroy({ cleanupHandles: true });
    this.janus = undefined;
  }
}
