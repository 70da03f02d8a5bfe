import { attachSubgraphWebSocket, createKeyValueStore, defineSubgraph, type KeyValueStore, type Subscription, type SubgraphHandle, type SubgraphOptions } from '@frontrow/kit';
import { Counter, Gauge } from 'prom-client';
import { AlertEvaluator, AlertHub } from './alerts';
import { consumeAudit } from './audit';
import { AlertRule } from './entities/alert-rule.entity';
import { Alert } from './entities/alert.entity';
import { AuditEntry } from './entities/audit-entry.entity';
import { createLoaders, type TelemetryContext, type TelemetryServices, type TelemetrySettings } from './context';
import { IngestBuffer } from './ingest';
import { mountIngestRoute } from './ingest.route';
import { migrations } from './migrations';
import { Partitions } from './partitions';
import { RollupWorker } from './rollups';
import { buildTelemetrySchema } from './schema';
import { SessionOwners } from './sessions';
import { consumeSponsors } from './sponsors';
import { SyntheticViewers, type SyntheticViewerOptions } from './synthetic';

export interface TelemetryOptions extends SubgraphOptions {
  settings?: Partial<TelemetrySettings>;
  /** Redis carries fired alerts to every instance's subscribers. */
  redisUrl?: string;
  /** A shared stand-in (the embedded quick start runs every service in one process). */
  kv?: KeyValueStore;
  /** A pretend population on a live event (the demo's, in `npm start`); none by default. */
  syntheticViewers?: SyntheticViewerOptions;
}

interface Exposed {
  ingest: IngestBuffer;
  partitions: Partitions;
  rollups: RollupWorker;
  alerts: AlertEvaluator;
  alertHub: AlertHub;
  wsUrl: string;
}

/** Telemetry's handle: the kit's, the ingest buffer and the raw table's partitions. */
export type TelemetryHandle = SubgraphHandle<Exposed>;

export const DEFAULT_SETTINGS: TelemetrySettings = {
  maxBatchRows: 5000,
  flushMs: 10,
  maxPendingRows: 100_000,
  maxConcurrentFlushes: 2,
  retentionDays: 7,
  rollupIntervalMs: 1000,
  rollupSettleMs: 5000,
  rollupExactSamples: 50_000,
  alertIntervalMs: 5000,
};

export const telemetry = defineSubgraph<TelemetryOptions, TelemetryContext, Exposed>({
  name: 'telemetry',
  entities: [AuditEntry, AlertRule, Alert],
  migrations,
  schema: buildTelemetrySchema,
  async setup({ options: opts, storage, logger }) {
    const settings: TelemetrySettings = { ...DEFAULT_SETTINGS, ...opts.settings };
    const { em } = storage;
    const partitions = new Partitions(em, settings.retentionDays, logger);
    await partitions.maintain();
    const ingest = new IngestBuffer(em, partitions, settings, logger);
    const rollups = new RollupWorker(em, logger, settings.rollupIntervalMs, settings.rollupSettleMs, settings.rollupExactSamples);
    const kv = opts.kv ?? createKeyValueStore(opts.redisUrl, logger);
    const alertHub = new AlertHub(kv, logger);
    const alerts = new AlertEvaluator(em, alertHub, logger, settings.alertIntervalMs);
    const consumers: Subscription[] = [];
    // What setup opened is closed again when a later step of it fails.
    const closeOpened = async () => {
      for (const c of consumers) await c.close();
      await alertHub.stop();
      if (!opts.kv) await kv.close();
    };
    try {
      await alertHub.start();
      consumers.push(await consumeAudit(storage.orm, storage.transport, logger, opts.busNamespace));
      consumers.push(await consumeSponsors(storage.orm, storage.transport, logger, opts.busNamespace));
    } catch (e) {
      await closeOpened().catch(() => undefined);
      throw e;
    }
    const sessions = new SessionOwners(em);
    const services: TelemetryServices = { ingest, sessions, alerts: alertHub, settings, logger };
    const synthetic = opts.syntheticViewers?.viewers ? new SyntheticViewers(ingest, sessions, opts.syntheticViewers, logger) : undefined;
    return {
      context: (start) => ({ ...start, services, loaders: createLoaders(start.em) }),
      routes: (app) => mountIngestRoute(app, { principalSecret: opts.principalSecret, services, logger }),
      websocket: (server, { schema, context }) =>
        attachSubgraphWebSocket(server, { schema, principalSecret: opts.principalSecret, logger, exposeInternals: opts.exposeInternals, context }),
      ready(handle) {
        partitions.start();
        rollups.start();
        alerts.start();
        synthetic?.start();
        const registers = [handle.metrics.registry];
        new Gauge({ name: 'telemetry_ingest_pending_rows', help: 'Telemetry rows waiting for or in a COPY', registers, collect() { this.set(ingest.pendingRows); } });
        new Counter({ name: 'telemetry_ingest_rows_total', help: 'Telemetry rows committed', registers, collect() { this.reset(); this.inc(ingest.stats.rows); } });
        new Counter({ name: 'telemetry_ingest_shed_rows_total', help: 'Telemetry rows refused with RATE_LIMITED (buffer full)', registers, collect() { this.reset(); this.inc(ingest.stats.shed); } });
      },
      async stopping() {
        await synthetic?.stop();
        await alerts.stop();
      },
      // Also runs when the start failed after ready() began the loops.
      async stopped() {
        await synthetic?.stop();
        await alerts.stop();
        await closeOpened();
        partitions.stop();
        // Requests have been answered or refused by now: write what they handed over,
        // then let the rollups catch up with it (what they miss stays marked).
        await ingest.close();
        await rollups.stop();
      },
      expose: (handle) => ({ ingest, partitions, rollups, alerts, alertHub, wsUrl: handle.url.replace(/^http/, 'ws') }),
    };
  },
});

export const ENTITIES = telemetry.entities;
export const start = telemetry.start;
