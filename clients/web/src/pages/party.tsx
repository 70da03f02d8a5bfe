import { useApolloClient, useMutation, useQuery, useSubscription } from '@apollo/client/react';
import {
  ClockSync,
  ControlPlaybackDocument,
  KickMemberDocument,
  LeavePartyDocument,
  PartyDocument,
  PartyEventsDocument,
  ReactDocument,
  SendChatMessageDocument,
  ServerTimeDocument,
  SyncEngine,
  errorCode,
  kicksMe,
  membersAfter,
  messagesAfter,
  onReconnected,
  withMessage,
  sharedPosition,
  type ChatFieldsFragment,
  type MemberFieldsFragment,
  type PlaybackCommand,
  type PlaybackFieldsFragment,
} from '@frontrow/sdk';
import { CombinedGraphQLErrors } from '@apollo/client';
import { useEffect, useMemo, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { useSdk, useSession } from '../app/context';
import { ErrorMessage, Loading, useTitle } from '../app/ui';
import { Player360 } from '../watch/player-view';
import { TimelinePlayer } from '@frontrow/sdk/src/player/timeline';

const REACTIONS = [
  { emoji: '👏', name: 'Clap' },
  { emoji: '🎉', name: 'Cheer' },
  { emoji: '😮', name: 'Wow' },
  { emoji: '😂', name: 'Laugh' },
  { emoji: '❤️', name: 'Love' },
];

interface PartyHooks {
  /** The timeline's position, and where the shared state says it should be now (both ms). */
  sample(): { positionMs: number; sharedMs: number; playing: boolean; version: number } | null;
}

function clock(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  return `${Math.floor(s / 60)}:${(s % 60).toFixed(1).padStart(4, '0')}`;
}

export function PartyPage(): ReactNode {
  const { id = '' } = useParams();
  const session = useSession();
  const me = session?.user?.id;
  const navigate = useNavigate();
  const apollo = useApolloClient();
  const { data, loading, error, refetch } = useQuery(PartyDocument, { variables: { id }, fetchPolicy: 'network-only' });
  const party = data?.party;
  const { sdk } = useSdk();
  // The socket came back (a gateway restarted): read the party again, for what its events missed meanwhile.
  useEffect(() => (sdk.ws ? onReconnected(sdk.ws, () => void refetch().catch(() => null)) : undefined), [sdk, refetch]);
  useTitle(party ? `Party: ${party.event.title}` : 'Party');

  const [members, setMembers] = useState<MemberFieldsFragment[]>([]);
  const [messages, setMessages] = useState<ChatFieldsFragment[]>([]);
  const [reactions, setReactions] = useState<Array<{ key: number; emoji: string; by: string; count: number }>>([]);
  const [playback, setPlayback] = useState<PlaybackFieldsFragment | null>(null);
  const [kicked, setKicked] = useState(false);
  const [actionError, setActionError] = useState<unknown>(null);
  const [, setFrame] = useState(0);

  const timeline = useMemo(() => new TimelinePlayer(), []);
  const clockSync = useMemo(() => new ClockSync(), []);
  const engine = useMemo(() => new SyncEngine(timeline, clockSync), [timeline, clockSync]);

  // The party as loaded: members, messages, the shared playback.
  useEffect(() => {
    if (!party) return;
    setMembers(party.members);
    setMessages([...party.recentMessages]);
    setPlayback(party.playback);
    engine.update(party.playback);
  }, [party, engine]);

  // Clock sync: a few serverTime round trips; the engine waits for the first.
  useEffect(() => {
    let stop = false;
    const sample = () => clockSync.measure(async () => (await apollo.query({ query: ServerTimeDocument, fetchPolicy: 'network-only' })).data!.serverTime.epochMs);
    void (async () => {
      for (let i = 0; i < 5 && !stop; i++) await sample().catch(() => null);
    })();
    const again = window.setInterval(() => void sample().catch(() => null), 30_000);
    const ticker = window.setInterval(() => {
      engine.tick();
      setFrame((n) => (n + 1) % 1_000_000);
    }, 100);
    (window as unknown as { frontrowParty?: PartyHooks }).frontrowParty = {
      sample: () =>
        engine.state
          ? { positionMs: timeline.currentTimeMs(), sharedMs: sharedPosition(engine.state, clockSync.serverNow()), playing: engine.state.playing, version: engine.state.version }
          : null,
    };
    return () => {
      stop = true;
      clearInterval(again);
      clearInterval(ticker);
      delete (window as unknown as { frontrowParty?: PartyHooks }).frontrowParty;
    };
  }, [apollo, clockSync, engine, timeline]);

  useSubscription(PartyEventsDocument, {
    variables: { partyId: id },
    skip: !party || kicked,
    onData: ({ data: { data: next } }) => {
      const e = next?.partyEvents;
      if (!e) return;
      // Members and chat change as the SDK says; playback, a kick and reactions are this page's.
      setMembers((ms) => membersAfter(ms, e));
      setMessages((ms) => messagesAfter(ms, e, 200));
      if (e.__typename === 'PlaybackChanged' && engine.update(e.state)) setPlayback(e.state);
      if (kicksMe(e, me)) {
        setKicked(true);
        timeline.pause();
      }
      if (e.__typename === 'ReactionSent') {
        setReactions((rs) => [...rs, { key: Date.now() + Math.random(), emoji: e.emoji, by: e.by.displayName, count: e.count }].slice(-6));
      }
    },
  });

  const [control] = useMutation(ControlPlaybackDocument);
  const [send, sending] = useMutation(SendChatMessageDocument);
  const [react] = useMutation(ReactDocument);
  const [kick] = useMutation(KickMemberDocument);
  const [leave] = useMutation(LeavePartyDocument);
  const message = useRef<HTMLInputElement>(null);

  const command = async (cmd: PlaybackCommand) => {
    setActionError(null);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const r = await control({ variables: { partyId: id, command: cmd, expectedVersion: engine.state?.version ?? 0 } });
        if (engine.update(r.data!.controlPlayback)) setPlayback(r.data!.controlPlayback);
        return;
      } catch (err) {
        // Someone else changed it first: apply theirs, and try again from it once.
        const current = CombinedGraphQLErrors.is(err) ? (err.errors[0]?.extensions?.current as PlaybackFieldsFragment | undefined) : undefined;
        if (errorCode(err) === 'CONFLICT' && current && attempt === 0) {
          engine.update(current);
          continue;
        }
        setActionError(err);
        return;
      }
    }
  };

  const seek = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const seconds = Number(new FormData(e.currentTarget).get('seek'));
    if (!Number.isFinite(seconds) || seconds < 0) return setActionError('Enter a position in seconds, 0 or more.');
    void command({ action: 'SEEK', positionMs: seconds * 1000 });
  };

  const chat = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const body = message.current!.value.trim();
    if (!body) return;
    setActionError(null);
    try {
      const r = await send({ variables: { partyId: id, body } });
      const posted = r.data!.sendChatMessage;
      setMessages((ms) => withMessage(ms, posted, 200));
      message.current!.value = '';
    } catch (err) {
      setActionError(err);
    }
  };

  if (kicked) {
    return (
      <section className="narrow">
        <h1>You were removed from this party</h1>
        <p role="alert">The host removed you from this party, so you can no longer follow it or rejoin it.</p>
        <p>
          <Link to="/">Back to the schedule</Link>
        </p>
      </section>
    );
  }
  if (!party && loading) return <Loading what="Loading the party" />;
  if (!party) return <ErrorMessage error={error ?? 'This party does not exist, or you are not in it.'} context={{ notFound: 'This party does not exist, or you are not in it.', forbidden: 'You are not in this party. Ask for its invite code.' }} />;

  const isHost = party.host.id === me;
  const canControl = isHost || party.controlMode === 'EVERYONE';
  const state = engine.state;
  const feed = party.event.feeds.find((f) => f.id === (playback?.feed?.id ?? state?.feedId)) ?? party.event.feeds.find((f) => f.isDefault);
  const inviteLink = `${location.origin}/join/${party.inviteCode}`;

  return (
    <section className="party">
      <h1>Party: {party.event.title}</h1>
      <div className="party-grid">
        <div>
          {feed && <Player360 feed={feed} eventId={party.event.id} />}
          <div className="timeline" aria-label="Party timeline">
            <output aria-label="Position">{clock(timeline.currentTimeMs())}</output> <span>{state?.playing ? 'Playing' : 'Paused'}</span>
          </div>
          {canControl && (
            <div className="controls" role="group" aria-label="Playback controls">
              <button type="button" onClick={() => void command({ action: 'PLAY' })}>
                Play
              </button>
              <button type="button" onClick={() => void command({ action: 'PAUSE' })}>
                Pause
              </button>
              <form onSubmit={seek} aria-label="Seek">
                <label>
                  Seek to (seconds)
                  <input name="seek" type="number" min={0} step="0.1" required />
                </label>
                <button type="submit">Seek</button>
              </form>
            </div>
          )}
          <div className="reactions" role="group" aria-label="Reactions">
            {REACTIONS.map((r) => (
              <button key={r.emoji} type="button" aria-label={r.name} onClick={() => void react({ variables: { partyId: id, emoji: r.emoji } }).catch(setActionError)}>
                {r.emoji}
              </button>
            ))}
          </div>
          <ul className="bursts" aria-live="polite" aria-label="Reactions sent">
            {reactions.map((r) => (
              <li key={r.key}>
                {r.emoji} {r.by}
                {r.count > 1 ? ` ×${r.count}` : ''}
              </li>
            ))}
          </ul>
          <ErrorMessage error={actionError} context={{ forbidden: 'Only the host can do that.' }} />
        </div>
        <aside>
          <dl className="invite">
            <dt>Invite code</dt>
            <dd>
              <code>{party.inviteCode}</code>
            </dd>
          </dl>
          <p>
            Invite link: <a href={inviteLink}>{inviteLink}</a>
          </p>
          <h2>Members</h2>
          <ul className="members">
            {members.map((m) => (
              <li key={m.user.id}>
                <span className={`dot ${m.online ? 'on' : 'off'}`} role="img" aria-label={m.online ? 'online' : 'offline'} /> {m.user.displayName}
                {m.role === 'HOST' && <span className="tag">host</span>}
                {isHost && m.user.id !== me && (
                  <button type="button" className="link" onClick={() => void kick({ variables: { partyId: id, userId: m.user.id } }).catch(setActionError)}>
                    Remove {m.user.displayName}
                  </button>
                )}
              </li>
            ))}
          </ul>
          <h2>Chat</h2>
          <div className="chat" role="log" aria-label="Conversation">
            <ol>
            {messages.map((m) => (
              <li key={m.id}>
                <strong>{m.author.displayName}</strong> {m.body}
              </li>
            ))}
            </ol>
          </div>
          <form onSubmit={(e) => void chat(e)} aria-label="Chat" className="chat-form">
            <label>
              Message
              <input ref={message} name="message" maxLength={500} autoComplete="off" />
            </label>
            <button type="submit" disabled={sending.loading}>
              Send
            </button>
          </form>
          <button
            type="button"
            className="secondary"
            onClick={() =>
              void leave({ variables: { partyId: id } })
                .then(() => navigate(`/events/${party.event.id}`))
                .catch(setActionError)
            }
          >
            Leave party
          </button>
        </aside>
      </div>
    </section>
  );
}
