import { useQuery } from '@apollo/client/react';
import { ScheduleDocument, type EventCardFragment } from '@frontrow/sdk';
import { useDeferredValue, useState, type ReactNode } from 'react';
import { Link, useSearchParams } from 'react-router';
import { ErrorMessage, Loading, useTitle, when } from '../app/ui';

const SPORTS = ['Basketball', 'Soccer'];
const PAGE = 12;

function EventCard({ event }: { event: EventCardFragment }): ReactNode {
  return (
    <li className="card">
      <Link to={`/events/${event.id}`}>
        <span className="title">{event.title}</span>
        <span className="meta">
          {event.sport} · {event.venue.name}, {event.venue.city}
        </span>
        <span className="meta">{event.status === 'LIVE' ? <strong className="live">Live now</strong> : <time dateTime={event.startsAt}>{when(event.startsAt)}</time>}</span>
      </Link>
    </li>
  );
}

function EventList({ status, search, sport, label }: { status: 'LIVE' | 'SCHEDULED'; search: string; sport: string; label: string }): ReactNode {
  const filter = { status, ...(search ? { search } : {}), ...(sport ? { sport } : {}) };
  const { data, loading, error, fetchMore } = useQuery(ScheduleDocument, { variables: { filter, first: PAGE }, notifyOnNetworkStatusChange: true });
  const edges = data?.events.edges ?? [];
  const id = `list-${status.toLowerCase()}`;
  return (
    <section aria-labelledby={id}>
      <h2 id={id}>{label}</h2>
      {error && <ErrorMessage error={error} />}
      {!data && loading && <Loading what={`Loading ${label.toLowerCase()}`} />}
      {data && edges.length === 0 && <p className="empty">{search || sport ? 'No games match your search.' : status === 'LIVE' ? 'No game is live right now.' : 'No upcoming games yet.'}</p>}
      <ul className="cards">
        {edges.map((e) => (
          <EventCard key={e.node.id} event={e.node} />
        ))}
      </ul>
      {data?.events.pageInfo.hasNextPage && (
        <button type="button" className="secondary" disabled={loading} onClick={() => void fetchMore({ variables: { after: data.events.pageInfo.endCursor } })}>
          {loading ? 'Loading…' : `More ${label.toLowerCase()}`}
        </button>
      )}
    </section>
  );
}

export function SchedulePage(): ReactNode {
  useTitle('');
  const [params, setParams] = useSearchParams();
  const [search, setSearch] = useState(params.get('q') ?? '');
  const sport = params.get('sport') ?? '';
  const term = useDeferredValue(search.trim());

  const update = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  };

  return (
    <>
      <h1>Live and upcoming</h1>
      <form className="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <label>
          Search events
          <input
            type="search"
            value={search}
            placeholder="Team, venue or game"
            maxLength={100}
            onChange={(e) => {
              setSearch(e.target.value);
              update('q', e.target.value.trim());
            }}
          />
        </label>
        <label>
          Sport
          <select value={sport} onChange={(e) => update('sport', e.target.value)}>
            <option value="">All sports</option>
            {SPORTS.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
      </form>
      <EventList status="LIVE" search={term} sport={sport} label="Live now" />
      <EventList status="SCHEDULED" search={term} sport={sport} label="Upcoming" />
    </>
  );
}
