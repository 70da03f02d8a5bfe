import { useMutation, useQuery } from '@apollo/client/react';
import { MyPartiesDocument, SignOutDocument, VrLobbyDocument, friendlyError, type EventCardFragment } from '@frontrow/sdk';
import { useEffect, useState, type ReactNode } from 'react';
import { Link } from 'react-router';
import { useSession, useVr } from '../app/context';

const when = (iso: string) => new Date(iso).toLocaleString(undefined, { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });

function GamePanel({ game, hasPass }: { game: EventCardFragment; hasPass: boolean }): ReactNode {
  const { config } = useVr();
  const buy = `${config.webUrl.replace(/\/+$/, '')}/events/${game.id}`;
  return (
    <article className={`panel ${hasPass ? 'has-pass' : ''}`} aria-labelledby={`game-${game.id}`}>
      <h3 id={`game-${game.id}`}>
        <Link to={`/games/${game.id}`}>{game.title}</Link>
      </h3>
      <p className="meta">
        {game.status === 'LIVE' ? <span className="live">Live</span> : when(game.startsAt)} · {game.venue.name}, {game.venue.city}
      </p>
      {hasPass ? (
        <p className="pass">
          <span aria-hidden="true">✓ </span>You have a pass
        </p>
      ) : (
        <p className="no-pass">
          No pass yet. Passes are sold on the web, not in the headset: <a href={buy}>{buy}</a>
        </p>
      )}
    </article>
  );
}

/** After pairing: live and upcoming games as panels, the fan's passes marked, their parties. */
export function LobbyPage(): ReactNode {
  const { sdk } = useVr();
  const session = useSession();
  // Fixed once per visit: new variables on every render would query again and again.
  const [variables] = useState(() => ({ live: { status: 'LIVE' as const }, upcoming: { status: 'SCHEDULED' as const, from: new Date(Date.now() - 6 * 3600_000).toISOString() } }));
  const { data, loading, error } = useQuery(VrLobbyDocument, { variables, fetchPolicy: 'cache-and-network' });
  const parties = useQuery(MyPartiesDocument, { fetchPolicy: 'cache-and-network' });
  const [signOut] = useMutation(SignOutDocument);
  useEffect(() => {
    document.title = 'Lobby · FrontRow VR';
  }, []);
  const passes = new Set((data?.myEntitlements ?? []).map((e) => e.event?.id).filter(Boolean));
  const live = data?.live.edges.map((e) => e.node) ?? [];
  const upcoming = data?.upcoming.edges.map((e) => e.node) ?? [];
  const unpair = async () => {
    const refreshToken = sdk.session.current?.refreshToken;
    if (refreshToken) await signOut({ variables: { refreshToken } }).catch(() => undefined);
    sdk.session.set(null);
    await sdk.apollo.clearStore();
  };

  return (
    <section className="lobby" aria-labelledby="lobby-heading">
      <header className="bar">
        <h1 id="lobby-heading">Lobby</h1>
        <p>
          Signed in as {session?.user?.displayName ?? 'a paired fan'}{' '}
          <button type="button" className="secondary" onClick={() => void unpair()}>
            Unpair this headset
          </button>
        </p>
      </header>
      {error && !data && <p role="alert">{friendlyError(error)}</p>}
      {loading && !data && <p role="status">Loading the games…</p>}
      {(parties.data?.myParties.length ?? 0) > 0 && (
        <section aria-labelledby="parties-heading">
          <h2 id="parties-heading">Your parties</h2>
          <ul className="panels">
            {parties.data!.myParties.map((p) => (
              <li key={p.id} className="panel">
                <Link to={`/games/${p.event.id}?party=${p.id}`}>Party for {p.event.title}</Link>
                <p className="meta">
                  Hosted by {p.host.displayName} · {p.members.filter((m) => m.online).length} online
                </p>
              </li>
            ))}
          </ul>
        </section>
      )}
      {data && (
        <>
          <section aria-labelledby="live-heading">
            <h2 id="live-heading">Live now</h2>
            {live.length ? (
              <div className="panels">
                {live.map((g) => (
                  <GamePanel key={g.id} game={g} hasPass={passes.has(g.id)} />
                ))}
              </div>
            ) : (
              <p>No game is live right now.</p>
            )}
          </section>
          <section aria-labelledby="upcoming-heading">
            <h2 id="upcoming-heading">Upcoming</h2>
            {upcoming.length ? (
              <div className="panels">
                {upcoming.map((g) => (
                  <GamePanel key={g.id} game={g} hasPass={passes.has(g.id)} />
                ))}
              </div>
            ) : (
              <p>Nothing scheduled yet.</p>
            )}
          </section>
        </>
      )}
    </section>
  );
}
