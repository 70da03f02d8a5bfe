import { loaderById, parseId, type Logger, type RequestBase } from '@frontrow/kit';
import type { EntityManager } from '@mikro-orm/postgresql';
import DataLoader from 'dataloader';
import type { AlertHub } from './alerts';
import { AlertRule } from './entities/alert-rule.entity';
import type { IngestBuffer, IngestSettings } from './ingest';
import type { SessionOwners } from './sessions';

export interface TelemetrySettings extends IngestSettings {
  /** Days raw events are kept (rollups stay). */
  retentionDays: number;
  /** How often the rollup worker looks for minutes and hours to recompute. */
  rollupIntervalMs: number;
  /** How long a marked minute or hour waits before it is recomputed (a live minute is recomputed about this often). */
  rollupSettleMs: number;
  /** Up to this many samples of a kind in a minute, its percentiles are exact; beyond, read from its histogram (±2.5%). */
  rollupExactSamples: number;
  /** How often alert rules are evaluated. */
  alertIntervalMs: number;
}

export interface TelemetryServices {
  ingest: IngestBuffer;
  sessions: SessionOwners;
  alerts: AlertHub;
  settings: TelemetrySettings;
  logger: Logger;
}

export interface TelemetryLoaders {
  /** Impressions by `[placementId, from | null, to | null]` (JSON): one query per range for a list of placements. */
  impressions: DataLoader<string, number>;
  rule: DataLoader<string, AlertRule | null>;
}

export interface TelemetryContext extends RequestBase {
  em: EntityManager;
  services: TelemetryServices;
  loaders: TelemetryLoaders;
}

export function createLoaders(em: EntityManager): TelemetryLoaders {
  return {
    rule: loaderById(em, AlertRule),
    impressions: new DataLoader(async (keys) => {
      const parsed = keys.map((k) => JSON.parse(k) as [string, string | null, string | null]);
      const totals = new Map<string, number>();
      const ranges = new Map<string, string[]>();
      for (const [id, from, to] of parsed) {
        const placementId = parseId(id);
        if (!placementId) continue;
        const range = JSON.stringify([from, to]);
        ranges.set(range, [...(ranges.get(range) ?? []), placementId]);
      }
      for (const [range, ids] of ranges) {
        const [from, to] = JSON.parse(range) as [string | null, string | null];
        const rows = await em.getConnection().execute<Array<{ placement_id: string; n: string }>>(
          `select placement_id, sum(impressions) as n from impression_hour
           where placement_id in (${ids.map(() => '?').join(', ')}) and hour >= ? and hour < ? group by placement_id`,
          [...ids, from ?? '-infinity', to ?? 'infinity'],
        );
        for (const r of rows) totals.set(JSON.stringify([r.placement_id, from, to]), Number(r.n));
      }
      return parsed.map(([id, from, to]) => totals.get(JSON.stringify([parseId(id), from, to])) ?? 0);
    }),
  };
}
