import { useMutation, useQuery } from '@apollo/client/react';
import { ApproveAssetDocument, AssetsInReviewDocument, EventChoicesDocument, EventPlacementsDocument, RejectAssetDocument, type ReviewAssetFragment, type Surface } from '@frontrow/sdk';
import { useState, type FormEvent, type ReactNode } from 'react';
import { useSearchParams } from 'react-router';
import { ErrorMessage, Field, ListState, More, useAction, useFormErrors, useTitle, when } from '../app/ui';

const SURFACES: Array<{ id: Surface; label: string }> = [
  { id: 'JUMBOTRON', label: 'Jumbotron' },
  { id: 'BOARD_NORTH', label: 'North board' },
  { id: 'BOARD_SOUTH', label: 'South board' },
  { id: 'BOARD_EAST', label: 'East board' },
  { id: 'BOARD_WEST', label: 'West board' },
  { id: 'HUD', label: 'Headset HUD' },
];
const surfaceLabel = (s: Surface) => SURFACES.find((x) => x.id === s)?.label ?? s;

function size(bytes: number | null | undefined): string {
  if (!bytes) return '';
  return bytes > 1_000_000 ? `${(bytes / 1_000_000).toFixed(1)} MB` : `${Math.ceil(bytes / 1000)} kB`;
}

function Preview({ asset }: { asset: ReviewAssetFragment }): ReactNode {
  if (!asset.url) return <div className="preview empty">No file</div>;
  if (asset.kind === 'VIDEO')
    return (
      <video className="preview" src={asset.url} controls muted preload="metadata" aria-label={`${asset.name}, video preview`}>
        <track kind="captions" />
      </video>
    );
  return <img className="preview" src={asset.url} alt={`${asset.name}, preview`} />;
}

function ReviewCard({ asset }: { asset: ReviewAssetFragment }): ReactNode {
  const [approve] = useMutation(ApproveAssetDocument, { refetchQueries: [AssetsInReviewDocument] });
  const [reject] = useMutation(RejectAssetDocument, { refetchQueries: [AssetsInReviewDocument] });
  const action = useAction();
  const errors = useFormErrors(['reason']);
  const [rejecting, setRejecting] = useState(false);
  const submitReject = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const reason = String(new FormData(e.currentTarget).get('reason') ?? '').trim();
    errors.setError(null);
    try {
      await reject({ variables: { assetId: asset.id, reason } });
    } catch (err) {
      errors.setError(err);
    }
  };
  const titleId = `asset-${asset.id}`;
  return (
    <li>
      <article className="card" aria-labelledby={titleId}>
        <Preview asset={asset} />
        <div className="card-body">
          <h3 id={titleId}>{asset.name}</h3>
          <p className="meta">
            {asset.sponsor.name} · {asset.kind === 'VIDEO' ? 'Video' : 'Image'} ({asset.contentType}
            {asset.width && asset.height ? `, ${asset.width}×${asset.height}` : ''}
            {asset.bytes ? `, ${size(asset.bytes)}` : ''}) · sent {when(asset.createdAt)}
          </p>
          {rejecting ? (
            <form aria-label={`Reject ${asset.name}`} onSubmit={(e) => void submitReject(e)}>
              <Field label="Reason for rejecting" hint="The sponsor sees it." error={errors.errorFor('reason')}>
                {(p) => <input {...p} name="reason" required maxLength={500} autoFocus />}
              </Field>
              <ErrorMessage error={errors.formError} />
              <div className="actions">
                <button type="submit" className="danger small">
                  Confirm rejection
                </button>
                <button type="button" className="secondary small" onClick={() => setRejecting(false)}>
                  Back
                </button>
              </div>
            </form>
          ) : (
            <div className="actions">
              <button type="button" className="small" disabled={action.busy} onClick={() => void action.run(() => approve({ variables: { assetId: asset.id } }))}>
                Approve
              </button>
              <button type="button" className="secondary small" onClick={() => setRejecting(true)}>
                Reject
              </button>
            </div>
          )}
          <ErrorMessage error={action.error} />
        </div>
      </article>
    </li>
  );
}

function InReview(): ReactNode {
  const { data, loading, error, fetchMore } = useQuery(AssetsInReviewDocument, { variables: { first: 12 }, notifyOnNetworkStatusChange: true, fetchPolicy: 'cache-and-network' });
  const edges = data?.assetsInReview.edges ?? [];
  return (
    <section aria-labelledby="review">
      <h2 id="review">In review</h2>
      <ListState loading={loading} error={error} empty={edges.length === 0} what="creatives in review" emptyText="Nothing waits for review." />
      <ul className="cards">
        {edges.map(({ node }) => (
          <ReviewCard key={node.id} asset={node} />
        ))}
      </ul>
      <More pageInfo={data?.assetsInReview.pageInfo} loading={loading} label="More creatives" onMore={(after) => void fetchMore({ variables: { after } })} />
    </section>
  );
}

/**
 * The venue seen from above: the pitch, the jumbotron over it, a board on each side,
 * and the headset's HUD; each surface says how many placements it carries.
 */
function VenueDiagram({ counts, venue }: { counts: Map<Surface, number>; venue: string }): ReactNode {
  const label = (s: Surface) => `${surfaceLabel(s)}: ${counts.get(s) ?? 0}`;
  const cls = (s: Surface) => `surface${counts.get(s) ? ' used' : ''}`;
  const summary = SURFACES.map((s) => label(s.id)).join(', ');
  return (
    <svg className="diagram" viewBox="0 0 400 260" role="img" aria-label={`${venue} from above, placements per surface: ${summary}`}>
      <rect x="70" y="50" width="260" height="160" rx="12" className="pitch" />
      <line x1="200" y1="50" x2="200" y2="210" className="pitch-line" />
      <circle cx="200" cy="130" r="24" className="pitch-line" fill="none" />
      <g className={cls('BOARD_NORTH')}>
        <rect x="90" y="14" width="220" height="26" rx="4" />
        <text x="200" y="32">{label('BOARD_NORTH')}</text>
      </g>
      <g className={cls('BOARD_SOUTH')}>
        <rect x="90" y="220" width="220" height="26" rx="4" />
        <text x="200" y="238">{label('BOARD_SOUTH')}</text>
      </g>
      <g className={cls('BOARD_WEST')}>
        <rect x="14" y="60" width="46" height="140" rx="4" />
        <text x="37" y="134" transform="rotate(-90 37 130)">{label('BOARD_WEST')}</text>
      </g>
      <g className={cls('BOARD_EAST')}>
        <rect x="340" y="60" width="46" height="140" rx="4" />
        <text x="363" y="134" transform="rotate(90 363 130)">{label('BOARD_EAST')}</text>
      </g>
      <g className={cls('JUMBOTRON')}>
        <rect x="140" y="88" width="120" height="30" rx="4" />
        <text x="200" y="107">{label('JUMBOTRON')}</text>
      </g>
      <g className={cls('HUD')}>
        <rect x="150" y="150" width="100" height="26" rx="13" />
        <text x="200" y="167">{label('HUD')}</text>
      </g>
    </svg>
  );
}

function Placements(): ReactNode {
  const [params, setParams] = useSearchParams();
  const events = useQuery(EventChoicesDocument);
  const eventId = params.get('event') ?? events.data?.events.edges.find((e) => e.node.status === 'LIVE')?.node.id ?? events.data?.events.edges[0]?.node.id ?? '';
  const { data, loading, error } = useQuery(EventPlacementsDocument, { variables: { id: eventId }, skip: !eventId, fetchPolicy: 'cache-and-network' });
  const placements = data?.event?.placements ?? [];
  const counts = new Map<Surface, number>();
  for (const p of placements) counts.set(p.surface, (counts.get(p.surface) ?? 0) + 1);
  return (
    <section aria-labelledby="placements">
      <h2 id="placements">Placements</h2>
      <form className="filters" aria-label="Choose an event" onSubmit={(e) => e.preventDefault()}>
        <label>
          Event
          <select value={eventId} onChange={(e) => setParams({ event: e.target.value }, { replace: true })}>
            {events.data?.events.edges.map(({ node }) => (
              <option key={node.id} value={node.id}>
                {node.title}
                {node.status === 'LIVE' ? ' (live)' : ''}
              </option>
            ))}
          </select>
        </label>
      </form>
      <ErrorMessage error={events.error} />
      {data?.event && (
        <div className="placements">
          <VenueDiagram counts={counts} venue={data.event.venue.name} />
          <div>
            <ListState loading={loading} error={error} empty={placements.length === 0} what="placements" emptyText="No creative is placed at this event." />
            {placements.length > 0 && (
              <div className="table-wrap">
                <table>
                  <caption className="sr-only">Placements at {data.event.title}</caption>
                  <thead>
                    <tr>
                      <th scope="col">Creative</th>
                      <th scope="col">Surface</th>
                      <th scope="col">Runs</th>
                      <th scope="col">Weight</th>
                      <th scope="col">Cap per hour</th>
                      <th scope="col">Impressions</th>
                    </tr>
                  </thead>
                  <tbody>
                    {placements.map((p) => (
                      <tr key={p.id}>
                        <th scope="row">
                          {p.asset.name}
                          <span className="meta block">{p.asset.sponsor.name}</span>
                        </th>
                        <td>{surfaceLabel(p.surface)}</td>
                        <td>
                          {when(p.startsAt)} – {when(p.endsAt)}
                        </td>
                        <td className="num">{p.weight}</td>
                        <td className="num">{p.frequencyCapPerHour ?? '—'}</td>
                        <td className="num">{p.impressions.toLocaleString()}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </div>
        </div>
      )}
    </section>
  );
}

export function CreativesPage(): ReactNode {
  useTitle('Creatives');
  return (
    <>
      <h1>Creatives</h1>
      <InReview />
      <Placements />
    </>
  );
}
