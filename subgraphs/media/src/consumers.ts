import { busQueue, consume, type BusMessage, type BusTransport, type Logger, type Subscription } from '@frontrow/kit';
import type { MikroORM } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { FeedInfo } from './entities/feed-info.entity';
import type { MediaService } from './media.service';
import { EntitlementInfo } from './entities/entitlement-info.entity';

interface FeedPayload {
  feedId: string;
  eventId: string;
  label: string;
  projection: string;
  isDefault?: boolean;
  preview?: boolean;
}
interface EventStatusPayload {
  eventId: string;
  feeds?: FeedPayload[];
}
interface EntitlementPayload {
  entitlementId: string;
  userId: string;
  eventId?: string | null;
}

/**
 * What media learns from the bus: feeds (events.feed.added), events going live or
 * ending (their feeds' ingest starts or stops without an admin's click), and
 * entitlements granted or revoked (commerce).
 */
export async function startConsumers(
  orm: MikroORM,
  transport: BusTransport,
  media: MediaService,
  logger: Logger,
  busNamespace = '',
): Promise<Subscription[]> {
  // One statement (INSERT ... ON CONFLICT): the feeds and the event-lifecycle queues may
  // carry the same feed at the same moment, and a read-then-insert lost that race.
  const upsertFeed = async (em: EntityManager, f: FeedPayload) => {
    await em.upsert(FeedInfo, { feedId: f.feedId, eventId: f.eventId, label: f.label, projection: f.projection, preview: Boolean(f.preview) });
  };

  const feeds = await consume<FeedPayload>(
    orm,
    transport,
    busQueue('media.feeds', busNamespace),
    async (m, em) => upsertFeed(em as EntityManager, m.payload),
    logger,
  );

  const lifecycle = await consume<EventStatusPayload>(
    orm,
    transport,
    busQueue('media.event-lifecycle', busNamespace),
    async (m: BusMessage<EventStatusPayload>, tx) => {
      const em = tx as EntityManager;
      for (const f of m.payload.feeds ?? []) await upsertFeed(em, { ...f, eventId: m.payload.eventId });
      // Without a Janus there is nothing to start or stop; ingest says so when asked.
      if (!media.available) return;
      const eventFeeds = await em.find(FeedInfo, { eventId: m.payload.eventId });
      for (const f of eventFeeds) {
        const current = await media.ingestOf(em, f.feedId);
        if (m.type === 'events.event.live') {
          if (current.status !== 'LIVE') await media.startIngest(em, f.feedId, media.defaultPresetFor(), null);
        } else if (current.status === 'LIVE' || current.status === 'FAILED') {
          // A FAILED one too: one that failed because Janus is away would come back LIVE.
          await media.stopIngest(em, f.feedId, null);
        }
      }
    },
    logger,
  );

  const entitlements = await consume<EntitlementPayload>(
    orm,
    transport,
    busQueue('media.entitlements', busNamespace),
    async (m, tx) => {
      const em = tx as EntityManager;
      const p = m.payload;
      // Upserts, for the same reason as feeds: deliveries of one entitlement may overlap.
      const granted = m.type === 'commerce.entitlement.granted';
      await em.upsert(EntitlementInfo, { entitlementId: p.entitlementId, userId: p.userId, eventId: p.eventId ?? null, revokedAt: granted ? null : new Date() });
      if (!granted) await media.revokeTokens(em, p.userId, p.eventId ?? null);
    },
    logger,
  );
  return [feeds, lifecycle, entitlements];
}
