import { Access, requirePrincipal } from '@frontrow/kit';
import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import type { TelemetryContext } from './context';
import { RECORD_ACCESS, recordEvents } from './record';
import { TelemetryEventInput } from './telemetry.input';
import { IngestResult } from './types';

@Resolver()
export class TelemetryResolver {
  /**
   * Stores a player's QoS and impression events. Malformed events are counted in
   * `rejected` and the others stored; the answer comes once they are committed. A
   * session belongs to the first user who records for it.
   */
  @Access(RECORD_ACCESS)
  @Mutation(() => IngestResult, {
    description:
      'Records QoS and impression events (at most 1,000 a call) for your own player sessions. Malformed events are counted in rejected, the rest stored; RATE_LIMITED under overload (send again later).',
  })
  async recordTelemetry(
    @Arg('events', () => [TelemetryEventInput]) events: TelemetryEventInput[],
    @Ctx() ctx: TelemetryContext,
  ): Promise<IngestResult> {
    return recordEvents(ctx.services, requirePrincipal(ctx.principal), events);
  }
}
