import { useQuery } from '@apollo/client/react';
import { AuditLogDocument } from '@frontrow/sdk';
import { Fragment, useState, type ReactNode } from 'react';
import { ListState, More, dayAfter, fromLocalInput, useFilters, useTitle, when } from '../app/ui';

const SUBGRAPHS = ['identity', 'events', 'media', 'commerce', 'creative', 'presence', 'telemetry'];

export function AuditPage(): ReactNode {
  useTitle('Audit log');
  const [params, update] = useFilters();
  const values = { actor: params.get('actor') ?? '', action: params.get('action') ?? '', subgraph: params.get('subgraph') ?? '', from: params.get('from') ?? '', to: params.get('to') ?? '' };
  const set = (key: keyof typeof values, value: string) => update({ [key]: value });
  const filter = {
    ...(values.actor ? { actorId: values.actor } : {}),
    ...(values.action ? { action: values.action } : {}),
    ...(values.subgraph ? { subgraph: values.subgraph } : {}),
    ...(values.from ? { from: fromLocalInput(values.from) } : {}),
    ...(values.to ? { to: dayAfter(values.to) } : {}),
  };
  const { data, loading, error, fetchMore } = useQuery(AuditLogDocument, { variables: { filter, first: 25 }, notifyOnNetworkStatusChange: true, fetchPolicy: 'cache-and-network' });
  const [open, setOpen] = useState<Set<string>>(new Set());
  const toggle = (id: string) =>
    setOpen((s) => {
      const n = new Set(s);
      if (n.has(id)) n.delete(id);
      else n.add(id);
      return n;
    });
  const edges = data?.auditLog.edges ?? [];
  const filtered = Object.values(values).some(Boolean);
  return (
    <>
      <h1>Audit log</h1>
      <p className="hint">Every admin and moderator action, newest first. Entries are never changed or deleted.</p>
      <form className="filters" role="search" aria-label="Filter the audit log" onSubmit={(e) => e.preventDefault()}>
        <label>
          Action
          <input type="search" defaultValue={values.action} placeholder="e.g. presence.member.kicked" maxLength={100} onChange={(e) => set('action', e.target.value.trim())} />
        </label>
        <label>
          Subgraph
          <select value={values.subgraph} onChange={(e) => set('subgraph', e.target.value)}>
            <option value="">All subgraphs</option>
            {SUBGRAPHS.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Actor
          <input type="search" value={values.actor} placeholder="A user id, or pick one below" maxLength={64} onChange={(e) => set('actor', e.target.value.trim())} />
        </label>
        <label>
          From
          <input type="date" value={values.from} onChange={(e) => set('from', e.target.value)} />
        </label>
        <label>
          To
          <input type="date" value={values.to} onChange={(e) => set('to', e.target.value)} />
        </label>
      </form>
      <ListState loading={loading} error={error} empty={edges.length === 0} what="the audit log" emptyText={filtered ? 'No entry matches these filters.' : 'Nothing recorded yet.'} />
      {edges.length > 0 && (
        <div className="table-wrap">
          <table className="audit">
            <caption className="sr-only">Audit entries, newest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Actor</th>
                <th scope="col">Action</th>
                <th scope="col">Subgraph</th>
                <th scope="col">Target</th>
                <th scope="col">
                  <span className="sr-only">Details</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {edges.map(({ node: a }) => (
                <Fragment key={a.id}>
                  <tr>
                    <th scope="row">
                      <time dateTime={a.at}>{when(a.at)}</time>
                    </th>
                    <td>
                      {a.actor ? (
                        <button type="button" className="link" title="Only this actor's entries" onClick={() => set('actor', a.actor!.id)}>
                          {a.actor.displayName}
                        </button>
                      ) : (
                        'System'
                      )}
                    </td>
                    <td>
                      <code>{a.action}</code>
                    </td>
                    <td>{a.subgraph}</td>
                    <td>
                      {a.targetType}
                      {a.targetId && <span className="meta block">{a.targetId}</span>}
                    </td>
                    <td>
                      <button type="button" className="secondary small" aria-expanded={open.has(a.id)} aria-controls={open.has(a.id) ? `details-${a.id}` : undefined} onClick={() => toggle(a.id)}>
                        Details
                      </button>
                    </td>
                  </tr>
                  {open.has(a.id) && (
                    <tr id={`details-${a.id}`} className="details">
                      <td colSpan={6}>
                        <pre>{JSON.stringify({ actor: a.actor ? { id: a.actor.id, email: a.actor.email } : null, ...(a.details as object) }, null, 2)}</pre>
                      </td>
                    </tr>
                  )}
                </Fragment>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <More pageInfo={data?.auditLog.pageInfo} loading={loading} label="Older entries" onMore={(after) => void fetchMore({ variables: { after } })} />
    </>
  );
}
