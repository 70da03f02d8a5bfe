import { activeSpanContext, contextOf, inSpan, tracerFor, type Logger } from '@frontrow/kit';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Request, Response } from 'express';
import { applyPaymentEvent, refundLatePayment } from '../orders';
import { SIGNATURE_HEADER, verifyWebhookSignature, type PaymentProvider, type PaymentWebhookEvent } from './provider';

export const WEBHOOK_PATH = '/webhooks/payments';

function parseEvent(raw: Buffer): PaymentWebhookEvent | null {
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch {
    return null;
  }
  const e = value as Partial<PaymentWebhookEvent> | null;
  const d = e?.data as Partial<PaymentWebhookEvent['data']> | undefined;
  if (!e || typeof e.id !== 'string' || e.id.length < 1 || e.id.length > 200 || typeof e.type !== 'string' || !d) return null;
  if (typeof d.orderId !== 'string' || !/^[0-9a-f-]{36}$/i.test(d.orderId) || typeof d.paymentId !== 'string') return null;
  if (!Number.isInteger(d.amount) || typeof d.currency !== 'string') return null;
  return e as PaymentWebhookEvent;
}

/**
 * `POST /webhooks/payments` (mounted behind express.raw): the signature is checked
 * over the exact bytes received, in constant time; a bad or stale signature is a 400
 * and changes nothing. A verified event is applied once (its id is recorded), and
 * only then answered 200: any failure answers 500, so the provider delivers again.
 */
export function webhookRoute(deps: { em: EntityManager; secret: string; provider: PaymentProvider; logger: Logger }) {
  const tracer = tracerFor('commerce');
  return async (req: Request, res: Response): Promise<void> => {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const check = verifyWebhookSignature(deps.secret, req.header(SIGNATURE_HEADER), raw);
    if (!check.ok) {
      deps.logger.warn({ reason: check.reason }, 'refused a payment webhook');
      res.status(400).json({ error: check.reason === 'stale' ? 'stale timestamp' : 'invalid signature' });
      return;
    }
    const event = parseEvent(raw);
    if (!event) {
      res.status(400).json({ error: 'malformed event' });
      return;
    }
    try {
      // Applied in the trace of the checkout (or refund) that started the payment, with
      // a link to this delivery's own request.
      const applied = await inSpan(
        tracer,
        `apply ${event.type}`,
        { parent: typeof event.data.traceparent === 'string' ? contextOf(event.data.traceparent) : undefined, links: activeSpanContext(), attributes: { 'frontrow.payment.event': event.id } },
        () => applyPaymentEvent(deps.em, event, deps.logger),
      );
      if (applied.latePayment) void refundLatePayment(deps.provider, applied.latePayment, deps.logger);
      res.status(200).json({ received: true, duplicate: applied.duplicate });
    } catch (err) {
      deps.logger.error({ err, eventId: event.id, type: event.type }, 'could not apply a payment event');
      res.status(500).json({ error: 'not applied; deliver again' });
    }
  };
}
