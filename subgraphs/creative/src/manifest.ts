import { IsolationLevel } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { PLACEMENT_ORDER } from './context';
import { AdManifestState } from './entities/ad-manifest-state.entity';
import { CreativeAsset } from './entities/creative-asset.entity';
import { Placement } from './entities/placement.entity';
import type { ObjectStore } from './object-store';

export interface ManifestView {
  eventId: string;
  version: number;
  url: string;
  expiresAt: Date;
  placements: Placement[];
}

/** The JSON document a version of an event's manifest is. */
export interface ManifestDocument {
  eventId: string;
  version: number;
  generatedAt: string;
  placements: Array<{
    id: string;
    surface: string;
    startsAt: string;
    endsAt: string;
    weight: number;
    frequencyCapPerHour: number | null;
    asset: { id: string; kind: string; contentType: string; width: number | null; height: number | null; key: string };
  }>;
}

export function manifestKey(eventId: string, version: number): string {
  return `manifests/${eventId}/v${version}.json`;
}

/**
 * Ad manifests: one JSON document per version of an event's placements, written to
 * storage once, the first time that version is asked for. The version is raised in the
 * transaction that changes the placements (`bump`), so a reader never sees new
 * placements under an old version.
 */
export class Manifests {
  constructor(private readonly store: ObjectStore, private readonly urlTtlSeconds: number) {}

  /** Raises the event's version; call inside the transaction that changes its placements. */
  async bump(em: EntityManager, eventId: string): Promise<void> {
    await em.getConnection().execute(
      `insert into ad_manifest (event_id, version, written_version, updated_at) values (?, 1, 0, now())
       on conflict (event_id) do update set version = ad_manifest.version + 1, updated_at = now()`,
      [eventId],
      'run',
      em.getTransactionContext(),
    );
  }

  async get(em: EntityManager, eventId: string): Promise<ManifestView> {
    // The version and the placements it stands for, read from one snapshot.
    const { state, placements, assets } = await em.fork().transactional(
      async (tx) => {
        const state = await tx.findOne(AdManifestState, { eventId });
        const placements = await tx.find(Placement, { eventId, endsAt: { $gt: new Date() } }, { orderBy: [...PLACEMENT_ORDER] });
        const assets = placements.length ? await tx.find(CreativeAsset, { id: { $in: [...new Set(placements.map((p) => p.assetId))] } }) : [];
        return { state, placements, assets };
      },
      { isolationLevel: IsolationLevel.REPEATABLE_READ, readOnly: true },
    );
    const version = state?.version ?? 0;
    const key = manifestKey(eventId, version);
    if (!state || state.writtenVersion < version) {
      await this.store.put(key, JSON.stringify(document(eventId, version, placements, assets)), 'application/json');
      await em.getConnection().execute(
        `insert into ad_manifest (event_id, version, written_version, updated_at) values (?, ?, ?, now())
         on conflict (event_id) do update set written_version = greatest(ad_manifest.written_version, excluded.written_version)`,
        [eventId, version, version],
      );
    }
    const { url, expiresAt } = await this.store.presignDownload(key, this.urlTtlSeconds);
    return { eventId, version, url, expiresAt, placements };
  }
}

function document(eventId: string, version: number, placements: Placement[], assets: CreativeAsset[]): ManifestDocument {
  const byId = new Map(assets.map((a) => [a.id, a]));
  return {
    eventId,
    version,
    generatedAt: new Date().toISOString(),
    placements: placements.flatMap((p) => {
      const a = byId.get(p.assetId);
      if (!a) return [];
      return [
        {
          id: p.id,
          surface: p.surface,
          startsAt: p.startsAt.toISOString(),
          endsAt: p.endsAt.toISOString(),
          weight: p.weight,
          frequencyCapPerHour: p.frequencyCapPerHour ?? null,
          asset: { id: a.id, kind: a.kind, contentType: a.contentType, width: a.width ?? null, height: a.height ?? null, key: a.objectKey },
        },
      ];
    }),
  };
}
