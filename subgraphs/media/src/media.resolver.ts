import { Access, requireRole, requireUser } from '@frontrow/kit';
import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { MediaContext } from './context';
import { Ingest } from './entities/ingest.entity';
import { EncoderPreset } from './entities/preset.entity';
import { FeedRef, PlaybackGrant } from './types';

@Resolver(() => FeedRef)
export class FeedMediaResolver {
  @FieldResolver(() => Ingest, { nullable: true, description: 'Admins only: the ingest status and where the encoder sends RTP.' })
  async ingest(@Root() feed: FeedRef, @Ctx() ctx: MediaContext): Promise<Ingest> {
    requireRole(ctx.principal, 'ADMIN');
    return ctx.media.ingestOf(ctx.em, feed.id);
  }

  @FieldResolver(() => PlaybackGrant, {
    nullable: true,
    description: 'A grant to watch the feed: FORBIDDEN without a pass (admins and preview feeds excepted), null when the feed is not live.',
  })
  async playback(@Root() feed: FeedRef, @Ctx() ctx: MediaContext): Promise<PlaybackGrant | null> {
    const viewer = requireUser(ctx.principal);
    return ctx.media.playback(ctx.em, feed.id, viewer);
  }
}

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
    return ctx.media.startIngest(ctx.em, checkId(feedId), presetId, admin);
  }

  @Access({ scope: 'media:write', roles: ['ADMIN'] })
  @Mutation(() => Ingest, { description: 'Admin: destroys the feed\'s mountpoint; viewers see the stream end.' })
  async stopIngest(@Arg('feedId', () => ID) feedId: string, @Ctx() ctx: MediaContext): Promise<Ingest> {
    const admin = requireRole(ctx.principal, 'ADMIN');
    return ctx.media.stopIngest(ctx.em, checkId(feedId), admin);
  }
}

function checkId(id: string): string {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) {
    // An id that cannot exist is simply not found.
    return '00000000-0000-0000-0000-000000000000';
  }
  return id;
}

export const referenceResolvers = {
  Feed: {
    __resolveReference(ref: { id: string }) {
      return { id: ref.id };
    },
  },
};
