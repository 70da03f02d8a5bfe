import { useApolloClient, useMutation, useQuery, useSubscription } from '@apollo/client/react';
import { CombinedGraphQLErrors } from '@apollo/client';
import {
  ClockSync,
  ControlPlaybackDocument,
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
  withMessage,
  type ChatFieldsFragment,
  type MemberFieldsFragment,
  type PartyQuery,
  type PlaybackCommand,
  type PlaybackFieldsFragment,
} from '@frontrow/sdk';
import { TimelinePlayer } from '@frontrow/sdk/src/player/timeline';
import { useEffect, useMemo, useRef, useState } from 'react';

export interface ReactionArrival {
  emoji: string;
  by: string;
  count: number;
}

export interface PartyState {
  party: NonNullable<PartyQuery['party']> | null;
  loading: boolean;
  error: unknown;
  members: MemberFieldsFragment[];
  messages: ChatFieldsFragment[];
  playback: PlaybackFieldsFragment | null;
  engine: SyncEngine;
  timeline: TimelinePlayer;
  kicked: boolean;
  command(cmd: PlaybackCommand): Promise<void>;
  react(emoji: string): Promise<void>;
  say(body: string): Promise<void>;
}

/**
 * A party as the headset follows it: the party loaded, its events over graphql-ws
 * (members, chat, reactions, playback), and the shared position kept by the SDK's sync
 * engine on a timeline (a live WebRTC feed cannot be seeked: the timeline is the
 * party's clock, the video plays beside it). `onFeedChange` hears a SWITCH_FEED from
 * anyone; `onReaction` every reaction, this fan's own included.
 */
export function useParty(
  partyId: string | null,
  hooks: { me: string | undefined; onFeedChange(feedId: string | null): void; onReaction(r: ReactionArrival): void },
): PartyState {
  const apollo = useApolloClient();
  // Asked again every 30 s: what a subscription missed (before it started, across a reconnect) is made good.
  const { data, loading, error } = useQuery(PartyDocument, { variables: { id: partyId ?? '' }, skip: !partyId, fetchPolicy: 'network-only', pollInterval: 30_000 });
  const party = data?.party ?? null;
  const [members, setMembers] = useState<MemberFieldsFragment[]>([]);
  const [messages, setMessages] = useState<ChatFieldsFragment[]>([]);
  const [playback, setPlayback] = useState<PlaybackFieldsFragment | null>(null);
  const [kicked, setKicked] = useState(false);
  const latest = useRef(hooks);
  latest.current = hooks;

  const timeline = useMemo(() => new TimelinePlayer(), []);
  const clock = useMemo(() => new ClockSync(), []);
  const engine = useMemo(() => new SyncEngine(timeline, clock, { onFeedChange: (feedId) => latest.current.onFeedChange(feedId) }), [timeline, clock]);

  useEffect(() => {
    if (!party) return;
    setMembers(party.members);
    setMessages([...party.recentMessages]);
    setPlayback(party.playback);
    engine.update(party.playback);
  }, [party, engine]);

  // Clock sync (a few serverTime round trips, one every 30 s) and the engine's ticks.
  useEffect(() => {
    if (!partyId) return;
    let stop = false;
    const sample = () => clock.measure(async () => (await apollo.query({ query: ServerTimeDocument, fetchPolicy: 'network-only' })).data!.serverTime.epochMs);
    void (async () => {
      for (let i = 0; i < 5 && !stop; i++) await sample().catch(() => null);
    })();
    const again = setInterval(() => void sample().catch(() => null), 30_000);
    const ticker = setInterval(() => engine.tick(), 200);
    return () => {
      stop = true;
      clearInterval(again);
      clearInterval(ticker);
    };
  }, [partyId, apollo, clock, engine]);

  useSubscription(PartyEventsDocument, {
    variables: { partyId: partyId ?? '' },
    skip: !party || kicked,
    onData: ({ data: { data: next } }) => {
      const e = next?.partyEvents;
      if (!e) return;
      // Members and chat change as the SDK says; playback, a kick and reactions are the venue's.
      setMembers((ms) => membersAfter(ms, e));
      setMessages((ms) => messagesAfter(ms, e, 50));
      if (e.__typename === 'PlaybackChanged' && engine.update(e.state)) setPlayback(e.state);
      if (kicksMe(e, latest.current.me)) {
        setKicked(true);
        timeline.pause();
      }
      if (e.__typename === 'ReactionSent') latest.current.onReaction({ emoji: e.emoji, by: e.by.displayName, count: e.count });
    },
  });
  const [control] = useMutation(ControlPlaybackDocument);
  const [sendReaction] = useMutation(ReactDocument);
  const [send] = useMutation(SendChatMessageDocument);

  const command = async (cmd: PlaybackCommand) => {
    if (!partyId) return;
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const r = await control({ variables: { partyId, command: cmd, expectedVersion: engine.state?.version ?? 0 } });
        if (engine.update(r.data!.controlPlayback)) setPlayback(r.data!.controlPlayback);
        return;
      } catch (err) {
        // Someone changed it first: take theirs and try once more from it.
        const current = CombinedGraphQLErrors.is(err) ? (err.errors[0]?.extensions?.current as PlaybackFieldsFragment | undefined) : undefined;
        if (errorCode(err) === 'CONFLICT' && current && attempt === 0) {
          if (engine.update(current)) setPlayback(current);
          continue;
        }
        throw err;
      }
    }
  };

  return {
    party,
    loading,
    error,
    members,
    messages,
    playback,
    engine,
    timeline,
    kicked,
    command,
    react: async (emoji) => {
      if (partyId) await sendReaction({ variables: { partyId, emoji } });
    },
    say: async (body) => {
      if (!partyId) return;
      const r = await send({ variables: { partyId, body } });
      const posted = r.data!.sendChatMessage;
      setMessages((ms) => withMessage(ms, posted, 50));
    },
  };
}
