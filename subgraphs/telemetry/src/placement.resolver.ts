import { BadInputError } from '@frontrow/kit';
import { Arg, Ctx, FieldResolver, Int, Resolver, Root } from 'type-graphql';
import type { TelemetryContext } from './context';
import { PlacementRef } from './types';

const HOUR_MS = 3_600_000;

@Resolver(() => PlacementRef)
export class PlacementResolver {
  @FieldResolver(() => Int, {
    description:
      'Impressions counted for this placement, from the hourly rollups: the hours that start in [from, to) (both optional, rounded down to the hour).',
  })
  async impressions(
    @Root() placement: PlacementRef,
    @Arg('from', () => Date, { nullable: true }) from: Date | undefined,
    @Arg('to', () => Date, { nullable: true }) to: Date | undefined,
    @Ctx() ctx: TelemetryContext,
  ): Promise<number> {
    const lo = from ? new Date(Math.floor(from.getTime() / HOUR_MS) * HOUR_MS) : null;
    const hi = to ? new Date(Math.floor(to.getTime() / HOUR_MS) * HOUR_MS) : null;
    if (lo && hi && hi.getTime() < lo.getTime()) throw new BadInputError('to must not be before from.', 'to');
    return ctx.loaders.impressions.load(JSON.stringify([placement.id, lo?.toISOString() ?? null, hi?.toISOString() ?? null]));
  }
}
