import { randomBytes } from 'node:crypto';
import type { Logger } from '@frontrow/kit';
import {
  PaymentProviderError,
  SIGNATURE_HEADER,
  signWebhook,
  type PaymentCreated,
  type PaymentProvider,
  type PaymentRequest,
  type PaymentWebhookEvent,
  type RefundCreated,
  type RefundRequest,
} from './provider';

/** The cards the test provider knows, as a card processor's test mode has them. */
export const TEST_PAYMENT_METHODS = {
  /** Succeeds shortly after. The default. */
  ok: 'pm_card_ok',
  /** Is declined shortly after. */
  declined: 'pm_card_declined',
  /** Succeeds, but late (about 1.5 s). */
  delayed: 'pm_card_delayed',
} as const;

export interface TestProviderOptions {
  webhookSecret: string;
  logger: Logger;
  /** How long a payment or refund takes to settle. */
  settleDelayMs?: number;
  /** How long `pm_card_delayed` takes. */
  delayedSettleMs?: number;
  /** Deliveries of one webhook before it is given up (non-2xx answers and network errors retry). */
  maxDeliveryAttempts?: number;
}

interface TestPayment {
  id: string;
  orderId: string;
  amount: number;
  currency: string;
  method: string;
  status: 'pending' | 'succeeded' | 'failed';
  refundId?: string;
  traceparent?: string;
}

/** One webhook as it was sent, for tests that replay or inspect deliveries. */
export interface Delivery {
  event: PaymentWebhookEvent;
  body: string;
  status: number | 'error';
}

/**
 * The built-in provider for development and tests. It behaves like a processor in
 * test mode: payments and refunds settle asynchronously, and the outcome is POSTed
 * over HTTP to commerce's webhook URL with an HMAC signature, retried with backoff
 * until a 2xx answer. Nothing leaves the process.
 */
export class TestPaymentProvider implements PaymentProvider {
  readonly name = 'test';
  private webhookUrl?: string;
  private readonly payments = new Map<string, TestPayment>();
  private readonly paymentsByKey = new Map<string, string>();
  private readonly refundsByKey = new Map<string, string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inflight = new Set<Promise<void>>();
  private readonly abort = new AbortController();
  private stopped = false;
  readonly deliveries: Delivery[] = [];
  private readonly settleDelayMs: number;
  private readonly delayedSettleMs: number;
  private readonly maxDeliveryAttempts: number;

  constructor(private readonly opts: TestProviderOptions) {
    this.settleDelayMs = opts.settleDelayMs ?? 50;
    this.delayedSettleMs = opts.delayedSettleMs ?? 1500;
    this.maxDeliveryAttempts = opts.maxDeliveryAttempts ?? 6;
  }

  /** Where webhooks go: commerce's own `/webhooks/payments`, known once it listens. */
  attach(webhookUrl: string): void {
    this.webhookUrl = webhookUrl;
  }

  acceptsPaymentMethod(method: string): boolean {
    return (Object.values(TEST_PAYMENT_METHODS) as string[]).includes(method);
  }

  async createPayment(req: PaymentRequest): Promise<PaymentCreated> {
    const existing = this.paymentsByKey.get(req.idempotencyKey);
    if (existing) return { paymentId: existing };
    if (!this.acceptsPaymentMethod(req.paymentMethod)) {
      throw new PaymentProviderError(`Unknown payment method ${req.paymentMethod}`, 'invalid_payment_method');
    }
    const payment: TestPayment = {
      id: `pay_${randomBytes(12).toString('hex')}`,
      orderId: req.orderId,
      amount: req.amount,
      currency: req.currency,
      method: req.paymentMethod,
      status: 'pending',
      traceparent: req.traceparent,
    };
    this.payments.set(payment.id, payment);
    this.paymentsByKey.set(req.idempotencyKey, payment.id);
    const delay = req.paymentMethod === TEST_PAYMENT_METHODS.delayed ? this.delayedSettleMs : this.settleDelayMs;
    this.later(delay, () => {
      const declined = payment.method === TEST_PAYMENT_METHODS.declined;
      payment.status = declined ? 'failed' : 'succeeded';
      return this.send(declined ? 'payment.failed' : 'payment.succeeded', {
        paymentId: payment.id,
        orderId: payment.orderId,
        amount: payment.amount,
        currency: payment.currency,
        ...(declined ? { failureCode: 'card_declined' } : {}),
        ...(payment.traceparent ? { traceparent: payment.traceparent } : {}),
      });
    });
    return { paymentId: payment.id };
  }

  async refund(req: RefundRequest): Promise<RefundCreated> {
    const existing = this.refundsByKey.get(req.idempotencyKey);
    if (existing) return { refundId: existing };
    const payment = this.payments.get(req.paymentId);
    if (!payment) throw new PaymentProviderError('No such payment', 'payment_not_found');
    if (payment.status !== 'succeeded') throw new PaymentProviderError('The payment has not succeeded', 'payment_not_settled');
    if (payment.refundId) throw new PaymentProviderError('The payment is already refunded', 'already_refunded');
    if (req.amount !== payment.amount || req.currency !== payment.currency) {
      throw new PaymentProviderError('Only full refunds are supported', 'amount_mismatch');
    }
    const refundId = `re_${randomBytes(12).toString('hex')}`;
    payment.refundId = refundId;
    this.refundsByKey.set(req.idempotencyKey, refundId);
    this.later(this.settleDelayMs, () =>
      this.send('refund.succeeded', {
        paymentId: payment.id,
        orderId: payment.orderId,
        amount: payment.amount,
        currency: payment.currency,
        refundId,
        ...(req.traceparent ? { traceparent: req.traceparent } : {}),
      }),
    );
    return { refundId };
  }

  /** Test helper: what the provider knows about a payment. */
  payment(paymentId: string): Readonly<TestPayment> | undefined {
    return this.payments.get(paymentId);
  }

  private later(ms: number, task: () => Promise<void>): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      const run = task().catch((err) => this.opts.logger.error({ err }, 'test payment provider task failed'));
      this.inflight.add(run);
      void run.finally(() => this.inflight.delete(run));
    }, ms);
    timer.unref?.();
    this.timers.add(timer);
  }

  private async send(type: PaymentWebhookEvent['type'], data: PaymentWebhookEvent['data']): Promise<void> {
    const event: PaymentWebhookEvent = { id: `evt_${randomBytes(12).toString('hex')}`, type, created: Math.floor(Date.now() / 1000), data };
    const body = JSON.stringify(event);
    const delivery: Delivery = { event, body, status: 'error' };
    this.deliveries.push(delivery);
    for (let attempt = 1; attempt <= this.maxDeliveryAttempts && !this.stopped; attempt++) {
      if (!this.webhookUrl) throw new Error('the test payment provider has no webhook URL');
      try {
        // Signed at each attempt, as processors do: a retry carries a fresh timestamp.
        const res = await fetch(this.webhookUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signWebhook(this.opts.webhookSecret, body) },
          body,
          signal: this.abort.signal,
        });
        await res.arrayBuffer();
        delivery.status = res.status;
        if (res.ok) return;
      } catch (err) {
        if (this.stopped) return;
        this.opts.logger.warn({ err, eventId: event.id, attempt }, 'webhook delivery failed');
      }
      await this.pause(100 * 2 ** attempt);
    }
    this.opts.logger.error({ eventId: event.id, type }, 'webhook given up after retries');
  }

  /** Waits between retries; cut short when the provider stops. */
  private pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.abort.signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref?.();
      this.abort.signal.addEventListener('abort', done);
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.abort.abort();
    await Promise.allSettled([...this.inflight]);
  }
}
