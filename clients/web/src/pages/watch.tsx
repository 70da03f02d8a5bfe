import { useQuery } from '@apollo/client/react';
import { WatchFeedDocument } from '@frontrow/sdk';
import type { ReactNode } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { ErrorMessage, Loading, useTitle } from '../app/ui';
import { Player360 } from '../watch/player-view';

export function WatchPage(): ReactNode {
  const { feedId = '' } = useParams();
  const navigate = useNavigate();
  const { data, previousData, loading, error } = useQuery(WatchFeedDocument, { variables: { id: feedId } });
  // While another seat loads, the page (and the player) stay.
  const feed = (data ?? previousData)?.feed;
  useTitle(feed ? `Watch ${feed.event.title}` : 'Watch');

  if (!feed && loading) return <Loading what="Loading the feed" />;
  if (!feed) return <ErrorMessage error={error ?? 'This feed does not exist.'} />;
  return (
    <section className="watch">
      <h1>{feed.event.title}</h1>
      <Player360 feed={feed} eventId={feed.event.id} />
      <div role="group" aria-label="Seats" className="seats">
        {feed.event.feeds.map((f) => (
          // Another seat: the same page, another feed; the player switches without a reload.
          <button key={f.id} type="button" aria-pressed={f.id === feed.id} data-feed={f.id} onClick={() => navigate(`/watch/${f.id}`, { replace: true })}>
            {f.label}
          </button>
        ))}
      </div>
      <p>
        <Link to={`/events/${feed.event.id}`}>Back to the game</Link>
      </p>
    </section>
  );
}
