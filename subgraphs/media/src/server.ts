import {
  KIT_ENTITIES,
  OutboxRelay,
  createLogger,
  openSubgraphStorage,
  startSubgraphServer,
  type ServiceHandle,
  type Subscription,
  type SubgraphOptions,
} from '@frontrow/kit';
import type { EntityManager } from '@mikro-orm/postgresql';
import { startConsumers } from './consumers';
import type { MediaContext } from './context';
import { IngestRecord } from './entities/ingest.entity';
import { EncoderPreset } from './entities/preset.entity';
import { EntitlementInfo, FeedInfo } from './entities/projections.entity';
import { PlaybackToken } from './entities/token.entity';
import { JanusClient, type JanusSettings } from './janus-client';
import { DEFAULT_MEDIA_SETTINGS, MediaService, type MediaSettings } from './media.service';
import { Loop } from './loop';
import { migrations } from './migrations';
import { DEFAULT_RECONCILE_SETTINGS, JanusReconciler, type ReconcileSettings } from './reconcile';
import { buildMediaSchema } from './schema';

export const ENTITIES = [EncoderPreset, IngestRecord, FeedInfo, EntitlementInfo, PlaybackToken, ...KIT_ENTITIES];

export interface MediaOptions extends SubgraphOptions {
  /** Janus; absent means media is unavailable (ingest and playback say so). */
  janus?: JanusSettings;
  settings?: Partial<MediaSettings>;
  /** Queue names start with this (tests give each suite its own). */
  queuePrefix?: string;
  sweepIntervalMs?: number;
  /** Reconciliation with Janus (tests shorten it). */
  reconcile?: Partial<ReconcileSettings>;
}

export interface MediaHandle extends ServiceHandle {
  em: EntityManager;
  media: MediaService;
  relay: OutboxRelay;
}

export async function start(opts: MediaOptions): Promise<MediaHandle> {
  const logger = opts.logger ?? createLogger('media');
  const storage = await openSubgraphStorage('media', opts, { entities: ENTITIES, migrations, logger });
  const { em, transport, relay } = storage;
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
  const stopAll = async () => {
    await reconciler?.stop();
    await sweeper.stop();
    for (const s of subscriptions) await s.close();
    await janus?.close();
    await storage.close();
  };

  let handle: ServiceHandle;
  try {
    subscriptions.push(...(await startConsumers(storage.orm, transport, media, logger, opts.queuePrefix)));
    const schema = await buildMediaSchema();
    handle = await startSubgraphServer<MediaContext>({
      name: 'media',
      exposeInternals: opts.exposeInternals,
      port: opts.port,
      host: opts.host,
      schema,
      logger,
      principalSecret: opts.principalSecret,
      context: (base) => ({ ...base, em: em.fork(), media }),
      health: async () => {
        await em.getConnection().execute('select 1');
      },
      onStop: stopAll,
    });
  } catch (e) {
    await stopAll().catch(() => undefined);
    throw e;
  }
  relay.start();
  sweeper.start();
  reconciler?.start();
  return { ...handle, em, media, relay };
}
