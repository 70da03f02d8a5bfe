import {
  BadInputError,
  DateTimeScalar,
  PRINCIPAL_HEADER,
  SUBGRAPH_BODY_LIMIT,
  enforceAccess,
  errorBody,
  httpStatusOf,
  isDatabaseUnavailable,
  isDomainError,
  requirePrincipal,
  verifyCaller,
  type Logger,
} from '@frontrow/kit';
import express, { type Express } from 'express';
import type { TelemetryServices } from './context';
import { RECORD_ACCESS, recordEvents } from './record';
import { TelemetryKind, type TelemetryEventInput } from './telemetry.input';

const KINDS = new Set<string>(Object.values(TelemetryKind));
const FIELDS = new Set(['kind', 'eventId', 'feedId', 'placementId', 'value', 'at', 'sessionId']);

function wrong(index: number, field: string, what: string): BadInputError {
  return new BadInputError(`events[${index}].${field} ${what}`, 'events');
}

/** GraphQL's ID from a variable: a string, or an integer written as one. */
function id(value: unknown, index: number, field: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isInteger(value)) return String(value);
  throw wrong(index, field, 'must be an ID (a string).');
}

/**
 * The events of a `POST /ingest` body as GraphQL would coerce `[TelemetryEventInput!]!`
 * from a variable, without going through GraphQL: the same types, the same required
 * fields, unknown fields refused, `DateTime` parsed by the contract's scalar, a single
 * object taken as a list of one. Anything else refuses the whole call with
 * BAD_USER_INPUT, as `recordTelemetry` does; what is well-typed but malformed (a
 * negative value, an old `at`) is left for `toRow` to count in `rejected`.
 */
export function eventsOf(body: unknown): TelemetryEventInput[] {
  const given = body && typeof body === 'object' && !Array.isArray(body) ? (body as { events?: unknown }).events : undefined;
  if (given === undefined || given === null) throw new BadInputError('The body must be { "events": [...] }.', 'events');
  const list = Array.isArray(given) ? given : [given];
  return list.map((raw: unknown, i): TelemetryEventInput => {
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new BadInputError(`events[${i}] must be an object.`, 'events');
    const e = raw as Record<string, unknown>;
    for (const key of Object.keys(e)) if (!FIELDS.has(key)) throw wrong(i, key.slice(0, 40), 'is not a field of TelemetryEventInput.');
    if (typeof e.kind !== 'string' || !KINDS.has(e.kind)) throw wrong(i, 'kind', 'must be a TelemetryKind.');
    if (e.eventId === undefined || e.eventId === null) throw wrong(i, 'eventId', 'is required.');
    if (typeof e.sessionId !== 'string') throw wrong(i, 'sessionId', 'must be a string.');
    if (e.value !== undefined && e.value !== null && (typeof e.value !== 'number' || !Number.isFinite(e.value))) {
      throw wrong(i, 'value', 'must be a number.');
    }
    if (e.at === undefined || e.at === null) throw wrong(i, 'at', 'is required.');
    let at: Date;
    try {
      at = DateTimeScalar.parseValue(e.at) as Date;
    } catch (err) {
      throw wrong(i, 'at', `is not a DateTime: ${err instanceof Error ? err.message : 'unreadable'}`);
    }
    return {
      kind: e.kind as TelemetryKind,
      eventId: id(e.eventId, i, 'eventId'),
      feedId: e.feedId === undefined || e.feedId === null ? (e.feedId as null | undefined) : id(e.feedId, i, 'feedId'),
      placementId: e.placementId === undefined || e.placementId === null ? (e.placementId as null | undefined) : id(e.placementId, i, 'placementId'),
      value: e.value as number | null | undefined,
      at,
      sessionId: e.sessionId,
    };
  });
}

/**
 * `POST /ingest`: what the gateway's beacon route (`POST /telemetry`) forwards to, the
 * same call as `recordTelemetry` without GraphQL's parsing and coercion of a thousand
 * input objects, which was most of an ingest's cost. The caller is the gateway's
 * signed principal header, as for `/graphql`, and the same access rule, checks and
 * answers hold; the answer is `{ accepted, rejected }`, or a GraphQL-shaped error with
 * the HTTP status of its code.
 */
export function mountIngestRoute(app: Express, opts: { principalSecret: string; services: TelemetryServices; logger: Logger }): void {
  app.post('/ingest', express.json({ limit: SUBGRAPH_BODY_LIMIT }), async (req, res) => {
    try {
      const header = req.headers[PRINCIPAL_HEADER];
      const caller = await verifyCaller(typeof header === 'string' ? header : undefined, opts.principalSecret);
      enforceAccess(RECORD_ACCESS, caller?.principal);
      const result = await recordEvents(opts.services, requirePrincipal(caller?.principal), eventsOf(req.body));
      res.status(200).json(result);
    } catch (e) {
      const status = isDomainError(e) ? httpStatusOf(e.code) : undefined;
      if (isDomainError(e) && status) {
        if (e.code === 'RATE_LIMITED' && typeof e.details.retryAfterSeconds === 'number') res.set('retry-after', String(e.details.retryAfterSeconds));
        res.status(status).json(errorBody(e.code, e.message, e.details));
        return;
      }
      if (isDatabaseUnavailable(e)) {
        res.set('retry-after', '2').status(503).json(errorBody('SERVICE_UNAVAILABLE', 'The database is briefly unavailable; send again in 2s.', { retryAfterSeconds: 2 }));
        return;
      }
      opts.logger.error({ err: e }, 'an ingest call failed');
      res.status(500).json(errorBody('INTERNAL_SERVER_ERROR', 'The telemetry could not be recorded; send it again.'));
    }
  });
}
