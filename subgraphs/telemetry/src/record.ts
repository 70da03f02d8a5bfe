import { BadInputError, type AccessRule, type Principal } from '@frontrow/kit';
import type { TelemetryServices } from './context';
import { MAX_EVENTS_PER_CALL, toRow, type TelemetryRow } from './ingest';
import type { TelemetryEventInput } from './telemetry.input';

/** Who may record: any signed-in user, and API keys with `telemetry:write`. */
export const RECORD_ACCESS: AccessRule = { scope: 'telemetry:write' };

/**
 * What `recordTelemetry` and the gateway's beacon route (`POST /ingest`) both do once
 * the caller passed the access rule: malformed events are counted, the sessions are
 * claimed for the caller (FORBIDDEN when one is someone else's), and the answer comes
 * once the rows are committed (RATE_LIMITED when the buffer is full).
 */
export async function recordEvents(
  services: Pick<TelemetryServices, 'ingest' | 'sessions'>,
  caller: Principal,
  events: TelemetryEventInput[],
): Promise<{ accepted: number; rejected: number }> {
  if (events.length > MAX_EVENTS_PER_CALL) {
    throw new BadInputError(`events holds ${events.length} events; at most ${MAX_EVENTS_PER_CALL} a call.`, 'events');
  }
  const now = Date.now();
  const rows: TelemetryRow[] = [];
  for (const e of events) {
    const row = toRow(e, caller.userId, now);
    if (row) rows.push(row);
  }
  if (rows.length) {
    await services.sessions.claim(caller.userId, rows.map((r) => r.sessionId));
    await services.ingest.add(rows);
  }
  return { accepted: rows.length, rejected: events.length - rows.length };
}
