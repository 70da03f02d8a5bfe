import { Access, BadInputError, requirePrincipal } from '@frontrow/kit';
import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import type { TelemetryContext } from './context';
import { MAX_EVENTS_PER_CALL, toRow, type TelemetryRow } from './ingest';
import { TelemetryEventInput } from './telemetry.input';
import { IngestResult } from './types';

@Resolver()
export class TelemetryResolver {
  /**
   * Stores a player's QoS and impression events. Malformed events are counted in
   * `rejected` and the others stored; the answer comes once they are committed. A
   * session belongs to the first user who records for it.
   */
  @Access({ scope: 'telemetry:write' })
  @Mutation(() => IngestResult, {
    description:
      'Records QoS and impression events (at most 1,000 a call) for your own player sessions. Malformed events are counted in rejected, the rest stored; RATE_LIMITED under overload (send again later).',
  })
  async recordTelemetry(
    @Arg('events', () => [TelemetryEventInput]) events: TelemetryEventInput[],
    @Ctx() ctx: TelemetryContext,
  ): Promise<IngestResult> {
    const caller = requirePrincipal(ctx.principal);
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
      await ctx.services.sessions.claim(caller.userId, rows.map((r) => r.sessionId));
      await ctx.services.ingest.add(rows);
    }
    return { accepted: rows.length, rejected: events.length - rows.length };
  }
}
