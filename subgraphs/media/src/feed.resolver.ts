import { requireRole, requireUser } from '@frontrow/kit';
import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { MediaContext } from './context';
import { FeedRef, Ingest, PlaybackGrant } from './types';

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
