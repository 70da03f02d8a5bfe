import { useMutation, useQuery } from '@apollo/client/react';
import { CheckoutDocument, OrderDocument, ProductDocument } from '@frontrow/sdk';
import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { ErrorMessage, Loading, money, useTitle } from '../app/ui';

/** The test payment provider's cards (DESIGN.md). */
const CARDS = [
  { id: 'pm_card_ok', label: 'Test card: pays' },
  { id: 'pm_card_declined', label: 'Test card: declined' },
  { id: 'pm_card_delayed', label: 'Test card: pays after a delay' },
];

const STATUS: Record<string, string> = {
  PENDING: 'Processing your payment',
  PAID: 'Paid',
  FAILED: 'Payment failed. Choose another card and try again.',
  CANCELLED: 'Cancelled: the payment did not complete in time. Nothing was charged.',
  REFUNDED: 'Refunded',
};

/** What a failed order's reason code means to a person. */
const REASONS: Record<string, string> = {
  card_declined: 'Payment failed: your card was declined. Choose another card and try again.',
  insufficient_funds: 'Payment failed: the card has insufficient funds. Choose another card and try again.',
  expired_card: 'Payment failed: the card has expired. Choose another card and try again.',
  provider_unavailable: 'Payment failed: the payment service could not be reached. Nothing was charged; try again in a moment.',
  reservation_expired: 'Cancelled: the payment did not complete in time. Nothing was charged.',
};

function statusText(status: string | undefined, reason: string | null | undefined): string {
  if (!status) return 'Processing your payment';
  if ((status === 'FAILED' || status === 'CANCELLED') && reason && REASONS[reason]) return REASONS[reason];
  return STATUS[status] ?? status;
}

/**
 * One purchase attempt has one idempotency key, kept for the tab: pressing Pay twice
 * or reloading returns the same order. The order's id goes into the address, so a
 * reload follows it instead of paying again.
 */
function attemptKey(productId: string, fresh = false): string {
  const key = `frontrow.checkout.${productId}`;
  let value = sessionStorage.getItem(key);
  if (!value || fresh) {
    value = crypto.randomUUID();
    sessionStorage.setItem(key, value);
  }
  return value;
}

export function CheckoutPage(): ReactNode {
  useTitle('Checkout');
  const { productId = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const orderId = params.get('order');
  const product = useQuery(ProductDocument, { variables: { id: productId } });
  const [checkout, checkoutState] = useMutation(CheckoutDocument);
  const [card, setCard] = useState('pm_card_ok');
  const [error, setError] = useState<unknown>(null);
  const order = useQuery(OrderDocument, { variables: { id: orderId ?? '' }, skip: !orderId, fetchPolicy: 'network-only', notifyOnNetworkStatusChange: false });
  const status = order.data?.order?.status;
  const settled = status !== undefined && status !== 'PENDING';

  // Follow the order until the payment settles.
  useEffect(() => {
    if (!orderId || settled) {
      order.stopPolling();
      return;
    }
    order.startPolling(750);
    return () => order.stopPolling();
  }, [orderId, settled, order]);

  const pay = async (e: FormEvent) => {
    e.preventDefault();
    if (checkoutState.loading) return;
    setError(null);
    try {
      const r = await checkout({ variables: { input: { productId, quantity: 1, idempotencyKey: attemptKey(productId), paymentMethod: card } } });
      setParams({ order: r.data!.checkout.id }, { replace: true });
    } catch (err) {
      setError(err);
    }
  };

  const retry = () => {
    attemptKey(productId, true);
    setParams({}, { replace: true });
  };

  if (product.loading) return <Loading what="Loading the pass" />;
  const p = product.data?.product;
  if (!p) return <ErrorMessage error={product.error ?? 'This pass does not exist or is no longer on sale.'} />;

  return (
    <section className="narrow">
      <h1>Checkout</h1>
      <p>
        <strong>{p.name}</strong>
        {p.event && <> for {p.event.title}</>} · {money(p.price)}
      </p>
      {!orderId && (
        <form onSubmit={(e) => void pay(e)} aria-label="Payment">
          <fieldset>
            <legend>Card</legend>
            {CARDS.map((c) => (
              <label key={c.id} className="choice">
                <input type="radio" name="card" value={c.id} checked={card === c.id} onChange={() => setCard(c.id)} />
                {c.label} <code>{c.id}</code>
              </label>
            ))}
          </fieldset>
          <ErrorMessage error={error} context={{ conflict: 'Sold out: there are no passes left.', forbidden: 'You cannot buy this pass.' }} />
          <button type="submit" disabled={checkoutState.loading}>
            {checkoutState.loading ? 'Paying…' : 'Pay'}
          </button>
        </form>
      )}
      {orderId && (
        <div className="order">
          {order.error && !order.data && <ErrorMessage error={order.error} />}
          <p role="status" aria-live="polite" className={`status ${status?.toLowerCase() ?? ''}`}>
            {statusText(status, order.data?.order?.failureReason)}
            {!settled && '…'}
          </p>
          {status === 'PAID' && p.event && (
            <p>
              <Link to={`/events/${p.event.id}`}>Go to the game</Link>
            </p>
          )}
          {(status === 'FAILED' || status === 'CANCELLED') && (
            <button type="button" onClick={retry}>
              Try another card
            </button>
          )}
        </div>
      )}
    </section>
  );
}
