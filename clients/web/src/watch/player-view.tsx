import { useApolloClient } from '@apollo/client/react';
import { PlaybackDocument, errorCode } from '@frontrow/sdk';
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { useSdk } from '../app/context';
import { FeedPlayer, type Grant, type VideoStats } from '@frontrow/sdk/src/player/janus-player';
import { SphereView, type Projection } from '@frontrow/sdk/src/player/sphere';
import { TelemetryReporter } from '@frontrow/sdk/src/player/telemetry';

export interface PlayerFeed {
  id: string;
  label: string;
  projection: string;
}

interface TestHooks {
  stats(): Promise<VideoStats>;
  look(lon: number, lat: number): void;
  timeToFirstFrame(): number | null;
  phases(): Record<string, number>;
}

/** Calls back once the video element presents its first frame. */
function whenFirstFrame(video: HTMLVideoElement, cb: () => void): void {
  const v = video as HTMLVideoElement & { requestVideoFrameCallback?: (f: () => void) => number };
  if (v.requestVideoFrameCallback) v.requestVideoFrameCallback(() => cb());
  else video.addEventListener('loadeddata', () => cb(), { once: true });
}

/**
 * The 360 player of a feed: asks for the playback grant, plays it from Janus on a
 * sphere (drag to look around), renews the grant before it expires, and reports QoS.
 * Switching `feed` changes seat without reloading the page.
 */
export function Player360({ feed, eventId }: { feed: PlayerFeed; eventId: string }): ReactNode {
  const apollo = useApolloClient();
  const { sdk, config } = useSdk();
  const stage = useRef<HTMLDivElement>(null);
  const videoRef = useRef<HTMLVideoElement>(null);
  const view = useRef<SphereView | null>(null);
  const player = useRef<FeedPlayer | null>(null);
  const [status, setStatus] = useState('Connecting…');

  // One sphere and one Janus player for the page's life.
  useEffect(() => {
    const video = videoRef.current!;
    view.current = new SphereView(stage.current!, video);
    const timings: { grantRequested?: number; firstFrame?: number; phases: Record<string, number> } = { phases: {} };
    player.current = new FeedPlayer(video, setStatus, (phase) => {
      if (timings.grantRequested !== undefined) timings.phases[phase] ??= performance.now() - timings.grantRequested;
    });
    (player.current as unknown as { timings: typeof timings }).timings = timings;
    const hooks: TestHooks = {
      stats: () => player.current!.stats(),
      look: (lon, lat) => view.current?.look(lon, lat),
      timeToFirstFrame: () => (timings.firstFrame && timings.grantRequested ? timings.firstFrame - timings.grantRequested : null),
      phases: () => ({ ...timings.phases }),
    };
    (window as unknown as { frontrow?: TestHooks }).frontrow = hooks;
    return () => {
      player.current?.stop();
      view.current?.dispose();
      player.current = null;
      view.current = null;
      delete (window as unknown as { frontrow?: TestHooks }).frontrow;
    };
  }, []);

  // Each feed: a grant, the stream, renewals, QoS.
  useEffect(() => {
    let cancelled = false;
    let renewal: number | undefined;
    let statsTimer: number | undefined;
    const video = videoRef.current!;
    const qos = new TelemetryReporter({ gatewayUrl: config.gatewayUrl, eventId, feedId: feed.id, token: () => sdk.session.current?.accessToken ?? null });
    const timings = (player.current as unknown as { timings: { grantRequested?: number; firstFrame?: number; phases: Record<string, number> } }).timings;
    const onWaiting = () => qos.record('REBUFFER', 1);
    video.addEventListener('waiting', onWaiting);

    const fetchGrant = async (): Promise<Grant | null> => {
      const r = await apollo.query({ query: PlaybackDocument, variables: { id: feed.id }, fetchPolicy: 'network-only' });
      if (r.error) throw r.error;
      return r.data?.feed?.playback ?? null;
    };

    const start = async () => {
      setStatus(`Connecting to ${feed.label}…`);
      timings.grantRequested = performance.now();
      timings.firstFrame = undefined;
      timings.phases = {};
      const grant = await fetchGrant();
      if (cancelled) return;
      timings.phases.grant = performance.now() - timings.grantRequested;
      if (!grant) {
        setStatus(`${feed.label} is not live right now.`);
        return;
      }
      view.current!.show(feed.projection as Projection);
      whenFirstFrame(video, () => {
        timings.firstFrame = performance.now();
        qos.record('STARTUP_TIME', timings.firstFrame - timings.grantRequested!);
      });
      await player.current!.play(grant);
      if (cancelled) return;
      setStatus(`Watching ${feed.label}. Drag to look around.`);
      let lastBytes = 0;
      let lastAt = performance.now();
      statsTimer = window.setInterval(async () => {
        const s = await player.current?.stats();
        if (!s) return;
        const now = performance.now();
        if (lastBytes && s.bytesReceived >= lastBytes) qos.record('BITRATE', ((s.bytesReceived - lastBytes) * 8) / (now - lastAt));
        lastBytes = s.bytesReceived;
        lastAt = now;
      }, 5_000);
      // Renew before the grant expires: the same Janus token is extended, no reconnect.
      const renew = (expiresAt: string) => {
        const inMs = Math.max(5_000, (Date.parse(expiresAt) - Date.now()) * 0.7);
        renewal = window.setTimeout(async () => {
          const next = await fetchGrant().catch(() => null);
          if (cancelled) return;
          if (next) renew(next.expiresAt);
          else setStatus('Your access to this feed ended.');
        }, inMs);
      };
      renew(grant.expiresAt);
    };

    start().catch((err: unknown) => {
      if (cancelled) return;
      qos.record('ERROR', 1);
      const code = errorCode(err);
      setStatus(
        code === 'FORBIDDEN'
          ? 'You need a pass for this game to watch it.'
          : code === 'NOT_FOUND'
            ? 'This feed does not exist.'
            : err instanceof Error && /Janus|WebRTC|attach/.test(err.message)
              ? 'The video server cannot be reached right now. Try again in a moment.'
              : 'The video could not start. Try again in a moment.',
      );
    });
    return () => {
      cancelled = true;
      clearTimeout(renewal);
      clearInterval(statsTimer);
      video.removeEventListener('waiting', onWaiting);
      qos.stop();
    };
  }, [feed.id, feed.label, feed.projection, eventId, apollo, config.gatewayUrl, sdk]);

  return (
    <div className="player">
      <div ref={stage} className="stage" aria-label={`360° view of ${feed.label}: drag to look around`} role="img" />
      <video ref={videoRef} playsInline muted autoPlay hidden />
      <p id="status" role="status" aria-live="polite">
        {status}
      </p>
    </div>
  );
}
