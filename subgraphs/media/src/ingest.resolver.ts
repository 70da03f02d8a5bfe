import { Access, requireId, requireRole } from '@frontrow/kit';
import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { MediaContext } from './context';
import { EncoderPreset } from './entities/encoder-preset.entity';
import { Ingest } from './types';

@Resolver()
export class IngestResolver {
  @Access({ public: true })
  @Query(() => [EncoderPreset])
  async encoderPresets(@Ctx() ctx: MediaContext): Promise<EncoderPreset[]> {
    return ctx.em.find(EncoderPreset, {}, { orderBy: { id: 'asc' } });
  }

  @Access({ scope: 'media:write', roles: ['ADMIN'] })
  @Mutation(() => Ingest, { description: 'Admin: creates the feed\'s Janus mountpoint and returns where to send RTP.' })
  async startIngest(
    @Arg('feedId', () => ID) feedId: string,
    @Arg('presetId', () => ID) presetId: string,
    @Ctx() ctx: MediaContext,
  ): Promise<Ingest> {
    const admin = requireRole(ctx.principal, 'ADMIN');
    return ctx.media.startIngest(ctx.em, requireId(feedId, 'Feed'), presetId, admin);
  }

  @Access({ scope: 'media:write', roles: ['ADMIN'] })
  @Mutation(() => Ingest, { description: 'Admin: destroys the feed\'s mountpoint; viewers see the stream end.' })
  async stopIngest(@Arg('feedId', () => ID) feedId: string, @Ctx() ctx: MediaContext): Promise<Ingest> {
    const admin = requireRole(ctx.principal, 'ADMIN');
    return ctx.media.stopIngest(ctx.em, requireId(feedId, 'Feed'), admin);
  }
}
