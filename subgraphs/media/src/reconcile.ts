import type { Logger } from '@frontrow/kit';
import type { EntityManager } from '@mikro-orm/postgresql';
import { MediaUnavailableError, type JanusClient } from './janus-client';
import { Loop } from '@frontrow/kit';
import type { MediaService } from './media.service';

export interface ReconcileSettings {
  /** How often Janus is reconciled with media's records even when nothing seems wrong. */
  intervalMs: number;
  /**
   * How often Janus is probed (a keepalive on the control session): an outage (its LIVE
   * ingests FAILED), its end or a restart is noticed within this time, and reconciled at once. Below Janus'
   * session_timeout, which the keepalive also serves.
   */
  probeIntervalMs: number;
}

export const DEFAULT_RECONCILE_SETTINGS: ReconcileSettings = { intervalMs: 30_000, probeIntervalMs: 5_000 };

/**
 * Keeps Janus in line with media's records (docs/decisions/0011): at start-up, as soon
 * as Janus answers again after an outage or a restart, and every `intervalMs`.
 */
export class JanusReconciler {
  private readonly loop: Loop;
  /** A reconciliation is owed: at start, after an outage or a restart, after a failed one. */
  private owed = true;
  private lastRun = 0;
  private unreachable = false;

  constructor(
    private readonly em: EntityManager,
    private readonly janus: JanusClient,
    private readonly media: MediaService,
    private readonly settings: ReconcileSettings,
    private readonly logger: Logger,
  ) {
    this.loop = new Loop('Janus reconciliation', settings.probeIntervalMs, () => this.tick(), logger);
  }

  /** Reconciles now (start-up), then probes every probeIntervalMs. */
  start(): void {
    this.loop.trigger();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
  }

  private async tick(): Promise<void> {
    const probe = await this.janus.probe();
    if (probe === 'down') {
      if (!this.unreachable) {
        this.logger.warn('Janus is unreachable: its LIVE ingests are FAILED and new grants answer MEDIA_UNAVAILABLE; media reconciles with it once it answers');
      }
      this.unreachable = true;
      this.owed = true;
      // Every probe that finds Janus down, so that a failed write is tried again.
      await this.media.markJanusDown(this.em.fork());
      return;
    }
    if (this.unreachable) this.logger.info('Janus answers again: reconciling its mountpoints and tokens');
    else if (probe === 'session-lost') this.logger.info('Janus no longer knows media\'s session (it restarted): reconciling its mountpoints and tokens');
    this.unreachable = false;
    if (probe === 'session-lost') this.owed = true;
    if (this.owed || Date.now() - this.lastRun >= this.settings.intervalMs) await this.run();
  }

  private async run(): Promise<void> {
    try {
      const report = await this.media.reconcile(this.em.fork());
      this.owed = false;
      this.lastRun = Date.now();
      if (report.recreated || report.failed || report.resumed || report.tokensRestored) this.logger.info({ ...report }, 'reconciled Janus');
    } catch (err) {
      this.owed = true;
      if (err instanceof MediaUnavailableError && err.janusCode === undefined) {
        if (!this.unreachable) this.logger.warn({ err: String(err.cause ?? err.message) }, 'Janus went away during reconciliation; trying again once it answers');
        this.unreachable = true;
      } else {
        this.logger.error({ err }, 'reconciling Janus failed; trying again at the next probe');
      }
    }
  }
}
