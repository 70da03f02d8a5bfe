import { useMutation, useQuery } from '@apollo/client/react';
import { CreateApiKeyDocument, MeDocument, MyApiKeysDocument, MyDevicesDocument, MyEntitlementsDocument, MyOrdersDocument, RevokeApiKeyDocument } from '@frontrow/sdk';
import { useState, type FormEvent, type ReactNode } from 'react';
import { Link } from 'react-router';
import { ErrorMessage, Loading, money, useTitle, when } from '../app/ui';

/** Scopes a fan's or a developer's key may usefully carry (docs/scopes.md has them all). */
const SCOPES = [
  { id: 'profile:read', label: 'Read my profile' },
  { id: 'telemetry:write', label: 'Send playback telemetry' },
  { id: 'creative:write', label: 'Manage creatives (sponsors)' },
  { id: 'reports:read', label: 'Read impression reports (sponsors)' },
];

const ORDER_STATUS: Record<string, string> = { PENDING: 'Pending', PAID: 'Paid', FAILED: 'Failed', REFUNDED: 'Refunded', CANCELLED: 'Cancelled' };

function Orders(): ReactNode {
  const { data, loading, error, fetchMore } = useQuery(MyOrdersDocument, { variables: { first: 10 }, fetchPolicy: 'cache-and-network' });
  return (
    <section aria-labelledby="orders">
      <h2 id="orders">Orders</h2>
      {!data && loading && <Loading what="Loading your orders" />}
      <ErrorMessage error={error} />
      {data?.myOrders.edges.length === 0 && <p className="empty">No orders yet.</p>}
      <ul className="rows">
        {data?.myOrders.edges.map(({ node: o }) => (
          <li key={o.id}>
            <span>{o.lines.map((l) => l.product.name).join(', ')}</span>
            <span>{money(o.total)}</span>
            <span className={`badge ${o.status.toLowerCase()}`}>{ORDER_STATUS[o.status] ?? o.status}</span>
            <time dateTime={o.createdAt}>{when(o.createdAt)}</time>
          </li>
        ))}
      </ul>
      {data?.myOrders.pageInfo.hasNextPage && (
        <button type="button" className="secondary" onClick={() => void fetchMore({ variables: { after: data.myOrders.pageInfo.endCursor } })}>
          More orders
        </button>
      )}
    </section>
  );
}

function Passes(): ReactNode {
  const { data, loading, error } = useQuery(MyEntitlementsDocument, { fetchPolicy: 'cache-and-network' });
  return (
    <section aria-labelledby="passes">
      <h2 id="passes">Passes</h2>
      {!data && loading && <Loading what="Loading your passes" />}
      <ErrorMessage error={error} />
      {data?.myEntitlements.length === 0 && <p className="empty">No passes yet.</p>}
      <ul className="rows">
        {data?.myEntitlements.map((e) => (
          <li key={e.id}>
            <span>{e.product.name}</span>
            <span>{e.event ? <Link to={`/events/${e.event.id}`}>{e.event.title}</Link> : 'Every game of the season'}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}

function Devices(): ReactNode {
  const { data, loading, error } = useQuery(MyDevicesDocument, { fetchPolicy: 'cache-and-network' });
  return (
    <section aria-labelledby="devices">
      <h2 id="devices">Devices</h2>
      {!data && loading && <Loading what="Loading your devices" />}
      <ErrorMessage error={error} />
      {data?.myDevices.length === 0 && (
        <p className="empty">
          No headset yet. <Link to="/pair">Pair one</Link>.
        </p>
      )}
      <ul className="rows">
        {data?.myDevices.map((d) => (
          <li key={d.id}>
            <span>{d.name}</span>
            <span>{d.platform}</span>
            <span>Paired {when(d.createdAt)}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}

function ApiKeys(): ReactNode {
  const keys = useQuery(MyApiKeysDocument, { fetchPolicy: 'cache-and-network' });
  const [create, created] = useMutation(CreateApiKeyDocument, { refetchQueries: [MyApiKeysDocument] });
  const [revoke] = useMutation(RevokeApiKeyDocument, { refetchQueries: [MyApiKeysDocument] });
  const [error, setError] = useState<unknown>(null);
  const [secret, setSecret] = useState<string | null>(null);

  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const data = new FormData(form);
    const scopes = data.getAll('scopes').map(String);
    setError(null);
    if (!scopes.length) return setError('Choose at least one scope.');
    try {
      const r = await create({ variables: { input: { name: String(data.get('name')).trim(), scopes } } });
      setSecret(r.data!.createApiKey.secret);
      form.reset();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <section aria-labelledby="keys">
      <h2 id="keys">API keys</h2>
      <form onSubmit={(e) => void submit(e)} aria-label="Create API key">
        <label>
          Name
          <input name="name" required maxLength={64} />
        </label>
        <fieldset>
          <legend>Scopes</legend>
          {SCOPES.map((s) => (
            <label key={s.id} className="choice">
              <input type="checkbox" name="scopes" value={s.id} /> {s.label} <code>{s.id}</code>
            </label>
          ))}
        </fieldset>
        <ErrorMessage error={error} />
        <button type="submit" disabled={created.loading}>
          Create API key
        </button>
      </form>
      {secret && (
        <div className="secret" role="status">
          <p>Your new key. Copy it now: it is shown only once.</p>
          <label>
            Secret
            <input readOnly value={secret} onFocus={(e) => e.currentTarget.select()} />
          </label>
          <button type="button" className="secondary" onClick={() => void navigator.clipboard?.writeText(secret)}>
            Copy
          </button>
          <button type="button" className="link" onClick={() => setSecret(null)}>
            I have saved it
          </button>
        </div>
      )}
      <ErrorMessage error={keys.error} />
      <ul className="rows">
        {keys.data?.myApiKeys.map((k) => (
          <li key={k.id}>
            <span>{k.name}</span>
            <span>{k.scopes.join(', ')}</span>
            <span>{k.revokedAt ? 'Revoked' : k.lastUsedAt ? `Last used ${when(k.lastUsedAt)}` : 'Never used'}</span>
            {!k.revokedAt && (
              <button type="button" className="secondary" aria-label={`Revoke ${k.name}`} onClick={() => void revoke({ variables: { id: k.id } }).catch(setError)}>
                Revoke
              </button>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

export function AccountPage(): ReactNode {
  useTitle('Account');
  const me = useQuery(MeDocument);
  return (
    <>
      <h1>Account</h1>
      {me.data?.me && (
        <p>
          Signed in as <strong>{me.data.me.displayName}</strong> ({me.data.me.email})
        </p>
      )}
      <Orders />
      <Passes />
      <Devices />
      <ApiKeys />
    </>
  );
}
