import { loaderById, type KeyValueStore, type Logger, type OutboxRelay, type RequestBase } from '@frontrow/kit';
import type { EntityManager } from '@mikro-orm/postgresql';
import DataLoader from 'dataloader';
import { CreativeAsset } from './entities/creative-asset.entity';
import { Placement } from './entities/placement.entity';
import { Sponsor } from './entities/sponsor.entity';
import type { Manifests } from './manifest';
import type { ObjectStore } from './object-store';
import type { Rotation } from './rotation';

export interface CreativeSettings {
  /** How long a presigned upload URL works (the issue: 15 minutes). */
  uploadUrlTtlSeconds: number;
  /** How long a presigned download URL (an asset's, a manifest's) works. */
  downloadUrlTtlSeconds: number;
}

export interface CreativeServices {
  store: ObjectStore;
  kv: KeyValueStore;
  relay: OutboxRelay;
  rotation: Rotation;
  manifests: Manifests;
  settings: CreativeSettings;
  logger: Logger;
}

export interface CreativeLoaders {
  sponsor: DataLoader<string, Sponsor | null>;
  asset: DataLoader<string, CreativeAsset | null>;
  placement: DataLoader<string, Placement | null>;
  /** An event's placements that have not ended, by surface then start. */
  placementsByEvent: DataLoader<string, Placement[]>;
}

export interface CreativeContext extends RequestBase {
  em: EntityManager;
  services: CreativeServices;
  loaders: CreativeLoaders;
}

export const PLACEMENT_ORDER = [{ surface: 'asc' }, { startsAt: 'asc' }, { id: 'asc' }] as const;

export function createLoaders(em: EntityManager): CreativeLoaders {
  return {
    sponsor: loaderById(em, Sponsor),
    asset: loaderById(em, CreativeAsset),
    placement: loaderById(em, Placement),
    placementsByEvent: new DataLoader(async (eventIds) => {
      const rows = await em.find(Placement, { eventId: { $in: [...eventIds] }, endsAt: { $gt: new Date() } }, { orderBy: [...PLACEMENT_ORDER] });
      return eventIds.map((id) => rows.filter((p) => p.eventId === id));
    }),
  };
}
