import { useMutation, useQuery } from '@apollo/client/react';
import { DismissReportDocument, KickMemberDocument, ModerationQueueDocument, MuteMemberDocument, RemoveMessageDocument, type ModerationQueueQuery } from '@frontrow/sdk';
import { useState, type ReactNode } from 'react';
import { ErrorMessage, ListState, More, useAction, useTitle, when } from '../app/ui';

type Report = ModerationQueueQuery['moderationQueue']['edges'][number]['node'];

const time = (iso: string) => new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' }).format(new Date(iso));

function ReportCard({ report }: { report: Report }): ReactNode {
  const refetch = { refetchQueries: [ModerationQueueDocument] };
  const [mute] = useMutation(MuteMemberDocument);
  const [kick] = useMutation(KickMemberDocument);
  const [dismiss] = useMutation(DismissReportDocument, refetch);
  const [remove] = useMutation(RemoveMessageDocument, refetch);
  const action = useAction();
  const [done, setDone] = useState<string[]>([]);
  const author = report.message.author;
  const party = report.party.id;
  const act = (what: string, fn: () => Promise<unknown>) => void action.run(fn).then((ok) => ok && setDone((d) => [...d, what]));
  const id = `report-${report.id}`;
  return (
    <li>
      <article className="report" aria-labelledby={id}>
        <h2 id={id}>
          {author.displayName}&apos;s message in a party for {report.party.event.title}
        </h2>
        <p className="meta">
          Reported by {report.reporter.displayName} {when(report.createdAt)}: <q>{report.reason}</q>
        </p>
        <ol className="context" aria-label="The conversation around it">
          {report.context.map((m) => {
            const reported = m.id === report.message.id;
            return (
              <li key={m.id} className={reported ? 'reported' : undefined} aria-current={reported ? 'true' : undefined}>
                <time dateTime={m.sentAt}>{time(m.sentAt)}</time> <strong>{m.author.displayName}</strong>{' '}
                {m.removedAt ? <em className="meta">(removed)</em> : reported ? <mark>{m.body}</mark> : m.body}
                {reported && <span className="sr-only"> (the reported message)</span>}
              </li>
            );
          })}
        </ol>
        <div className="actions" role="group" aria-label={`Act on ${author.displayName}`}>
          <button type="button" className="secondary small" disabled={action.busy} onClick={() => act(`Muted ${author.displayName}`, () => mute({ variables: { partyId: party, userId: author.id, muted: true } }))}>
            Mute
          </button>
          <button type="button" className="danger small" disabled={action.busy} onClick={() => act(`Kicked ${author.displayName} out of the party`, () => kick({ variables: { partyId: party, userId: author.id } }))}>
            Kick
          </button>
          <button type="button" className="secondary small" disabled={action.busy || Boolean(report.message.removedAt)} onClick={() => act('Removed the message', () => remove({ variables: { messageId: report.message.id } }))}>
            Remove message
          </button>
          <button type="button" className="secondary small" disabled={action.busy} onClick={() => act('Dismissed the report', () => dismiss({ variables: { reportId: report.id } }))}>
            Dismiss
          </button>
        </div>
        {done.length > 0 && (
          <p className="ok" role="status">
            {done.join('. ')}.
          </p>
        )}
        <ErrorMessage error={action.error} context={{ notFound: `${author.displayName} is no longer in that party.` }} />
      </article>
    </li>
  );
}

export function ModerationPage(): ReactNode {
  useTitle('Moderation');
  const { data, loading, error, fetchMore } = useQuery(ModerationQueueDocument, { variables: { first: 10 }, notifyOnNetworkStatusChange: true, fetchPolicy: 'cache-and-network' });
  const edges = data?.moderationQueue.edges ?? [];
  return (
    <>
      <h1>Moderation</h1>
      <p className="hint">Reported chat messages, oldest first. Mute and Kick act on the message&apos;s author in that party; Dismiss closes the report and keeps the message.</p>
      <ListState loading={loading} error={error} empty={edges.length === 0} what="reports" emptyText="No open reports. All quiet." />
      <ul className="reports">
        {edges.map(({ node }) => (
          <ReportCard key={node.id} report={node} />
        ))}
      </ul>
      <More pageInfo={data?.moderationQueue.pageInfo} loading={loading} label="More reports" onMore={(after) => void fetchMore({ variables: { after } })} />
    </>
  );
}
