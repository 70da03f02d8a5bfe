import { Access, enforceAccess, foreignId, requireRole, type AccessRule } from '@frontrow/kit';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Arg, Ctx, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';
import type { TelemetryContext } from './context';
import { checkWindow, figuresOf, minutesOf, windowStart } from './qos';
import { EventRef, QosSummary } from './types';

const ADMINS: AccessRule = { usersOnly: true, roles: ['ADMIN'] };

@Resolver(() => EventRef)
export class QosResolver {
  @Access(ADMINS)
  @Query(() => QosSummary, { description: 'Admin only: how an event plays for its viewers over the last 5m, 1h or 24h (from per-minute rollups).' })
  async qosSummary(
    @Arg('eventId', () => ID) eventIdArg: string,
    @Arg('window', () => String) window: string,
    @Ctx() ctx: TelemetryContext,
  ): Promise<QosSummary> {
    requireRole(ctx.principal, 'ADMIN');
    return summarize(ctx.em, foreignId(eventIdArg, 'eventId'), window);
  }

  @FieldResolver(() => QosSummary, {
    nullable: true,
    description: 'Admin only (FORBIDDEN for anyone else): how the event plays for its viewers over the window, as qosSummary.',
  })
  async qos(@Root() event: EventRef, @Arg('window', () => String, { defaultValue: '5m' }) window: string, @Ctx() ctx: TelemetryContext): Promise<QosSummary> {
    enforceAccess(ADMINS, ctx.principal);
    requireRole(ctx.principal, 'ADMIN');
    return summarize(ctx.em, foreignId(event.id, 'id'), window);
  }
}

/** A window's summary and series from the rollups. */
async function summarize(em: EntityManager, eventId: string, window: string): Promise<QosSummary> {
  const w = checkWindow(window);
  const from = windowStart(w.minutes);
  const rows = await minutesOf(em, eventId, from);
  const series = [];
  for (let i = 0; i < w.minutes; i += w.stepMinutes) {
    const at = new Date(from.getTime() + i * 60_000);
    const end = at.getTime() + w.stepMinutes * 60_000;
    const f = figuresOf(rows.filter((r) => r.minute.getTime() >= at.getTime() && r.minute.getTime() < end));
    series.push({
      at,
      viewers: f.viewers,
      rebufferRatio: f.rebufferRatio,
      bitrateKbpsP50: f.bitrateKbpsP50,
      startupTimeP50Ms: f.startupTimeP50Ms,
      startupTimeP95Ms: f.startupTimeP95Ms,
    });
  }
  return { eventId, window, ...figuresOf(rows), series };
}
