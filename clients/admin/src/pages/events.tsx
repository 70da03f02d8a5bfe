import { useMutation, useQuery } from '@apollo/client/react';
import {
  AddFeedDocument,
  AdminEventFeedsDocument,
  AdminEventsDocument,
  AdminVenuesDocument,
  CreateEventDocument,
  CreateVenueDocument,
  SetEventStatusDocument,
  StartIngestDocument,
  StopIngestDocument,
  UpdateEventDocument,
  UpdateFeedDocument,
  UpdateVenueDocument,
  type AdminEventFragment,
  type AdminFeedFragment,
  type AdminVenueFragment,
  type EventStatus,
  type Projection,
} from '@frontrow/sdk';
import { useState, type FormEvent, type ReactNode } from 'react';
import { Badge, Disclosure, ErrorMessage, Field, ListState, More, fromLocalInput, toLocalInput, useAction, useFilters, useFormErrors, useTitle, when } from '../app/ui';

const PROJECTIONS: Array<{ id: Projection; label: string }> = [
  { id: 'EQUIRECT_MONO', label: '360° mono' },
  { id: 'EQUIRECT_STEREO_TB', label: '360° stereo (top-bottom)' },
  { id: 'FLAT', label: 'Flat' },
];
const STATUSES: EventStatus[] = ['SCHEDULED', 'LIVE', 'ENDED', 'CANCELLED'];

const text = (data: FormData, name: string) => String(data.get(name) ?? '').trim();

// ---------------------------------------------------------------- venues

function VenueForm({ venue, onDone }: { venue?: AdminVenueFragment; onDone: () => void }): ReactNode {
  const [create, created] = useMutation(CreateVenueDocument, { refetchQueries: [AdminVenuesDocument] });
  const [update, updated] = useMutation(UpdateVenueDocument);
  const errors = useFormErrors(['name', 'city', 'country', 'timezone', 'capacity']);
  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    const capacity = text(data, 'capacity');
    const input = { name: text(data, 'name'), city: text(data, 'city'), country: text(data, 'country'), timezone: text(data, 'timezone'), capacity: capacity ? Number(capacity) : null };
    errors.setError(null);
    try {
      if (venue) await update({ variables: { id: venue.id, input } });
      else await create({ variables: { input } });
      onDone();
    } catch (err) {
      errors.setError(err);
    }
  };
  return (
    <form onSubmit={(e) => void submit(e)} aria-label={venue ? `Edit venue ${venue.name}` : 'New venue'} className="grid-form">
      <Field label="Name" error={errors.errorFor('name')}>
        {(p) => <input {...p} name="name" required maxLength={120} defaultValue={venue?.name} />}
      </Field>
      <Field label="City" error={errors.errorFor('city')}>
        {(p) => <input {...p} name="city" required maxLength={120} defaultValue={venue?.city} />}
      </Field>
      <Field label="Country" error={errors.errorFor('country')}>
        {(p) => <input {...p} name="country" required maxLength={80} defaultValue={venue?.country} />}
      </Field>
      <Field label="Time zone" hint="An IANA zone, e.g. America/Chicago" error={errors.errorFor('timezone')}>
        {(p) => <input {...p} name="timezone" required maxLength={64} defaultValue={venue?.timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone} />}
      </Field>
      <Field label="Capacity" error={errors.errorFor('capacity')}>
        {(p) => <input {...p} name="capacity" type="number" min={0} step={1} defaultValue={venue?.capacity ?? ''} />}
      </Field>
      <ErrorMessage error={errors.formError} />
      <div className="actions">
        <button type="submit" disabled={created.loading || updated.loading}>
          {venue ? 'Save venue' : 'Create venue'}
        </button>
        <button type="button" className="secondary" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function Venues(): ReactNode {
  const { data, loading, error } = useQuery(AdminVenuesDocument, { fetchPolicy: 'cache-and-network' });
  const [editing, setEditing] = useState<string | null>(null);
  const venues = data?.venues ?? [];
  return (
    <section aria-labelledby="venues">
      <h2 id="venues">Venues</h2>
      <Disclosure label="New venue">{(close) => <VenueForm onDone={close} />}</Disclosure>
      <ListState loading={loading} error={error} empty={venues.length === 0} what="venues" emptyText="No venues yet." />
      {venues.length > 0 && (
        <div className="table-wrap">
          <table>
            <caption className="sr-only">Venues</caption>
            <thead>
              <tr>
                <th scope="col">Venue</th>
                <th scope="col">City</th>
                <th scope="col">Time zone</th>
                <th scope="col">Capacity</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {venues.map((v) => (
                <tr key={v.id}>
                  <th scope="row">{v.name}</th>
                  <td>
                    {v.city}, {v.country}
                  </td>
                  <td>{v.timezone}</td>
                  <td className="num">{v.capacity?.toLocaleString() ?? '—'}</td>
                  <td>
                    <button type="button" className="secondary small" aria-expanded={editing === v.id} onClick={() => setEditing(editing === v.id ? null : v.id)}>
                      Edit
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {editing && venues.find((v) => v.id === editing) && (
        <div className="panel">
          <h3>Edit {venues.find((v) => v.id === editing)!.name}</h3>
          <VenueForm venue={venues.find((v) => v.id === editing)} onDone={() => setEditing(null)} />
        </div>
      )}
    </section>
  );
}

// ---------------------------------------------------------------- events

function EventForm({ event, onDone }: { event?: AdminEventFragment; onDone: (id?: string) => void }): ReactNode {
  const venues = useQuery(AdminVenuesDocument);
  const [create, created] = useMutation(CreateEventDocument, { refetchQueries: [AdminEventsDocument] });
  const [update, updated] = useMutation(UpdateEventDocument);
  const errors = useFormErrors(['title', 'sport', 'homeTeam', 'awayTeam', 'venueId', 'startsAt', 'endsAt']);
  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    const input = {
      title: text(data, 'title'),
      sport: text(data, 'sport'),
      homeTeam: text(data, 'homeTeam'),
      awayTeam: text(data, 'awayTeam'),
      venueId: text(data, 'venueId'),
      startsAt: fromLocalInput(text(data, 'startsAt')) ?? '',
      endsAt: fromLocalInput(text(data, 'endsAt')) ?? '',
    };
    errors.setError(null);
    try {
      if (event) {
        await update({ variables: { id: event.id, input } });
        onDone(event.id);
      } else {
        const r = await create({ variables: { input } });
        onDone(r.data?.createEvent.id);
      }
    } catch (err) {
      errors.setError(err);
    }
  };
  return (
    <form onSubmit={(e) => void submit(e)} aria-label={event ? `Edit event ${event.title}` : 'New event'} className="grid-form">
      <Field label="Title" error={errors.errorFor('title')}>
        {(p) => <input {...p} name="title" required maxLength={200} defaultValue={event?.title} />}
      </Field>
      <Field label="Sport" error={errors.errorFor('sport')}>
        {(p) => <input {...p} name="sport" required maxLength={60} defaultValue={event?.sport} />}
      </Field>
      <Field label="Home team" error={errors.errorFor('homeTeam')}>
        {(p) => <input {...p} name="homeTeam" required maxLength={120} defaultValue={event?.homeTeam} />}
      </Field>
      <Field label="Away team" error={errors.errorFor('awayTeam')}>
        {(p) => <input {...p} name="awayTeam" required maxLength={120} defaultValue={event?.awayTeam} />}
      </Field>
      <Field label="Venue" error={errors.errorFor('venueId')}>
        {(p) => (
          <select {...p} name="venueId" required defaultValue={event?.venue.id ?? ''}>
            <option value="" disabled>
              Choose a venue
            </option>
            {venues.data?.venues.map((v) => (
              <option key={v.id} value={v.id}>
                {v.name}, {v.city}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label="Starts at" error={errors.errorFor('startsAt')}>
        {(p) => <input {...p} name="startsAt" type="datetime-local" required defaultValue={toLocalInput(event?.startsAt)} />}
      </Field>
      <Field label="Ends at" error={errors.errorFor('endsAt')}>
        {(p) => <input {...p} name="endsAt" type="datetime-local" required defaultValue={toLocalInput(event?.endsAt)} />}
      </Field>
      <ErrorMessage error={errors.formError} />
      <div className="actions">
        <button type="submit" disabled={created.loading || updated.loading}>
          {event ? 'Save event' : 'Create event'}
        </button>
        <button type="button" className="secondary" onClick={() => onDone()}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** The lifecycle buttons a status allows: SCHEDULED → LIVE → ENDED; SCHEDULED or LIVE → CANCELLED. */
function Lifecycle({ event }: { event: AdminEventFragment }): ReactNode {
  const [setStatus] = useMutation(SetEventStatusDocument);
  const action = useAction();
  const [confirming, setConfirming] = useState<EventStatus | null>(null);
  const go = (status: EventStatus) => action.run(() => setStatus({ variables: { id: event.id, status } })).then(() => setConfirming(null));
  if (confirming) {
    const verb = confirming === 'ENDED' ? 'End' : 'Cancel';
    return (
      <div className="confirm" role="group" aria-label={`${verb} ${event.title}?`}>
        <span>{verb} this event?</span>
        <button type="button" className="danger small" disabled={action.busy} onClick={() => void go(confirming)}>
          {`Yes, ${verb.toLowerCase()} it`}
        </button>
        <button type="button" className="secondary small" onClick={() => setConfirming(null)}>
          No
        </button>
        <ErrorMessage error={action.error} />
      </div>
    );
  }
  return (
    <div className="row-actions">
      {event.status === 'SCHEDULED' && (
        <button type="button" className="small" disabled={action.busy} onClick={() => void go('LIVE')}>
          Go live
        </button>
      )}
      {event.status === 'LIVE' && (
        <button type="button" className="small" onClick={() => setConfirming('ENDED')}>
          End
        </button>
      )}
      {(event.status === 'SCHEDULED' || event.status === 'LIVE') && (
        <button type="button" className="secondary small" onClick={() => setConfirming('CANCELLED')}>
          Cancel
        </button>
      )}
      <ErrorMessage error={action.error} context={{ conflict: 'The event changed meanwhile; the list shows it as it is now.' }} />
    </div>
  );
}

function Events({ selected, onSelect }: { selected: string | null; onSelect: (id: string | null) => void }): ReactNode {
  const [params, update] = useFilters();
  const status = (params.get('status') as EventStatus | null) ?? null;
  const search = params.get('q') ?? '';
  const filter = { ...(status ? { status } : {}), ...(search ? { search } : {}) };
  const { data, loading, error, fetchMore } = useQuery(AdminEventsDocument, { variables: { filter, first: 20 }, notifyOnNetworkStatusChange: true, fetchPolicy: 'cache-and-network' });
  const [editing, setEditing] = useState<string | null>(null);
  const edges = data?.events.edges ?? [];
  const set = (key: string, value: string) => update({ [key]: value });
  const editingEvent = edges.find((e) => e.node.id === editing)?.node;
  return (
    <section aria-labelledby="events">
      <h2 id="events">Events</h2>
      <Disclosure label="New event">{(close) => <EventForm onDone={(id) => (close(), id && onSelect(id))} />}</Disclosure>
      <form className="filters" role="search" aria-label="Filter events" onSubmit={(e) => e.preventDefault()}>
        <label>
          Search events
          <input type="search" defaultValue={search} maxLength={100} onChange={(e) => set('q', e.target.value.trim())} />
        </label>
        <label>
          Status
          <select value={status ?? ''} onChange={(e) => set('status', e.target.value)}>
            <option value="">All statuses</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s.charAt(0) + s.slice(1).toLowerCase()}
              </option>
            ))}
          </select>
        </label>
      </form>
      <ListState loading={loading} error={error} empty={edges.length === 0} what="events" emptyText={search || status ? 'No event matches these filters.' : 'No events yet.'} />
      {edges.length > 0 && (
        <div className="table-wrap">
          <table>
            <caption className="sr-only">Events</caption>
            <thead>
              <tr>
                <th scope="col">Event</th>
                <th scope="col">Venue</th>
                <th scope="col">Starts</th>
                <th scope="col">Status</th>
                <th scope="col">Lifecycle</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {edges.map(({ node: ev }) => (
                <tr key={ev.id} aria-current={selected === ev.id ? 'true' : undefined}>
                  <th scope="row">{ev.title}</th>
                  <td>{ev.venue.name}</td>
                  <td>
                    <time dateTime={ev.startsAt}>{when(ev.startsAt)}</time>
                  </td>
                  <td>
                    <Badge value={ev.status} />
                  </td>
                  <td>
                    <Lifecycle event={ev} />
                  </td>
                  <td className="row-actions">
                    <button type="button" className="secondary small" aria-pressed={selected === ev.id} onClick={() => onSelect(selected === ev.id ? null : ev.id)}>
                      Feeds
                    </button>
                    <button type="button" className="secondary small" aria-expanded={editing === ev.id} onClick={() => setEditing(editing === ev.id ? null : ev.id)}>
                      Edit
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <More pageInfo={data?.events.pageInfo} loading={loading} label="More events" onMore={(after) => void fetchMore({ variables: { after } })} />
      {editingEvent && (
        <div className="panel">
          <h3>Edit {editingEvent.title}</h3>
          <EventForm event={editingEvent} onDone={() => setEditing(null)} />
        </div>
      )}
    </section>
  );
}

// ---------------------------------------------------------------- feeds and ingest

function FeedForm({ eventId, feed, onDone }: { eventId: string; feed?: AdminFeedFragment; onDone: () => void }): ReactNode {
  const [add, added] = useMutation(AddFeedDocument, { refetchQueries: [AdminEventFeedsDocument] });
  const [update, updated] = useMutation(UpdateFeedDocument, { refetchQueries: [AdminEventFeedsDocument] });
  const errors = useFormErrors(['label', 'projection', 'isDefault', 'preview']);
  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    const fields = { label: text(data, 'label'), projection: text(data, 'projection') as Projection, isDefault: data.get('isDefault') === 'on' };
    errors.setError(null);
    try {
      if (feed) await update({ variables: { id: feed.id, input: { ...fields, preview: data.get('preview') === 'on' } } });
      else await add({ variables: { input: { eventId, ...fields } } });
      onDone();
    } catch (err) {
      errors.setError(err);
    }
  };
  return (
    <form onSubmit={(e) => void submit(e)} aria-label={feed ? `Edit feed ${feed.label}` : 'New feed'} className="grid-form">
      <Field label="Label" hint="The seat's name, e.g. Center court" error={errors.errorFor('label')}>
        {(p) => <input {...p} name="label" required maxLength={80} defaultValue={feed?.label} />}
      </Field>
      <Field label="Projection" error={errors.errorFor('projection')}>
        {(p) => (
          <select {...p} name="projection" defaultValue={feed?.projection ?? 'EQUIRECT_MONO'}>
            {PROJECTIONS.map((x) => (
              <option key={x.id} value={x.id}>
                {x.label}
              </option>
            ))}
          </select>
        )}
      </Field>
      <label className="choice">
        <input type="checkbox" name="isDefault" defaultChecked={feed?.isDefault} /> Default seat
      </label>
      {feed && (
        <label className="choice">
          <input type="checkbox" name="preview" defaultChecked={feed.preview} /> Free preview
        </label>
      )}
      <ErrorMessage error={errors.formError} />
      <div className="actions">
        <button type="submit" disabled={added.loading || updated.loading}>
          {feed ? 'Save feed' : 'Add feed'}
        </button>
        <button type="button" className="secondary" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function IngestControls({ feed, presets }: { feed: AdminFeedFragment; presets: Array<{ id: string; name: string }> }): ReactNode {
  const [start] = useMutation(StartIngestDocument, { refetchQueries: [AdminEventFeedsDocument] });
  const [stop] = useMutation(StopIngestDocument, { refetchQueries: [AdminEventFeedsDocument] });
  const [preset, setPreset] = useState(feed.ingest?.preset?.id ?? presets[0]?.id ?? '');
  const action = useAction();
  const live = feed.ingest?.status === 'LIVE';
  return (
    <div className="ingest">
      {live ? (
        <button type="button" className="secondary small" disabled={action.busy} onClick={() => void action.run(() => stop({ variables: { feedId: feed.id } }))}>
          Stop ingest
        </button>
      ) : (
        <>
          <label className="inline">
            <span className="sr-only">Encoder preset for {feed.label}</span>
            <select value={preset} onChange={(e) => setPreset(e.target.value)}>
              {presets.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
            </select>
          </label>
          <button type="button" className="small" disabled={action.busy || !preset} onClick={() => void action.run(() => start({ variables: { feedId: feed.id, presetId: preset } }))}>
            Start ingest
          </button>
        </>
      )}
      <ErrorMessage error={action.error} />
    </div>
  );
}

function Feeds({ eventId }: { eventId: string }): ReactNode {
  const { data, loading, error } = useQuery(AdminEventFeedsDocument, { variables: { id: eventId }, fetchPolicy: 'cache-and-network' });
  const [editing, setEditing] = useState<string | null>(null);
  const event = data?.event;
  const feeds = event?.feeds ?? [];
  const presets = data?.encoderPresets ?? [];
  return (
    <section aria-labelledby="feeds" className="panel">
      <h2 id="feeds">{event ? `Feeds of ${event.title}` : 'Feeds'}</h2>
      {event && <Disclosure label="New feed">{(close) => <FeedForm eventId={event.id} onDone={close} />}</Disclosure>}
      <ListState loading={loading} error={error} empty={feeds.length === 0} what="feeds" emptyText="No feeds yet: add the event's seats." />
      {feeds.length > 0 && (
        <div className="table-wrap">
          <table>
            <caption className="sr-only">Feeds</caption>
            <thead>
              <tr>
                <th scope="col">Seat</th>
                <th scope="col">Projection</th>
                <th scope="col">Ingest</th>
                <th scope="col">RTP target</th>
                <th scope="col">Encoder</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {feeds.map((f) => (
                <tr key={f.id}>
                  <th scope="row">
                    {f.label}
                    {f.isDefault && <span className="tag">default</span>}
                    {f.preview && <span className="tag">preview</span>}
                  </th>
                  <td>{PROJECTIONS.find((p) => p.id === f.projection)?.label ?? f.projection}</td>
                  <td>
                    <Badge value={f.ingest?.status ?? 'IDLE'} />
                    {f.ingest?.preset && <span className="meta"> {f.ingest.preset.name}</span>}
                  </td>
                  <td>
                    {f.ingest?.rtpHost && f.ingest.videoPort ? (
                      <code>
                        video rtp://{f.ingest.rtpHost}:{f.ingest.videoPort}
                        {f.ingest.audioPort ? `, audio rtp://${f.ingest.rtpHost}:${f.ingest.audioPort}` : ''}
                      </code>
                    ) : (
                      '—'
                    )}
                  </td>
                  <td>
                    <IngestControls feed={f} presets={presets} />
                  </td>
                  <td>
                    <button type="button" className="secondary small" aria-expanded={editing === f.id} onClick={() => setEditing(editing === f.id ? null : f.id)}>
                      Edit
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {editing && feeds.find((f) => f.id === editing) && event && (
        <div className="panel">
          <h3>Edit {feeds.find((f) => f.id === editing)!.label}</h3>
          <FeedForm eventId={event.id} feed={feeds.find((f) => f.id === editing)} onDone={() => setEditing(null)} />
        </div>
      )}
    </section>
  );
}

export function EventsPage(): ReactNode {
  useTitle('Events');
  const [params, update] = useFilters();
  const selected = params.get('event');
  const select = (id: string | null) => update({ event: id }, { replace: false });
  return (
    <>
      <h1>Events</h1>
      <Events selected={selected} onSelect={select} />
      {selected && <Feeds eventId={selected} />}
      <Venues />
    </>
  );
}
