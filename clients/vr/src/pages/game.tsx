import { useApolloClient, useMutation, useQuery } from '@apollo/client/react';
import { CreatePartyDocument, MeDocument, VrGameDocument, friendlyError, type VrGameQuery } from '@frontrow/sdk';
import { FeedWatcher, fetchPlaybackGrant, watchStatusText, type WatchWords } from '@frontrow/sdk/src/player/feed-watcher';
import { FeedPlayer, type VideoStats } from '@frontrow/sdk/src/player/janus-player';
import type { Projection } from '@frontrow/sdk/src/player/sphere';
import { TelemetryReporter } from '@frontrow/sdk/src/player/telemetry';
import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { useSession, useVr } from '../app/context';
import { useParty } from '../app/party';
import { REACTIONS } from '../scene/party-panel';
import { VrStage } from '../scene/stage';

type Game = NonNullable<VrGameQuery['event']>;

/** What browser tests and the benchmark read from the page (`window.frontrowVr`). */
export interface VrTestHooks {
  look(lon: number, lat: number): void;
  boards(): ReturnType<VrStage['boardRects']>;
  seats(): ReturnType<VrStage['seats']['worldSpots']>;
  reactions(): string[];
  xr(): { presenting: boolean; views: number; xrFrames: number };
  frames(): { work: number[]; interval: number[] };
  resetFrames(): void;
  impressions(): string[];
  feed(): string | null;
  stats(): Promise<VideoStats>;
  flushTelemetry(): Promise<void>;
  timeToFirstFrame(): number | null;
}

declare global {
  interface Window {
    frontrowVr?: VrTestHooks;
  }
}

/** The headset's words for the player's statuses (the rest are the SDK's, shared with the portal). */
const WORDS: WatchWords = {
  connecting: (label) => `Taking your seat: ${label}…`,
  watching: (label) => `Watching from ${label}. Look around, or Enter VR.`,
  forbidden: 'You need a pass for this game to watch it: passes are sold on the web.',
};

const reactionName = (emoji: string) => REACTIONS.find((r) => r.emoji === emoji)?.name ?? 'Reaction';

export function GamePage(): ReactNode {
  const { eventId = '' } = useParams();
  const [params] = useSearchParams();
  // The manifest's URLs expire and its placements change: ask again every few minutes.
  const { data, loading, error } = useQuery(VrGameDocument, { variables: { id: eventId }, pollInterval: 5 * 60_000 });
  const game = data?.event;
  useEffect(() => {
    if (game) document.title = `${game.title} · FrontRow VR`;
  }, [game]);

  if (!game && loading) return <p role="status">Loading the game…</p>;
  if (!game) return <p role="alert">{error ? friendlyError(error) : 'This game does not exist.'}</p>;
  return <Venue game={game} partyId={params.get('party')} />;
}

function Venue({ game, partyId }: { game: Game; partyId: string | null }): ReactNode {
  const apollo = useApolloClient();
  const { sdk, config } = useVr();
  const session = useSession();
  // A session handed over without its user (the live-360 test's) asks who it is.
  const who = useQuery(MeDocument, { skip: !!session?.user });
  const me = session?.user?.id ?? who.data?.me?.id;
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const canvasHost = useRef<HTMLDivElement>(null);
  const buttonHost = useRef<HTMLDivElement>(null);
  const videoRef = useRef<HTMLVideoElement>(null);
  const stage = useRef<VrStage | null>(null);
  const player = useRef<FeedPlayer | null>(null);
  const reporter = useRef<TelemetryReporter | null>(null);
  const timings = useRef<{ grantRequested?: number; firstFrame?: number }>({});
  const [status, setStatus] = useState('Taking your seat…');
  const [actionError, setActionError] = useState<unknown>(null);
  const [createParty, creating] = useMutation(CreatePartyDocument);

  const buyUrl = `${config.webUrl.replace(/\/+$/, '')}/events/${game.id}`;
  const fallback = game.feeds.find((f) => f.isDefault) ?? game.feeds[0];
  const [seat, setSeat] = useState<string | null>(params.get('seat'));
  const party = useParty(partyId, {
    me,
    onFeedChange: (feedId) => feedId && setSeat(feedId),
    onReaction: (r) => {
      const s = stage.current;
      s?.reactions.spawn(r.emoji, reactionName(r.emoji), r.by, s.viewCamera, performance.now());
      s?.invalidate();
    },
  });
  const feedId = (partyId ? party.playback?.feed?.id : null) ?? seat ?? fallback?.id ?? null;
  const feed = game.feeds.find((f) => f.id === feedId) ?? fallback;

  const chooseSeat = (id: string) => {
    setActionError(null);
    if (partyId) {
      // In a party a seat jump is the party's: everyone's engine follows the SWITCH_FEED.
      party.command({ action: 'SWITCH_FEED', feedId: id }).catch(setActionError);
      return;
    }
    setSeat(id);
    const next = new URLSearchParams(params);
    next.set('seat', id);
    setParams(next, { replace: true });
  };
  const onAction = useRef<(action: string) => void>(() => undefined);
  onAction.current = (action) => {
    if (action.startsWith('seat:')) chooseSeat(action.slice(5));
    else if (action === 'play') party.command({ action: 'PLAY' }).catch(setActionError);
    else if (action === 'pause') party.command({ action: 'PAUSE' }).catch(setActionError);
    else if (action.startsWith('react:')) party.react(action.slice(6)).catch(setActionError);
  };

  // One stage, one Janus player and one telemetry reporter for the page's life.
  useEffect(() => {
    const video = videoRef.current!;
    const impressions: string[] = [];
    const report = new TelemetryReporter({ gatewayUrl: config.gatewayUrl, eventId: game.id, token: () => sdk.session.current?.accessToken ?? null });
    const s = new VrStage(canvasHost.current!, buttonHost.current!, video, {
      onAction: (a) => onAction.current(a),
      onImpression: (placementId) => {
        impressions.push(placementId);
        report.record('IMPRESSION', 1, { placementId });
      },
    });
    const p = new FeedPlayer(video);
    stage.current = s;
    player.current = p;
    reporter.current = report;
    window.frontrowVr = {
      look: (lon, lat) => s.controls.look(lon, lat),
      boards: () => s.boardRects(),
      seats: () => s.seats.worldSpots(),
      reactions: () => s.reactions.visible(),
      xr: () => ({ presenting: s.presenting, views: s.views, xrFrames: s.xrFrames }),
      frames: () => s.stats.samples(),
      resetFrames: () => s.stats.reset(),
      impressions: () => [...impressions],
      feed: () => null,
      stats: () => p.stats(),
      flushTelemetry: () => report.flush(),
      timeToFirstFrame: () => (timings.current.firstFrame && timings.current.grantRequested ? timings.current.firstFrame - timings.current.grantRequested : null),
    };
    return () => {
      p.stop();
      report.stop();
      s.dispose();
      stage.current = null;
      player.current = null;
      reporter.current = null;
      delete window.frontrowVr;
    };
  }, [config.gatewayUrl, game.id, sdk]);

  // The seat: its grant, the stream on the sphere, renewals, reconnection, QoS.
  const feedKey = feed ? `${feed.id}\n${feed.label}\n${feed.projection}` : '';
  useEffect(() => {
    if (!feed) return;
    let cancelled = false;
    const video = videoRef.current!;
    const report = reporter.current!;
    report.setFeed(feed.id);
    if (window.frontrowVr) window.frontrowVr.feed = () => feed.id;
    stage.current!.showFeed(feed.projection as Projection);
    stage.current!.seats.select(feed.id);
    const onWaiting = () => report.record('REBUFFER', 1);
    video.addEventListener('waiting', onWaiting);
    timings.current = { grantRequested: performance.now() };
    const began = timings.current.grantRequested!;
    const watcher = new FeedWatcher({
      player: player.current!,
      fetchGrant: () => fetchPlaybackGrant(apollo, feed.id),
      // The seat's first grant: its startup time ends at the first frame.
      onFirstGrant: () =>
        video.requestVideoFrameCallback?.(() => {
          if (cancelled) return;
          timings.current.firstFrame = performance.now();
          report.record('STARTUP_TIME', timings.current.firstFrame - began);
        }),
      onStatus: (s) => setStatus(watchStatusText(s, feed.label, WORDS)),
      onFailure: () => report.record('ERROR', 1),
    });
    watcher.start();
    let last = { bytes: 0, dropped: 0, at: performance.now() };
    const statsTimer = setInterval(async () => {
      const st = await player.current?.stats();
      if (!st || cancelled) return;
      const now = performance.now();
      // A new connection counts from zero: that interval is skipped.
      const sameConnection = st.bytesReceived >= last.bytes;
      if (last.bytes && sameConnection) report.record('BITRATE', ((st.bytesReceived - last.bytes) * 8) / (now - last.at));
      if (sameConnection && st.framesDropped > last.dropped) report.record('FRAME_DROP', st.framesDropped - last.dropped);
      last = { bytes: st.bytesReceived, dropped: st.framesDropped, at: now };
    }, 5_000);
    return () => {
      cancelled = true;
      watcher.stop();
      clearInterval(statsTimer);
      video.removeEventListener('waiting', onWaiting);
    };
    // Keyed by the feed's content, not by the object a refetch replaces.
  }, [feedKey, apollo]);

  // The seat map: the event's feeds around the court.
  useEffect(() => {
    stage.current?.seats.show(
      game.feeds.map((f) => ({ id: f.id, label: f.label })),
      feed?.id ?? null,
    );
    stage.current?.invalidate();
  }, [game.feeds, feed?.id]);

  // The boards, from the manifest (images are loaded once per asset).
  useEffect(() => {
    stage.current?.boards.show(game.adManifest.version, game.adManifest.placements);
  }, [game.adManifest]);

  // The party panel in the scene.
  const p = party.party;
  const canControl = !!p && (p.host.id === me || p.controlMode === 'EVERYONE');
  const playing = party.playback?.playing ?? false;
  useEffect(() => {
    stage.current?.party.draw(
      p && !party.kicked
        ? {
            title: game.title,
            inviteCode: p.inviteCode,
            members: party.members.map((m) => ({ name: m.user.displayName, online: m.online, host: m.role === 'HOST' })),
            lines: party.messages.slice(-5).map((m) => ({ author: m.author.displayName, body: m.body })),
            playing,
            canControl,
          }
        : null,
    );
    stage.current?.invalidate();
  }, [p, party.members, party.messages, party.kicked, playing, canControl, game.title]);

  const startParty = async () => {
    setActionError(null);
    try {
      const r = await createParty({ variables: { eventId: game.id, feedId: feed?.id } });
      navigate(`/games/${game.id}?party=${r.data!.createParty.id}`, { replace: true });
    } catch (err) {
      setActionError(err);
    }
  };
  const say = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const input = e.currentTarget.elements.namedItem('message') as HTMLInputElement;
    const body = input.value.trim();
    if (!body) return;
    try {
      await party.say(body);
      input.value = '';
    } catch (err) {
      setActionError(err);
    }
  };

  return (
    <section className="game" aria-labelledby="game-heading">
      <h1 id="game-heading">{game.title}</h1>
      <p className="meta">
        {game.venue.name}, {game.venue.city}
      </p>
      {!game.viewerEntitlement && (
        // Media's grant decides who sees the video; this only says where passes are sold.
        <p className="note">
          No pass for this game yet? Passes are sold on the web, not in the headset: <a href={buyUrl}>{buyUrl}</a>
        </p>
      )}
      <div className="stage">
        <div ref={canvasHost} className="canvas-host" role="img" aria-label={`The venue in 360° from ${feed?.label ?? 'your seat'}: drag to look around, or Enter VR`} />
        <div ref={buttonHost} className="vr-button" />
      </div>
      <video ref={videoRef} playsInline muted autoPlay hidden />
      <p id="status" role="status" aria-live="polite">
        {status}
      </p>
      {actionError ? (
        <p role="alert">{friendlyError(actionError, { forbidden: 'Only the host can do that.', conflict: 'Someone else changed the playback first. Try again.' })}</p>
      ) : null}
      <div role="group" aria-label="Seats" className="seats">
        {game.feeds.map((f) => (
          <button key={f.id} type="button" aria-pressed={f.id === feed?.id} onClick={() => chooseSeat(f.id)}>
            {f.label}
          </button>
        ))}
      </div>
      {partyId ? (
        party.kicked ? (
          <p role="alert">The host removed you from this party.</p>
        ) : p ? (
          <section className="party" aria-labelledby="party-heading">
            <h2 id="party-heading">Party</h2>
            <p>
              Invite code <code>{p.inviteCode}</code>: friends join on the web. {playing ? 'Playing' : 'Paused'}.
            </p>
            <ul className="members" aria-label="Members">
              {party.members.map((m) => (
                <li key={m.user.id}>
                  <span className={`dot ${m.online ? 'on' : 'off'}`} role="img" aria-label={m.online ? 'online' : 'offline'} /> {m.user.displayName}
                  {m.role === 'HOST' ? ' (host)' : ''}
                </li>
              ))}
            </ul>
            <div className="chat" role="log" aria-label="Conversation">
              <ol>
                {party.messages.slice(-8).map((m) => (
                  <li key={m.id}>
                    <strong>{m.author.displayName}</strong> {m.body}
                  </li>
                ))}
              </ol>
            </div>
            <form onSubmit={(e) => void say(e)} aria-label="Chat">
              <label>
                Message <input name="message" maxLength={500} autoComplete="off" />
              </label>
              <button type="submit">Send</button>
            </form>
            <div role="group" aria-label="Reactions" className="reactions">
              {REACTIONS.map((r) => (
                <button key={r.name} type="button" onClick={() => onAction.current(`react:${r.emoji}`)}>
                  {r.name}
                </button>
              ))}
            </div>
            {canControl && (
              <div role="group" aria-label="Playback controls">
                <button type="button" onClick={() => onAction.current('play')}>
                  Play
                </button>
                <button type="button" onClick={() => onAction.current('pause')}>
                  Pause
                </button>
              </div>
            )}
          </section>
        ) : (
          <p role="status">{party.error ? friendlyError(party.error, { notFound: 'This party does not exist, or you are not in it.' }) : 'Joining the party…'}</p>
        )
      ) : (
        <p>
          <button type="button" onClick={() => void startParty()} disabled={creating.loading}>
            Start a party
          </button>
        </p>
      )}
      <p>
        <Link to="/">Back to the lobby</Link>
      </p>
    </section>
  );
}
