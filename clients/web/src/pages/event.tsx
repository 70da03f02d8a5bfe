import { useMutation, useQuery } from '@apollo/client/react';
import { CreatePartyDocument, EventPageDocument } from '@frontrow/sdk';
import { useState, type ReactNode } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { useSession } from '../app/context';
import { ErrorMessage, Loading, money, useTitle, when } from '../app/ui';

const PROJECTIONS: Record<string, string> = { EQUIRECT_MONO: '360°', EQUIRECT_STEREO_TB: '360° 3D', FLAT: 'Flat' };

export function EventPage(): ReactNode {
  const { id = '' } = useParams();
  const session = useSession();
  const navigate = useNavigate();
  const { data, loading, error } = useQuery(EventPageDocument, { variables: { id }, fetchPolicy: 'cache-and-network' });
  const [createParty, party] = useMutation(CreatePartyDocument);
  const [partyError, setPartyError] = useState<unknown>(null);
  const event = data?.event;
  useTitle(event?.title ?? 'Game');

  if (!data && loading) return <Loading what="Loading the game" />;
  if (error && !event) return <ErrorMessage error={error} />;
  if (!event) {
    return (
      <>
        <h1>Game not found</h1>
        <p>
          This game does not exist or was removed. <Link to="/">See the schedule</Link>.
        </p>
      </>
    );
  }
  const entitled = Boolean(event.viewerEntitlement);
  const feed = event.feeds.find((f) => f.isDefault) ?? event.feeds[0];
  const watchable = event.status === 'LIVE' || event.status === 'SCHEDULED';

  const startParty = async () => {
    if (!session) return navigate(`/signin?next=/events/${event.id}`);
    setPartyError(null);
    try {
      const r = await createParty({ variables: { eventId: event.id, feedId: feed?.id ?? null } });
      navigate(`/party/${r.data!.createParty.id}`);
    } catch (e) {
      setPartyError(e);
    }
  };

  return (
    <article>
      <h1>{event.title}</h1>
      <p className="meta">
        {event.status === 'LIVE' ? <strong className="live">Live now</strong> : <time dateTime={event.startsAt}>{when(event.startsAt)}</time>} · {event.sport} ·{' '}
        {event.venue.name}, {event.venue.city}
      </p>
      {!event.title.includes(event.homeTeam) && (
        <p>
          {event.homeTeam} vs {event.awayTeam}
        </p>
      )}

      <section aria-labelledby="feeds">
        <h2 id="feeds">Seats</h2>
        <ul className="feeds">
          {event.feeds.map((f) => (
            <li key={f.id}>
              {f.label} <span className="tag">{PROJECTIONS[f.projection] ?? f.projection}</span>
              {f.isDefault && <span className="tag">default</span>}
            </li>
          ))}
        </ul>
        {event.feeds.length === 0 && <p className="empty">No seats are set up for this game yet.</p>}
      </section>

      <div className="actions">
        {entitled && feed && watchable && (
          <button type="button" onClick={() => navigate(`/watch/${feed.id}`)}>
            Watch
          </button>
        )}
        {watchable && (
          <button type="button" className="secondary" disabled={party.loading} onClick={() => void startParty()}>
            Start a party
          </button>
        )}
      </div>
      <ErrorMessage error={partyError} context={{ forbidden: 'You need a pass for this game to start a party.' }} />

      {!entitled && (
        <section aria-labelledby="passes">
          <h2 id="passes">Passes</h2>
          {event.products.length === 0 && <p className="empty">No passes are on sale for this game.</p>}
          <ul className="products">
            {event.products.map((p) => (
              <li key={p.id} className="product">
                <span className="title" id={`product-${p.id}`}>{p.name}</span>
                <span className="price">{money(p.price)}</span>
                {p.remaining !== null && p.remaining <= 0 ? (
                  <span className="soldout">Sold out</span>
                ) : (
                  <button type="button" aria-describedby={`product-${p.id}`} disabled={!p.active} onClick={() => navigate(`/checkout/${p.id}`)}>
                    Buy pass
                  </button>
                )}
              </li>
            ))}
          </ul>
        </section>
      )}
      {entitled && <p className="ok">You have a pass for this game.</p>}
    </article>
  );
}
