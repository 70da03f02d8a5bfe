import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * What commerce needs from a card processor. Both calls only *start* something:
 * the outcome arrives later as a signed webhook (`POST /webhooks/payments`), as with
 * a real processor. Payment ids are opaque strings.
 */
export interface PaymentProvider {
  readonly name: string;
  /** Starts charging `amount` (minor units). The same idempotency key returns the same payment. */
  createPayment(request: PaymentRequest): Promise<PaymentCreated>;
  /** Starts refunding a settled payment in full. The same idempotency key returns the same refund. */
  refund(request: RefundRequest): Promise<RefundCreated>;
  /** False for a payment method token the provider would refuse outright. */
  acceptsPaymentMethod?(method: string): boolean;
  /** Stops timers and deliveries (the built-in test provider has some). */
  stop?(): Promise<void>;
}

export interface PaymentRequest {
  orderId: string;
  amount: number;
  currency: string;
  paymentMethod: string;
  idempotencyKey: string;
  /**
   * Metadata the processor keeps with the payment and returns in its webhooks: the
   * checkout's trace, so that settling it (and what that publishes) joins that trace.
   */
  traceparent?: string;
}

export interface PaymentCreated {
  paymentId: string;
}

export interface RefundRequest {
  paymentId: string;
  orderId: string;
  amount: number;
  currency: string;
  reason: string;
  idempotencyKey: string;
  /** The refund's metadata: the trace of the admin's refund. */
  traceparent?: string;
}

export interface RefundCreated {
  refundId: string;
}

/** The provider refused a request (unknown payment, not refundable...). */
export class PaymentProviderError extends Error {
  constructor(message: string, readonly code: string) {
    super(message);
    this.name = 'PaymentProviderError';
  }
}

/** What a webhook carries. `data.orderId` is the metadata commerce gave the payment. */
export interface PaymentWebhookEvent {
  id: string;
  type: 'payment.succeeded' | 'payment.failed' | 'refund.succeeded' | string;
  /** Unix seconds. */
  created: number;
  data: {
    paymentId: string;
    orderId: string;
    amount: number;
    currency: string;
    refundId?: string;
    failureCode?: string;
    /** The payment's metadata, as given to createPayment. */
    traceparent?: string;
  };
}

export const SIGNATURE_HEADER = 'x-frontrow-signature';
/** Webhooks signed longer ago than this (or this far in the future) are refused. */
export const SIGNATURE_TOLERANCE_SECONDS = 5 * 60;

function hmacHex(secret: string, timestamp: number, rawBody: Buffer | string): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex');
}

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`. */
export function signWebhook(secret: string, rawBody: Buffer | string, timestamp = Math.floor(Date.now() / 1000)): string {
  return `t=${timestamp},v1=${hmacHex(secret, timestamp, rawBody)}`;
}

export type SignatureCheck = { ok: true } | { ok: false; reason: 'missing' | 'malformed' | 'stale' | 'mismatch' };

/**
 * Checks a signature header against the raw body, in constant time. Several `v1`
 * values may be given (a provider signs with old and new secret while rotating).
 */
export function verifyWebhookSignature(
  secret: string,
  header: string | undefined,
  rawBody: Buffer,
  nowSeconds = Math.floor(Date.now() / 1000),
  toleranceSeconds = SIGNATURE_TOLERANCE_SECONDS,
): SignatureCheck {
  if (!header) return { ok: false, reason: 'missing' };
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't' && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (key === 'v1' && /^[0-9a-f]{64}$/.test(value)) signatures.push(value);
  }
  if (timestamp === undefined || signatures.length === 0) return { ok: false, reason: 'malformed' };
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) return { ok: false, reason: 'stale' };
  const expected = Buffer.from(hmacHex(secret, timestamp, rawBody), 'hex');
  const matches = signatures.some((s) => {
    const given = Buffer.from(s, 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  return matches ? { ok: true } : { ok: false, reason: 'mismatch' };
}
