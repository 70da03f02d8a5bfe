import { useMutation, useQuery, useSubscription } from '@apollo/client/react';
import { AlertRulesDocument, AlertsDocument, CreateAlertRuleDocument, LiveEventsDocument, QosSeriesDocument, UpdateAlertRuleDocument, type AdminAlertRuleFragment, type AlertsSubscription } from '@frontrow/sdk';
import { NetworkStatus } from '@apollo/client';
import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { ErrorMessage, Field, ListState, useFilters, useFormErrors, useTitle } from '../app/ui';
import { TimeChart } from './chart';

/** How often the figures are asked for again (the issue asks for at most 5 s). */
export const POLL_MS = 5_000;
const WINDOWS = [
  { id: '5m', label: 'Last 5 minutes' },
  { id: '1h', label: 'Last hour' },
  { id: '24h', label: 'Last 24 hours' },
];
const METRICS = [
  { id: 'viewers', label: 'Viewers' },
  { id: 'startupTimeP50Ms', label: 'Startup time p50 (ms)' },
  { id: 'startupTimeP95Ms', label: 'Startup time p95 (ms)' },
  { id: 'rebufferRatio', label: 'Rebuffer ratio' },
  { id: 'bitrateKbpsP50', label: 'Bitrate p50 (kbps), alerts when below' },
  { id: 'errors', label: 'Errors' },
];
const metricLabel = (id: string) => METRICS.find((m) => m.id === id)?.label ?? id;

const ms = (v: number) => (v >= 1000 ? `${(v / 1000).toFixed(v >= 10_000 ? 0 : 1)} s` : `${Math.round(v)} ms`);
const pct = (v: number) => `${(v * 100).toFixed(v < 0.1 ? 1 : 0)}%`;
const kbps = (v: number) => (v >= 1000 ? `${(v / 1000).toFixed(1)} Mb/s` : `${Math.round(v)} kb/s`);
const count = (v: number) => Math.round(v).toLocaleString();
const or = (v: number | null | undefined, f: (v: number) => string) => (v === null || v === undefined ? '—' : f(v));

function Charts({ eventId, window }: { eventId: string; window: string }): ReactNode {
  const { data, error, loading, networkStatus } = useQuery(QosSeriesDocument, { variables: { eventId, window }, pollInterval: POLL_MS, fetchPolicy: 'network-only', notifyOnNetworkStatusChange: true });
  // Every answer, changed or not, counts: the charts are redrawn and the time shown.
  const [answers, setAnswers] = useState<{ count: number; at: Date | null }>({ count: 0, at: null });
  const q = data?.qosSummary;
  useEffect(() => {
    if (q && networkStatus === NetworkStatus.ready) setAnswers((a) => ({ count: a.count + 1, at: new Date() }));
  }, [q, networkStatus]);
  const updatedAt = answers.at;
  if (!q) return <ListState loading={loading} error={error} empty what="the figures" emptyText="No figures yet." />;
  const times = q.series.map((p) => Date.parse(p.at) / 1000);
  // The minute under way is rolled up a few seconds after its first events: until then
  // it reads as empty, which is not a drop to zero but no answer yet.
  const thisMinute = Math.floor(Date.now() / 60_000) * 60;
  const series = q.series;
  const pending = (i: number) => times[i] >= thisMinute && series[i].viewers === 0;
  const values = <T,>(pick: (p: (typeof series)[number]) => T) => series.map((p, i) => (pending(i) ? null : pick(p)));
  return (
    <>
      <dl className="figures" aria-label="Over the whole window">
        <div>
          <dt>Viewers (peak)</dt>
          <dd>{count(q.viewers)}</dd>
        </div>
        <div>
          <dt>Startup p50</dt>
          <dd>{or(q.startupTimeP50Ms, ms)}</dd>
        </div>
        <div>
          <dt>Startup p95</dt>
          <dd>{or(q.startupTimeP95Ms, ms)}</dd>
        </div>
        <div>
          <dt>Rebuffer ratio</dt>
          <dd>{pct(q.rebufferRatio)}</dd>
        </div>
        <div>
          <dt>Bitrate p50</dt>
          <dd>{or(q.bitrateKbpsP50, kbps)}</dd>
        </div>
        <div>
          <dt>Errors</dt>
          <dd>{count(q.errors)}</dd>
        </div>
      </dl>
      <p className="meta" aria-live="off">
        Updated {updatedAt ? updatedAt.toLocaleTimeString() : '—'}, every {POLL_MS / 1000} s. {error ? 'The last update failed; retrying.' : ''}
      </p>
      <div className="charts">
        <TimeChart title="Viewers" version={answers.count} times={times} series={[{ label: 'Viewers', color: '#9cc3ff', values: values((p) => p.viewers) }]} format={count} summary={`peak ${count(q.viewers)}`} />
        <TimeChart
          title="Startup time"
          version={answers.count}
          times={times}
          series={[
            { label: 'p50', color: '#5fe08f', values: values((p) => p.startupTimeP50Ms ?? null) },
            { label: 'p95', color: '#ffb020', values: values((p) => p.startupTimeP95Ms ?? null) },
          ]}
          format={ms}
          summary={`p50 ${or(q.startupTimeP50Ms, ms)}, p95 ${or(q.startupTimeP95Ms, ms)}`}
        />
        <TimeChart title="Rebuffer ratio" version={answers.count} times={times} series={[{ label: 'Rebuffer ratio', color: '#ff8a80', values: values((p) => p.rebufferRatio) }]} format={pct} summary={pct(q.rebufferRatio)} />
        <TimeChart title="Bitrate" version={answers.count} times={times} series={[{ label: 'p50', color: '#c79cff', values: values((p) => p.bitrateKbpsP50 ?? null) }]} format={kbps} summary={`p50 ${or(q.bitrateKbpsP50, kbps)}`} />
      </div>
    </>
  );
}

type Alert = AlertsSubscription['alerts'];

/** Alerts as they fire: newest first, the fresh ones marked for a few seconds (no sound). */
function Alerts({ titles }: { titles: Map<string, string> }): ReactNode {
  const [alerts, setAlerts] = useState<Array<Alert & { fresh: boolean }>>([]);
  const { error } = useSubscription(AlertsDocument, {
    onData: ({ data }) => {
      const a = data.data?.alerts;
      if (a) setAlerts((list) => [{ ...a, fresh: true }, ...list.filter((x) => x.id !== a.id)].slice(0, 50));
    },
  });
  useEffect(() => {
    if (!alerts.some((a) => a.fresh)) return;
    const t = setTimeout(() => setAlerts((list) => list.map((a) => ({ ...a, fresh: false }))), 8_000);
    return () => clearTimeout(t);
  }, [alerts]);
  const describe = (a: Alert) =>
    `${metricLabel(a.rule.metric)} ${a.rule.metric === 'bitrateKbpsP50' ? 'fell below' : 'rose above'} ${a.rule.threshold} over ${a.rule.window}: ${Number(a.value.toFixed(3))}${a.eventId ? ` at ${titles.get(a.eventId) ?? 'an event'}` : ''}`;
  const latest = alerts[0];
  return (
    <section aria-labelledby="alerts">
      <h2 id="alerts">Alerts</h2>
      <div role="alert" className={latest?.fresh ? 'alert-banner fresh' : 'sr-only'}>
        {latest?.fresh ? `Alert: ${describe(latest)}` : ''}
      </div>
      <ErrorMessage error={error} />
      {alerts.length === 0 ? (
        <p className="empty">No alert since you opened this page.</p>
      ) : (
        <ul className="alerts">
          {alerts.map((a) => (
            <li key={a.id} className={a.fresh ? 'fresh' : undefined}>
              <time dateTime={a.firedAt}>{new Date(a.firedAt).toLocaleTimeString()}</time> {describe(a)}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function RuleForm({ rule, onDone }: { rule?: AdminAlertRuleFragment; onDone: () => void }): ReactNode {
  const [create, created] = useMutation(CreateAlertRuleDocument, { refetchQueries: [AlertRulesDocument] });
  const [update, updated] = useMutation(UpdateAlertRuleDocument);
  const errors = useFormErrors(['metric', 'threshold', 'window']);
  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    const threshold = Number(data.get('threshold'));
    const window = String(data.get('window'));
    errors.setError(null);
    try {
      if (rule) await update({ variables: { id: rule.id, threshold, window, active: data.get('active') === 'on' } });
      else await create({ variables: { metric: String(data.get('metric')), threshold, window } });
      onDone();
    } catch (err) {
      errors.setError(err);
    }
  };
  return (
    <form className="filters" aria-label={rule ? `Edit the ${metricLabel(rule.metric)} rule` : 'New alert rule'} onSubmit={(e) => void submit(e)}>
      {!rule && (
        <Field label="Metric" error={errors.errorFor('metric')}>
          {(p) => (
            <select {...p} name="metric" defaultValue="rebufferRatio">
              {METRICS.map((m) => (
                <option key={m.id} value={m.id}>
                  {m.label}
                </option>
              ))}
            </select>
          )}
        </Field>
      )}
      <Field label="Threshold" error={errors.errorFor('threshold')}>
        {(p) => <input {...p} name="threshold" type="number" step="any" min={0} required defaultValue={rule?.threshold ?? ''} />}
      </Field>
      <Field label="Window" error={errors.errorFor('window')}>
        {(p) => (
          <select {...p} name="window" defaultValue={rule?.window ?? '5m'}>
            {WINDOWS.map((w) => (
              <option key={w.id} value={w.id}>
                {w.label}
              </option>
            ))}
          </select>
        )}
      </Field>
      {rule && (
        <label className="choice">
          <input type="checkbox" name="active" defaultChecked={rule.active} /> Active
        </label>
      )}
      <div className="field end actions">
        <button type="submit" disabled={created.loading || updated.loading}>
          {rule ? 'Save rule' : 'Add rule'}
        </button>
        {rule && (
          <button type="button" className="secondary" onClick={onDone}>
            Cancel
          </button>
        )}
      </div>
      <ErrorMessage error={errors.formError} />
    </form>
  );
}

function Rules(): ReactNode {
  const { data, loading, error } = useQuery(AlertRulesDocument, { fetchPolicy: 'cache-and-network' });
  const [editing, setEditing] = useState<string | null>(null);
  const rules = data?.alertRules ?? [];
  return (
    <section aria-labelledby="rules">
      <h2 id="rules">Alert rules</h2>
      <RuleForm key={rules.length} onDone={() => undefined} />
      <ListState loading={loading} error={error} empty={rules.length === 0} what="alert rules" emptyText="No rules: nothing will alert." />
      {rules.length > 0 && (
        <div className="table-wrap">
          <table>
            <caption className="sr-only">Alert rules</caption>
            <thead>
              <tr>
                <th scope="col">Metric</th>
                <th scope="col">Threshold</th>
                <th scope="col">Window</th>
                <th scope="col">State</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rules.map((r) =>
                editing === r.id ? (
                  <tr key={r.id}>
                    <th scope="row">{metricLabel(r.metric)}</th>
                    <td colSpan={4}>
                      <RuleForm rule={r} onDone={() => setEditing(null)} />
                    </td>
                  </tr>
                ) : (
                  <tr key={r.id}>
                    <th scope="row">{metricLabel(r.metric)}</th>
                    <td className="num">{r.threshold}</td>
                    <td>{r.window}</td>
                    <td>{r.active ? 'Active' : 'Off'}</td>
                    <td>
                      <button type="button" className="secondary small" onClick={() => setEditing(r.id)}>
                        Edit
                      </button>
                    </td>
                  </tr>
                ),
              )}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

export function QosPage(): ReactNode {
  useTitle('Live QoS');
  const [params, update] = useFilters();
  const live = useQuery(LiveEventsDocument, { pollInterval: 30_000 });
  const events = live.data?.events.edges.map((e) => e.node) ?? [];
  const titles = new Map(events.map((e) => [e.id, e.title]));
  const eventId = params.get('event') ?? events[0]?.id ?? '';
  const window = params.get('window') ?? '5m';
  const set = (key: string, value: string) => update({ [key]: value });
  return (
    <>
      <h1>Live QoS</h1>
      <form className="filters" aria-label="Choose what to chart" onSubmit={(e) => e.preventDefault()}>
        <label>
          Live event
          <select value={eventId} onChange={(e) => set('event', e.target.value)} disabled={events.length === 0}>
            {events.map((e) => (
              <option key={e.id} value={e.id}>
                {e.title} ({e.venue.name})
              </option>
            ))}
          </select>
        </label>
        <label>
          Window
          <select value={window} onChange={(e) => set('window', e.target.value)}>
            {WINDOWS.map((w) => (
              <option key={w.id} value={w.id}>
                {w.label}
              </option>
            ))}
          </select>
        </label>
      </form>
      <ListState loading={live.loading} error={live.error} empty={events.length === 0} what="live events" emptyText="No event is live right now." />
      {eventId && (
        <section aria-labelledby="charts">
          <h2 id="charts">{titles.get(eventId) ?? 'Event'}</h2>
          <Charts key={`${eventId}-${window}`} eventId={eventId} window={window} />
        </section>
      )}
      <Alerts titles={titles} />
      <Rules />
    </>
  );
}
