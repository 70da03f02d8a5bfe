import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKeyValueStore, defineSubgraph, type KeyValueStore, type SubgraphHandle, type SubgraphOptions } from '@frontrow/kit';
import { createLoaders, type CreativeContext, type CreativeServices, type CreativeSettings } from './context';
import { startEmbeddedStorage, type EmbeddedStorage } from './embedded-storage';
import { AdManifestState } from './entities/ad-manifest-state.entity';
import { CreativeAsset } from './entities/creative-asset.entity';
import { Placement } from './entities/placement.entity';
import { Sponsor } from './entities/sponsor.entity';
import { Manifests } from './manifest';
import { migrations } from './migrations';
import { ObjectStore, type StorageSettings } from './object-store';
import { Rotation } from './rotation';
import { buildCreativeSchema } from './schema';
import { seedDemoCreative, type DemoCreativeInput, type DemoCreativeResult } from './seed';

export interface CreativeOptions extends SubgraphOptions {
  /**
   * An S3-compatible storage (S3_ENDPOINT and the rest). Without it the service serves
   * storage itself from `embeddedStorageDir` (a temporary folder when absent).
   */
  storage?: StorageSettings;
  embeddedStorageDir?: string;
  redisUrl?: string;
  /** Shared in-process stand-ins (the embedded quick start runs every service in one process). */
  kv?: KeyValueStore;
  settings?: Partial<CreativeSettings>;
}

export interface CreativeExtras {
  store: ObjectStore;
  /** The demo sponsor, its two generated images and their placements (idempotent). */
  seedDemo(input: DemoCreativeInput): Promise<DemoCreativeResult>;
}

export type CreativeHandle = SubgraphHandle<CreativeExtras>;

export const DEFAULT_SETTINGS: CreativeSettings = {
  uploadUrlTtlSeconds: 15 * 60,
  downloadUrlTtlSeconds: 60 * 60,
};

export const creative = defineSubgraph<CreativeOptions, CreativeContext, CreativeExtras>({
  name: 'creative',
  entities: [Sponsor, CreativeAsset, Placement, AdManifestState],
  migrations,
  schema: buildCreativeSchema,
  async setup({ options: opts, storage, logger }) {
    const settings: CreativeSettings = { ...DEFAULT_SETTINGS, ...opts.settings };
    let embedded: EmbeddedStorage | undefined;
    let kv: KeyValueStore | undefined;
    let store: ObjectStore | undefined;
    try {
      if (!opts.storage) {
        embedded = await startEmbeddedStorage({ directory: opts.embeddedStorageDir ?? join(tmpdir(), `frontrow-objects-${process.pid}-${Date.now()}`), logger });
      }
      store = new ObjectStore(opts.storage ?? embedded!.settings);
      // The embedded server made its bucket; an external one is checked (and created if absent).
      if (opts.storage) await store.ensureBucket();
      kv = opts.kv ?? createKeyValueStore(opts.redisUrl, logger);
    } catch (e) {
      store?.close();
      await embedded?.stop();
      throw e;
    }
    const ownKv = !opts.kv;
    const services: CreativeServices = {
      store,
      kv,
      relay: storage.relay,
      rotation: new Rotation(kv),
      manifests: new Manifests(store, settings.downloadUrlTtlSeconds),
      settings,
      logger,
    };
    return {
      context: (start) => ({ ...start, services, loaders: createLoaders(start.em) }),
      async stopped() {
        services.store.close();
        await embedded?.stop();
        if (ownKv) await services.kv.close();
      },
      expose: () => ({
        store: services.store,
        async seedDemo(input) {
          const seeded = await seedDemoCreative(storage.em.fork(), services, input);
          for (const eventId of input.eventIds) services.rotation.forget(eventId);
          return seeded;
        },
      }),
    };
  },
});

export const ENTITIES = creative.entities;
export const start = creative.start;
