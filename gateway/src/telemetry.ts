import { PRINCIPAL_HEADER, errorBody, httpStatusOf, injectTraceHeaders, requestIdOf, signCaller, type Logger, type Principal } from '@frontrow/kit';
import express, { type Express, type Response } from 'express';
import { GraphQLError } from 'graphql';
import type { Authenticator } from './auth';

/** Largest body POST /telemetry reads: 1,000 events of a few hundred bytes. */
export const TELEMETRY_BODY_LIMIT = '512kb';

export interface TelemetryBeaconOptions {
  /** The telemetry subgraph's routing URL (its `/ingest` is beside it); without one the route answers NOT_FOUND. */
  url?: string;
  auth: Authenticator;
  principalSecret: string;
  /** The gateway's rate limit for the caller. */
  admit(principal: Principal, clientIp: string): Promise<void>;
  logger: Logger;
  timeoutMs: number;
}

/**
 * `POST /telemetry` for `navigator.sendBeacon`, which can set neither headers nor a
 * JSON content type: the body is read as text whatever its type and must be
 * `{ "events": [...], "accessToken"? }`. The caller is the Authorization header's (or
 * x-api-key's), else the body's `accessToken`; anonymous beacons are refused. The
 * events go to the telemetry subgraph's `POST /ingest` (beside its `/graphql`), signed
 * for the caller as any request is: the same call as `recordTelemetry` without
 * GraphQL's coercion of each event, so the subgraph's rules (the access rule, ownership
 * of sessions, malformed events, shedding) hold the same. The answer is
 * `{ accepted, rejected }`, or a GraphQL-shaped error with the HTTP status its code
 * means (429 with Retry-After when shedding).
 */
export function mountTelemetryBeacon(app: Express, opts: TelemetryBeaconOptions): void {
  const ingestUrl = opts.url ? new URL('ingest', opts.url).toString() : undefined;
  app.post('/telemetry', express.text({ type: () => true, limit: TELEMETRY_BODY_LIMIT }), async (req, res) => {
    if (!ingestUrl) {
      res.status(404).json(errorBody('NOT_FOUND', 'This gateway has no telemetry subgraph.'));
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(typeof req.body === 'string' ? req.body : '');
    } catch {
      res.status(400).json(errorBody('BAD_USER_INPUT', 'The body must be JSON: { "events": [...], "accessToken"? }.'));
      return;
    }
    const { events, accessToken } = (body && typeof body === 'object' ? body : {}) as { events?: unknown; accessToken?: unknown };
    if (!Array.isArray(events)) {
      res.status(400).json(errorBody('BAD_USER_INPUT', 'events must be a list of telemetry events.', { field: 'events' }));
      return;
    }
    if (accessToken !== undefined && typeof accessToken !== 'string') {
      res.status(400).json(errorBody('BAD_USER_INPUT', 'accessToken must be a string.', { field: 'accessToken' }));
      return;
    }
    const clientIp = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    const requestId = requestIdOf(req);
    try {
      const apiKey = req.headers['x-api-key'];
      const principal =
        (await opts.auth.fromHeaders(req.headers.authorization, typeof apiKey === 'string' && apiKey ? apiKey : undefined)) ??
        (accessToken ? await opts.auth.verifyAccessToken(accessToken) : null);
      if (!principal) {
        res.status(401).json(errorBody('UNAUTHENTICATED', 'Send the Authorization header or "accessToken" in the body.'));
        return;
      }
      await opts.admit(principal, clientIp);
      // A timer of our own, cleared once the answer is read: no call leaves one behind.
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), opts.timeoutMs);
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'x-request-id': requestId,
        [PRINCIPAL_HEADER]: await signCaller({ principal, clientIp }, opts.principalSecret),
      };
      injectTraceHeaders(headers);
      const upstream = await fetch(ingestUrl, {
        method: 'POST',
        headers,
        body: JSON.stringify({ events }),
        signal: controller.signal,
      })
        .then(async (r) => (await r.json()) as unknown)
        .finally(() => clearTimeout(timer));
      const result = upstream as {
        accepted?: number;
        rejected?: number;
        errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
      };
      const first = result.errors?.[0];
      if (first) {
        const code = typeof first.extensions?.code === 'string' ? first.extensions.code : 'INTERNAL_SERVER_ERROR';
        sendError(res, code, first.message, first.extensions ?? {});
        return;
      }
      if (typeof result.accepted !== 'number' || typeof result.rejected !== 'number') throw new Error('the telemetry subgraph answered without counts');
      res.status(200).json({ accepted: result.accepted, rejected: result.rejected });
    } catch (e) {
      if (e instanceof GraphQLError && typeof e.extensions.code === 'string' && e.extensions.code !== 'INTERNAL_SERVER_ERROR') {
        const { http: _http, ...extensions } = e.extensions;
        sendError(res, e.extensions.code, e.message, extensions);
        return;
      }
      opts.logger.warn({ err: e, requestId }, 'a telemetry beacon could not be forwarded');
      res.status(502).json(errorBody('INTERNAL_SERVER_ERROR', 'The telemetry could not be recorded; send it again.'));
    }
  });
}

function sendError(res: Response, code: string, message: string, extensions: Record<string, unknown>): void {
  const { code: _c, ...rest } = extensions;
  const status = httpStatusOf(code) ?? 502;
  if (code === 'RATE_LIMITED' && typeof rest.retryAfterSeconds === 'number') res.set('retry-after', String(rest.retryAfterSeconds));
  res.status(status).json(errorBody(code, status === 502 ? 'The telemetry could not be recorded; send it again.' : message, status === 502 ? {} : rest));
}
