import { defineSubgraph, type SubgraphHandle, type Subscription, type SubgraphOptions } from '@frontrow/kit';
import { startConsumers } from './consumers';
import type { MediaContext } from './context';
import { IngestRecord } from './entities/ingest-record.entity';
import { EncoderPreset } from './entities/encoder-preset.entity';
import { FeedInfo } from './entities/feed-info.entity';
import { PlaybackToken } from './entities/playback-token.entity';
import { JanusClient, type JanusSettings } from './janus-client';
import { DEFAULT_MEDIA_SETTINGS, MediaService, type MediaSettings } from './media.service';
import { Loop } from '@frontrow/kit';
import { migrations } from './migrations';
import { DEFAULT_RECONCILE_SETTINGS, JanusReconciler, type ReconcileSettings } from './reconcile';
import { buildMediaSchema } from './schema';
import { EntitlementInfo } from './entities/entitlement-info.entity';

export interface MediaOptions extends SubgraphOptions {
  /** Janus; absent means media is unavailable (ingest and playback say so). */
  janus?: JanusSettings;
  settings?: Partial<MediaSettings>;
  sweepIntervalMs?: number;
  /** Reconciliation with Janus (tests shorten it). */
  reconcile?: Partial<ReconcileSettings>;
}

/** Media's handle: the kit's and the media service. */
export type MediaHandle = SubgraphHandle<{ media: MediaService }>;

export const mediaSubgraph = defineSubgraph<MediaOptions, MediaContext, { media: MediaService }>({
  name: 'media',
  entities: [EncoderPreset, IngestRecord, FeedInfo, EntitlementInfo, PlaybackToken],
  migrations,
  schema: buildMediaSchema,
  async setup({ options: opts, storage, logger }) {
    const { em, transport } = storage;
    const janus = opts.janus ? new JanusClient(opts.janus) : null;
    if (!janus) logger.warn('JANUS_URL is not set: media is unavailable (ingest and playback will say so)');
    const settings: MediaSettings = {
      ...DEFAULT_MEDIA_SETTINGS,
      publicJanusUrl: opts.janus?.url,
      rtpHost: opts.janus ? new URL(opts.janus.url).hostname : undefined,
      ...opts.settings,
    };
    const media = new MediaService(janus, settings, logger);
    const subscriptions: Subscription[] = [];
    const sweeper = new Loop('token sweep', opts.sweepIntervalMs ?? 15_000, async () => void (await media.sweepExpired(em.fork())), logger);
    const reconciler = janus ? new JanusReconciler(em, janus, media, { ...DEFAULT_RECONCILE_SETTINGS, ...opts.reconcile }, logger) : null;
    // Everything that runs in the background stops before what it uses is closed.
    const stopped = async () => {
      await reconciler?.stop();
      await sweeper.stop();
      for (const s of subscriptions) await s.close();
      await janus?.close();
    };
    try {
      subscriptions.push(...(await startConsumers(storage.orm, transport, media, logger, opts.busNamespace)));
    } catch (e) {
      await stopped().catch(() => undefined);
      throw e;
    }
    return {
      context: (start) => ({ ...start, media }),
      ready() {
        sweeper.start();
        reconciler?.start();
      },
      stopped,
      expose: () => ({ media }),
    };
  },
});

export const ENTITIES = mediaSubgraph.entities;
export const start = mediaSubgraph.start;
