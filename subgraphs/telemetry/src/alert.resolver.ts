import { Access, BadInputError, NotFoundError, emitAudit, enforceAccess, findById, requireRole, type AccessRule } from '@frontrow/kit';
import { Arg, Ctx, FieldResolver, Float, ID, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import { METRICS, type Metric } from './alerts';
import type { TelemetryContext } from './context';
import { AlertRule } from './entities/alert-rule.entity';
import { Alert } from './entities/alert.entity';
import { checkWindow } from './qos';

const ADMINS: AccessRule = { usersOnly: true, roles: ['ADMIN'] };
const ALERTS_ACCESS: AccessRule = { usersOnly: true, roles: ['ADMIN'] };

@Resolver(() => Alert)
export class AlertResolver {
  @Access(ADMINS)
  @Mutation(() => AlertRule, {
    description:
      'Admin only. An alert fires when a live event\'s metric (a QosSummary figure) over the window (5m, 1h, 24h) rises above the threshold (bitrateKbpsP50: falls below), once per crossing.',
  })
  async createAlertRule(
    @Arg('metric', () => String) metric: string,
    @Arg('threshold', () => Float) threshold: number,
    @Arg('window', () => String) window: string,
    @Ctx() ctx: TelemetryContext,
  ): Promise<AlertRule> {
    const admin = requireRole(ctx.principal, 'ADMIN');
    if (!(METRICS as readonly string[]).includes(metric)) throw new BadInputError(`metric must be one of ${METRICS.join(', ')}.`, 'metric');
    checkThreshold(threshold);
    checkWindow(window);
    const rule = ctx.em.create(AlertRule, { metric: metric as Metric, threshold, window, createdBy: admin.userId });
    emitAudit(ctx.em, 'telemetry', {
      actorId: admin.userId,
      actorRoles: admin.roles,
      action: 'telemetry.alert_rule.created',
      targetType: 'AlertRule',
      targetId: rule.id,
      details: { metric, threshold, window },
    });
    await ctx.em.flush();
    return rule;
  }

  @Access(ADMINS)
  @Mutation(() => AlertRule, {
    description: 'Admin only. Changes a rule\'s threshold, window or whether it is active (an inactive rule fires nothing); only the arguments given.',
  })
  async updateAlertRule(
    @Arg('id', () => ID) id: string,
    @Arg('threshold', () => Float, { nullable: true }) threshold: number | undefined,
    @Arg('window', () => String, { nullable: true }) window: string | undefined,
    @Arg('active', () => Boolean, { nullable: true }) active: boolean | undefined,
    @Ctx() ctx: TelemetryContext,
  ): Promise<AlertRule> {
    const admin = requireRole(ctx.principal, 'ADMIN');
    const rule = await findById(ctx.em, AlertRule, id);
    if (!rule) throw new NotFoundError('Alert rule');
    const next: Partial<Pick<AlertRule, 'threshold' | 'window' | 'active'>> = {};
    if (threshold !== undefined && threshold !== null) next.threshold = checkThreshold(threshold);
    if (window !== undefined && window !== null) {
      checkWindow(window);
      next.window = window;
    }
    if (active !== undefined && active !== null) next.active = active;
    const changed = (Object.keys(next) as Array<keyof typeof next>).filter((k) => rule[k] !== next[k]);
    if (changed.length === 0) return rule;
    ctx.em.assign(rule, next);
    emitAudit(ctx.em, 'telemetry', {
      actorId: admin.userId,
      actorRoles: admin.roles,
      action: 'telemetry.alert_rule.updated',
      targetType: 'AlertRule',
      targetId: rule.id,
      details: { changed, ...next },
    });
    await ctx.em.flush();
    return rule;
  }

  @Access(ADMINS)
  @Query(() => [AlertRule], { description: 'Admin only: the alert rules, newest first.' })
  alertRules(@Ctx() ctx: TelemetryContext): Promise<AlertRule[]> {
    requireRole(ctx.principal, 'ADMIN');
    return ctx.em.find(AlertRule, {}, { orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] });
  }

  @Access(ALERTS_ACCESS)
  @Subscription(() => Alert, {
    description: 'Admin only (over graphql-ws): alerts as they fire.',
    subscribe: ({ context }) => {
      const ctx = context as TelemetryContext;
      enforceAccess(ALERTS_ACCESS, ctx.principal);
      requireRole(ctx.principal, 'ADMIN');
      return ctx.services.alerts.stream();
    },
  })
  alerts(@Root() alert: Alert): Alert {
    return alert;
  }

  @FieldResolver(() => AlertRule)
  async rule(@Root() alert: Alert, @Ctx() ctx: TelemetryContext): Promise<AlertRule> {
    const rule = await ctx.loaders.rule.load(alert.ruleId);
    if (!rule) throw new Error(`alert ${alert.id} names a rule that does not exist`);
    return rule;
  }
}

function checkThreshold(threshold: number): number {
  if (!Number.isFinite(threshold) || threshold < 0) throw new BadInputError('threshold must be a number, zero or more.', 'threshold');
  return threshold;
}
