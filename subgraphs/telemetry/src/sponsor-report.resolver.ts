import { Access, BadInputError, NotFoundError, hasRole, parseId, requirePrincipal, type AccessRule } from '@frontrow/kit';
import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import type { TelemetryContext } from './context';
import { ownerOfSponsor, sponsorFigures } from './sponsors';
import { SponsorReport } from './types';

/** A sponsor's owner (a token, or a key with `reports:read`) and admins. */
const REPORT_READERS: AccessRule = { scope: 'reports:read', roles: ['SPONSOR'] };
const HOUR_MS = 3_600_000;
/** The longest range one report covers. */
const MAX_RANGE_DAYS = 366;

@Resolver(() => SponsorReport)
export class SponsorReportResolver {
  @Access(REPORT_READERS)
  @Query(() => SponsorReport, {
    description:
      'Impressions and unique viewers of a sponsor\'s placements over the hours that start in [from, to). Its owner and admins; another sponsor\'s id is NOT_FOUND, as an unknown one is.',
  })
  async sponsorReport(
    @Arg('sponsorId', () => ID) sponsorIdArg: string,
    @Arg('from', () => Date) from: Date,
    @Arg('to', () => Date) to: Date,
    @Ctx() ctx: TelemetryContext,
  ): Promise<SponsorReport> {
    const principal = requirePrincipal(ctx.principal);
    const lo = new Date(Math.floor(from.getTime() / HOUR_MS) * HOUR_MS);
    const hi = new Date(Math.floor(to.getTime() / HOUR_MS) * HOUR_MS);
    if (!(hi.getTime() > lo.getTime())) throw new BadInputError('to must be at least an hour after from (both are rounded down to the hour).', 'to');
    if (hi.getTime() - lo.getTime() > MAX_RANGE_DAYS * 24 * HOUR_MS) throw new BadInputError(`A report covers at most ${MAX_RANGE_DAYS} days.`, 'to');
    const sponsorId = parseId(sponsorIdArg);
    const owner = sponsorId ? await ownerOfSponsor(ctx.em, sponsorId) : null;
    const mayRead = owner !== null && (owner === principal.userId || (principal.kind === 'user' && hasRole(principal, 'ADMIN')));
    if (!sponsorId || !mayRead) throw new NotFoundError('Sponsor');
    const figures = await sponsorFigures(ctx.em, sponsorId, lo, hi);
    return {
      sponsorId,
      from: lo,
      to: hi,
      impressions: figures.impressions,
      uniqueViewers: figures.uniqueViewers,
      byPlacement: figures.byPlacement.map((p) => ({ placement: { id: p.placementId }, impressions: p.impressions })),
    };
  }
}
