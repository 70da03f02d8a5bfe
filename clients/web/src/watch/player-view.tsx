import { useApolloClient } from '@apollo/client/react';
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { useSdk } from '../app/context';
import { FeedWatcher, fetchPlaybackGrant, watchStatusText, type WatchStatus, type WatchWords } from '@frontrow/sdk/src/player/feed-watcher';
import { FeedPlayer, type VideoStats } from '@frontrow/sdk/src/player/janus-player';
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
  /** Where the player stands: watching, reconnecting (with its try count), a final answer. */
  watchStatus(): WatchStatus | null;
}

interface Timings {
  grantRequested?: number;
  firstFrame?: number;
  phases: Record<string, number>;
}

/** The portal's words for the player's statuses (the rest are the SDK's, shared with VR). */
const WORDS: WatchWords = {
  connecting: (label) => `Connecting to ${label}…`,
  watching: (label) => `Watching ${label}. Drag to look around.`,
  forbidden: 'You need a pass for this game to watch it.',
};

/** Calls back once the video element presents its first frame. */
function whenFirstFrame(video: HTMLVideoElement, cb: () => void): void {
  const v = video as HTMLVideoElement & { requestVideoFrameCallback?: (f: () => void) => number };
  if (v.requestVideoFrameCallback) v.requestVideoFrameCallback(() => cb());
  else video.addEventListener('loadeddata', () => cb(), { once: true });
}

/**
 * The 360 player of a feed: asks for the playback grant, plays it from Janus on a
 * sphere (drag to look around), renews the grant before it expires, connects again by
 * itself when the connection is lost (FeedWatcher), and reports QoS. Switching `feed`
 * changes seat without reloading the page.
 */
export function Player360({ feed, eventId }: { feed: PlayerFeed; eventId: string }): ReactNode {
  const apollo = useApolloClient();
  const { sdk, config } = useSdk();
  const stage = useRef<HTMLDivElement>(null);
  const videoRef = useRef<HTMLVideoElement>(null);
  const view = useRef<SphereView | null>(null);
  const player = useRef<FeedPlayer | null>(null);
  const watchStatus = useRef<WatchStatus | null>(null);
  const [status, setStatus] = useState('Connecting…');
  const [reconnecting, setReconnecting] = useState(false);

  // One sphere and one Janus player for the page's life.
  useEffect(() => {
    const video = videoRef.current!;
    view.current = new SphereView(stage.current!, video);
    const timings: Timings = { phases: {} };
    player.current = new FeedPlayer(video, (phase) => {
      if (timings.grantRequested !== undefined) timings.phases[phase] ??= performance.now() - timings.grantRequested;
    });
    (player.current as unknown as { timings: typeof timings }).timings = timings;
    const hooks: TestHooks = {
      stats: () => player.current!.stats(),
      look: (lon, lat) => view.current?.look(lon, lat),
      timeToFirstFrame: () => (timings.firstFrame && timings.grantRequested ? timings.firstFrame - timings.grantRequested : null),
      phases: () => ({ ...timings.phases }),
      watchStatus: () => watchStatus.current,
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

  // Each feed: a grant, the stream, renewals, reconnection, QoS.
  useEffect(() => {
    const video = videoRef.current!;
    const qos = new TelemetryReporter({ gatewayUrl: config.gatewayUrl, eventId, feedId: feed.id, token: () => sdk.session.current?.accessToken ?? null });
    const timings = (player.current as unknown as { timings: Timings }).timings;
    const onWaiting = () => qos.record('REBUFFER', 1);
    video.addEventListener('waiting', onWaiting);
    timings.grantRequested = performance.now();
    timings.firstFrame = undefined;
    timings.phases = {};

    const watcher = new FeedWatcher({
      player: player.current!,
      fetchGrant: () => fetchPlaybackGrant(apollo, feed.id),
      // The first grant of this feed: the sphere takes its projection, the startup time its first frame.
      onFirstGrant: () => {
        timings.phases.grant = performance.now() - timings.grantRequested!;
        view.current!.show(feed.projection as Projection);
        whenFirstFrame(video, () => {
          timings.firstFrame = performance.now();
          qos.record('STARTUP_TIME', timings.firstFrame - timings.grantRequested!);
        });
      },
      onStatus: (s) => {
        watchStatus.current = s;
        setStatus(watchStatusText(s, feed.label, WORDS));
        setReconnecting(s.kind === 'reconnecting');
      },
      onFailure: () => qos.record('ERROR', 1),
    });
    watcher.start();

    let lastBytes = 0;
    let lastAt = performance.now();
    const statsTimer = window.setInterval(async () => {
      const s = await player.current?.stats();
      if (!s) return;
      const now = performance.now();
      // A new connection counts its bytes from zero: that interval is skipped.
      if (lastBytes && s.bytesReceived >= lastBytes) qos.record('BITRATE', ((s.bytesReceived - lastBytes) * 8) / (now - lastAt));
      lastBytes = s.bytesReceived;
      lastAt = now;
    }, 5_000);

    return () => {
      watcher.stop();
      clearInterval(statsTimer);
      video.removeEventListener('waiting', onWaiting);
      qos.stop();
    };
  }, [feed.id, feed.label, feed.projection, eventId, apollo, config.gatewayUrl, sdk]);

  return (
    <div className="player">
      <div ref={stage} className="stage" aria-label={`360° view of ${feed.label}: drag to look around`} role="img" />
      {reconnecting ? (
        // Where the fan is looking; the status below is what a screen reader announces.
        <div className="stage-note" aria-hidden="true">
          {status}
        </div>
      ) : null}
      <video ref={videoRef} playsInline muted autoPlay hidden />
      <p id="status" role="status" aria-live="polite">
        {status}
      </p>
    </div>
  );
}
