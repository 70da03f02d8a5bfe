import { Access, BadInputError, emitAudit, requireRole } from '@frontrow/kit';
import { Arg, Ctx, Query, Resolver } from 'type-graphql';
import type { CommerceContext } from './context';
import { signExportUrl } from './exports';

const MAX_PERIOD_DAYS = 366;

@Resolver()
export class ExportResolver {
  @Access({ scope: 'commerce:read', roles: ['ADMIN'] })
  @Query(() => String, {
    description:
      'Admin only. A link, valid for 5 minutes, to a CSV of the orders created in [from, to) with totals per currency (captured, refunded, net).',
  })
  async financeExportUrl(
    @Arg('from', () => Date) from: Date,
    @Arg('to', () => Date) to: Date,
    @Ctx() ctx: CommerceContext,
  ): Promise<string> {
    const admin = requireRole(ctx.principal, 'ADMIN');
    if (to.getTime() <= from.getTime()) throw new BadInputError('to must be after from.', 'to');
    if (to.getTime() - from.getTime() > MAX_PERIOD_DAYS * 86_400_000) {
      throw new BadInputError(`The period may span at most ${MAX_PERIOD_DAYS} days.`, 'to');
    }
    const { exportKey, settings, publicUrl } = ctx.services;
    const url = signExportUrl(publicUrl(), exportKey, from, to, settings.exportUrlTtlSeconds);
    emitAudit(ctx.em, 'commerce', {
      actorId: admin.userId,
      actorRoles: admin.roles,
      action: 'commerce.finance_export.issued',
      targetType: 'FinanceExport',
      targetId: `${from.toISOString()}/${to.toISOString()}`,
      details: { from: from.toISOString(), to: to.toISOString(), expiresInSeconds: settings.exportUrlTtlSeconds },
    });
    await ctx.em.flush();
    return url;
  }
}
