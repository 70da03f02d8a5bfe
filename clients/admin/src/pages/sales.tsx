import { useApolloClient, useMutation, useQuery } from '@apollo/client/react';
import { AdminOrdersDocument, EventChoicesDocument, FinanceExportUrlDocument, ProductSalesDocument, RefundOrderDocument, type AdminOrderFragment, type OrderStatus } from '@frontrow/sdk';
import { useState, type FormEvent, type ReactNode } from 'react';
import { useSearchParams } from 'react-router';
import { Badge, ErrorMessage, Field, ListState, More, dayAfter, fromLocalInput, money, useAction, useFormErrors, useTitle, when } from '../app/ui';

const STATUSES: OrderStatus[] = ['PENDING', 'PAID', 'FAILED', 'REFUNDED', 'CANCELLED'];

/** The sales filters, kept in the address so a view can be shared. */
function useFilters() {
  const [params, setParams] = useSearchParams();
  const values = { status: params.get('status') ?? '', event: params.get('event') ?? '', from: params.get('from') ?? '', to: params.get('to') ?? '' };
  const set = (key: keyof typeof values, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  };
  const span = { from: fromLocalInput(values.from), to: dayAfter(values.to) };
  return { values, set, span };
}

function Refund({ order }: { order: AdminOrderFragment }): ReactNode {
  const [open, setOpen] = useState(false);
  const [refund] = useMutation(RefundOrderDocument, { refetchQueries: [ProductSalesDocument] });
  const errors = useFormErrors(['reason', 'orderId']);
  const [busy, setBusy] = useState(false);
  if (order.status !== 'PAID') return null;
  if (!open)
    return (
      <button type="button" className="secondary small" onClick={() => setOpen(true)}>
        Refund
      </button>
    );
  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const reason = String(new FormData(e.currentTarget).get('reason') ?? '').trim();
    errors.setError(null);
    setBusy(true);
    try {
      await refund({ variables: { orderId: order.id, reason } });
      setOpen(false);
    } catch (err) {
      errors.setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="confirm" aria-label={`Refund order ${order.id.slice(0, 8)}`} onSubmit={(e) => void submit(e)}>
      <Field label="Reason for the refund" error={errors.errorFor('reason')}>
        {(p) => <input {...p} name="reason" required maxLength={500} autoFocus />}
      </Field>
      <p className="hint">
        {money(order.total)} goes back to {order.user.displayName}; their pass stops working at once.
      </p>
      <ErrorMessage error={errors.formError} />
      <div className="actions">
        <button type="submit" className="danger small" disabled={busy}>
          Confirm refund
        </button>
        <button type="button" className="secondary small" onClick={() => setOpen(false)}>
          Keep the order
        </button>
      </div>
    </form>
  );
}

function Orders({ filters }: { filters: ReturnType<typeof useFilters> }): ReactNode {
  const { values, span } = filters;
  const variables = { first: 20, ...(values.status ? { status: values.status as OrderStatus } : {}), ...(values.event ? { eventId: values.event } : {}), ...span };
  const { data, loading, error, fetchMore } = useQuery(AdminOrdersDocument, { variables, notifyOnNetworkStatusChange: true, fetchPolicy: 'cache-and-network' });
  const edges = data?.orders.edges ?? [];
  return (
    <section aria-labelledby="orders">
      <h2 id="orders">Orders</h2>
      <ListState loading={loading} error={error} empty={edges.length === 0} what="orders" emptyText="No order matches these filters." />
      {edges.length > 0 && (
        <div className="table-wrap">
          <table>
            <caption className="sr-only">Orders, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Placed</th>
                <th scope="col">Buyer</th>
                <th scope="col">Products</th>
                <th scope="col">Total</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {edges.map(({ node: o }) => (
                <tr key={o.id}>
                  <th scope="row">
                    <time dateTime={o.createdAt}>{when(o.createdAt)}</time>
                    <span className="meta block">#{o.id.slice(0, 8)}</span>
                  </th>
                  <td>
                    {o.user.displayName}
                    {o.user.email && <span className="meta block">{o.user.email}</span>}
                  </td>
                  <td>{o.lines.map((l) => `${l.quantity > 1 ? `${l.quantity} × ` : ''}${l.product.name}${l.product.event ? ` (${l.product.event.title})` : ''}`).join(', ')}</td>
                  <td className="num">{money(o.total)}</td>
                  <td>
                    <Badge value={o.status} />
                  </td>
                  <td>
                    <Refund order={o} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <More pageInfo={data?.orders.pageInfo} loading={loading} label="More orders" onMore={(after) => void fetchMore({ variables: { after } })} />
    </section>
  );
}

function Totals({ filters }: { filters: ReturnType<typeof useFilters> }): ReactNode {
  const { values, span } = filters;
  const { data, loading, error } = useQuery(ProductSalesDocument, { variables: { ...(values.event ? { eventId: values.event } : {}), ...span }, fetchPolicy: 'cache-and-network' });
  const rows = data?.productSales ?? [];
  return (
    <section aria-labelledby="totals">
      <h2 id="totals">Totals per product</h2>
      <p className="hint">Paid orders, refunds shown apart; the status filter does not apply here.</p>
      <ListState loading={loading} error={error} empty={rows.length === 0} what="totals" emptyText="Nothing sold in this span." />
      {rows.length > 0 && (
        <div className="table-wrap">
          <table>
            <caption className="sr-only">Totals per product</caption>
            <thead>
              <tr>
                <th scope="col">Product</th>
                <th scope="col">Orders</th>
                <th scope="col">Units</th>
                <th scope="col">Gross</th>
                <th scope="col">Refunded</th>
                <th scope="col">Net</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={`${r.product.id}-${r.gross.currency}`}>
                  <th scope="row">{r.product.name}</th>
                  <td className="num">{r.orders}</td>
                  <td className="num">{r.units}</td>
                  <td className="num">{money(r.gross)}</td>
                  <td className="num">{money(r.refunded)}</td>
                  <td className="num">{money(r.net)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** The finance CSV: a signed link, valid for minutes, asked for when the admin clicks. */
function FinanceExport(): ReactNode {
  const client = useApolloClient();
  const action = useAction();
  const errors = useFormErrors(['from', 'to']);
  const [link, setLink] = useState<string | null>(null);
  const firstOfMonth = new Date(new Date().getFullYear(), new Date().getMonth(), 1);
  const iso = (d: Date) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    const from = fromLocalInput(String(data.get('from')));
    const to = dayAfter(String(data.get('to')));
    errors.setError(null);
    if (!from || !to) return errors.setError('Choose both dates.');
    await action.run(async () => {
      try {
        const r = await client.query({ query: FinanceExportUrlDocument, variables: { from, to }, fetchPolicy: 'network-only' });
        const url = r.data?.financeExportUrl;
        if (!url) throw new Error('no link');
        setLink(url);
        window.location.assign(url);
      } catch (err) {
        errors.setError(err);
        throw err;
      }
    });
  };
  return (
    <section aria-labelledby="finance">
      <h2 id="finance">Finance export</h2>
      <form className="filters" aria-label="Finance export" onSubmit={(e) => void submit(e)}>
        <Field label="First day" error={errors.errorFor('from')}>
          {(p) => <input {...p} name="from" type="date" required defaultValue={iso(firstOfMonth)} />}
        </Field>
        <Field label="Last day" error={errors.errorFor('to')}>
          {(p) => <input {...p} name="to" type="date" required defaultValue={iso(new Date())} />}
        </Field>
        <div className="field end">
          <button type="submit" disabled={action.busy}>
            Download finance CSV
          </button>
        </div>
      </form>
      <ErrorMessage error={errors.formError} />
      {link && (
        <p className="hint" role="status">
          Your download has started. If not, <a href={link}>download the CSV</a> (the link works for 5 minutes).
        </p>
      )}
    </section>
  );
}

export function SalesPage(): ReactNode {
  useTitle('Sales');
  const filters = useFilters();
  const events = useQuery(EventChoicesDocument);
  const { values, set } = filters;
  return (
    <>
      <h1>Sales</h1>
      <form className="filters" role="search" aria-label="Filter orders" onSubmit={(e) => e.preventDefault()}>
        <label>
          Status
          <select value={values.status} onChange={(e) => set('status', e.target.value)}>
            <option value="">All statuses</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s.charAt(0) + s.slice(1).toLowerCase()}
              </option>
            ))}
          </select>
        </label>
        <label>
          Event
          <select value={values.event} onChange={(e) => set('event', e.target.value)}>
            <option value="">All events</option>
            {events.data?.events.edges.map(({ node }) => (
              <option key={node.id} value={node.id}>
                {node.title} ({when(node.startsAt)})
              </option>
            ))}
          </select>
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
      <ErrorMessage error={events.error} />
      <Totals filters={filters} />
      <Orders filters={filters} />
      <FinanceExport />
    </>
  );
}
