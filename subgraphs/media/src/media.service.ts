import { randomBytes } from 'node:crypto';
import {
  BadInputError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  emitAudit,
  type Logger,
  type Principal,
} from '@frontrow/kit';
import type { EntityManager } from '@mikro-orm/postgresql';
import { IngestRecord, IngestStatus } from './entities/ingest-record.entity';
import { EncoderPreset } from './entities/encoder-preset.entity';
import { FeedInfo } from './entities/feed-info.entity';
import { PlaybackToken } from './entities/playback-token.entity';
import { JanusPluginError, MediaUnavailableError, type JanusClient, type Mountpoint } from './janus-client';
import type { PlaybackGrant } from './types';
import { type Ingest } from './types';
import { EntitlementInfo } from './entities/entitlement-info.entity';

export interface MediaSettings {
  /** The Janus API URL given to viewers. */
  publicJanusUrl?: string;
  /** The address encoders send RTP to. */
  rtpHost?: string;
  /** How long a grant lasts before it must be renewed. */
  grantTtlSeconds: number;
  /** The preset used when an event going live starts its feeds' ingest. */
  defaultPresetId: string;
}

export const DEFAULT_MEDIA_SETTINGS: MediaSettings = {
  grantTtlSeconds: 10 * 60,
  defaultPresetId: 'equirect-2k-vp8',
};

/** The media control plane: ingest (mountpoints) and playback (tokens) over Janus. */
export class MediaService {
  constructor(
    private readonly janus: JanusClient | null,
    private readonly settings: MediaSettings,
    private readonly logger: Logger,
  ) {}

  /** Whether a Janus is configured at all. */
  get available(): boolean {
    return this.janus !== null;
  }

  defaultPresetFor(): string {
    return this.settings.defaultPresetId;
  }

  private requireJanus(): JanusClient {
    if (!this.janus) throw new MediaUnavailableError('JANUS_URL is not set');
    return this.janus;
  }

  async ingestOf(em: EntityManager, feedId: string): Promise<Ingest> {
    const rec = await em.findOne(IngestRecord, { feedId });
    if (!rec) return { status: IngestStatus.IDLE };
    const live = rec.status === IngestStatus.LIVE;
    return {
      status: rec.status,
      preset: rec.presetId ? await em.findOne(EncoderPreset, { id: rec.presetId }) : null,
      rtpHost: live ? (this.settings.rtpHost ?? null) : null,
      videoPort: live ? rec.videoPort : null,
      audioPort: live ? rec.audioPort : null,
    };
  }

  async startIngest(em: EntityManager, feedId: string, presetId: string, actor: Principal | null): Promise<Ingest> {
    // What was asked is checked before whether it can be done: a feed media has not heard of
    // yet is NOT_FOUND (ask again), whether or not Janus is there.
    const feed = await em.findOne(FeedInfo, { feedId });
    if (!feed) throw new NotFoundError('Feed');
    const preset = await em.findOne(EncoderPreset, { id: presetId });
    if (!preset) throw new BadInputError(`Unknown encoder preset "${presetId}".`, 'presetId');
    const janus = this.requireJanus();
    let rec = await em.findOne(IngestRecord, { feedId });
    if (rec?.status === IngestStatus.LIVE) {
      if (rec.presetId !== presetId) throw new ConflictError('This feed is already live with another preset; stop it first.', { field: 'presetId' });
      // Starting a live ingest again changes nothing, unless Janus lost its mountpoint
      // (a restart that reconciliation has not caught up with yet): then it is recreated.
      if (await janus.mountpoint(rec.mountpointId)) return this.ingestOf(em, feedId);
      this.logger.warn({ feedId, mountpointId: rec.mountpointId }, 'Janus lacks the mountpoint of a LIVE ingest: recreating it');
    }
    if (!rec) {
      const [{ id }] = await em
        .getConnection()
        .execute<Array<{ id: string }>>(`select nextval('mountpoint_id_seq') as id`, [], 'all', em.getTransactionContext());
      rec = em.create(IngestRecord, { feedId, mountpointId: Number(id), status: IngestStatus.IDLE });
    }
    try {
      // The ports the encoder was last told, when there are any (a restart after FAILED).
      const mp = await this.createMountpoint(janus, rec, feed, preset);
      Object.assign(rec, {
        status: IngestStatus.LIVE,
        presetId,
        videoPort: mp.videoPort,
        audioPort: mp.audioPort,
        error: null,
        janusDownSince: null,
        startedAt: new Date(),
        stoppedAt: null,
      });
    } catch (e) {
      rec.status = IngestStatus.FAILED;
      rec.error = e instanceof Error ? e.message : String(e);
      // Failed because Janus is still away: it comes back LIVE by itself once Janus answers.
      if (!isUnreachable(e)) rec.janusDownSince = null;
      await em.flush();
      throw e;
    }
    if (actor) {
      emitAudit(em, 'media', {
        actorId: actor.userId,
        actorRoles: actor.roles,
        action: 'media.ingest.started',
        targetType: 'Feed',
        targetId: feedId,
        details: { presetId, mountpointId: rec.mountpointId },
      });
    }
    await em.flush();
    return this.ingestOf(em, feedId);
  }

  /**
   * Creates the feed's mountpoint on the ports its record holds, so that an encoder
   * already sending keeps reaching it; when Janus cannot bind them, on ports Janus
   * picks (the new ones are in `Feed.ingest`, and the encoder must be told).
   */
  private async createMountpoint(janus: JanusClient, rec: IngestRecord, feed: FeedInfo | null, preset: EncoderPreset): Promise<Mountpoint> {
    const spec = { id: rec.mountpointId, name: `${feed?.label ?? 'Feed'} (${rec.feedId})`, videoCodec: preset.codec };
    if (rec.videoPort && rec.audioPort) {
      try {
        return await janus.createMountpoint({ ...spec, ports: { videoPort: rec.videoPort, audioPort: rec.audioPort } });
      } catch (e) {
        if (!(e instanceof JanusPluginError)) throw e;
        this.logger.warn(
          { feedId: rec.feedId, mountpointId: rec.mountpointId, videoPort: rec.videoPort, audioPort: rec.audioPort, err: e },
          'Janus cannot listen on the ingest\'s former RTP ports: it picks others, and the encoder must send to the new ones (Feed.ingest)',
        );
      }
    }
    return janus.createMountpoint(spec);
  }

  /**
   * Janus stopped answering (the reconciler's probe found it down): every LIVE ingest is
   * marked FAILED, as nobody can watch it now, with the time, so that reconciliation
   * makes it LIVE again by itself once Janus answers. Returns how many were marked.
   */
  async markJanusDown(em: EntityManager): Promise<number> {
    const live = await em.find(IngestRecord, { status: IngestStatus.LIVE }, { fields: ['feedId', 'mountpointId'] });
    if (!live.length) return 0;
    const marked = await em.nativeUpdate(
      IngestRecord,
      { status: IngestStatus.LIVE, feedId: { $in: live.map((r) => r.feedId) } },
      { status: IngestStatus.FAILED, error: 'Janus is unreachable', janusDownSince: new Date() },
    );
    if (marked) {
      this.logger.error(
        { feeds: live.map((r) => ({ feedId: r.feedId, mountpointId: r.mountpointId })) },
        'ingest FAILED: Janus is unreachable; new grants answer MEDIA_UNAVAILABLE, and these ingests are LIVE again once Janus answers and has their mountpoints',
      );
    }
    return marked;
  }

  /**
   * Brings Janus in line with what media recorded, after Janus restarted or lost state:
   * every LIVE ingest (and every one FAILED only because Janus was unreachable) whose
   * mountpoint Janus lacks is recreated (same id, the same RTP ports when Janus can bind
   * them) and is LIVE, or is marked FAILED for good when Janus refuses; every unexpired
   * playback token Janus lacks is added again, so grants given before keep working.
   * Janus being unreachable throws MediaUnavailableError and changes nothing.
   */
  async reconcile(em: EntityManager): Promise<ReconcileReport> {
    const janus = this.requireJanus();
    const report: ReconcileReport = { recreated: 0, moved: 0, failed: 0, resumed: 0, tokensRestored: 0 };
    const present = await janus.listMountpoints();
    const live = await em.find(
      IngestRecord,
      { $or: [{ status: IngestStatus.LIVE }, { status: IngestStatus.FAILED, janusDownSince: { $ne: null } }] },
      { orderBy: { mountpointId: 'asc' } },
    );
    for (const rec of live) {
      // Still what it was when read: LIVE, or FAILED while Janus was away.
      const where = {
        feedId: rec.feedId,
        mountpointId: rec.mountpointId,
        $or: [{ status: IngestStatus.LIVE }, { status: IngestStatus.FAILED, janusDownSince: { $ne: null } }],
      };
      const resumed = rec.status === IngestStatus.FAILED;
      if (present.has(rec.mountpointId)) {
        // Janus was out of reach but kept the mountpoint: nothing to recreate.
        if (resumed && (await em.nativeUpdate(IngestRecord, where, { status: IngestStatus.LIVE, error: null, janusDownSince: null }))) {
          report.resumed++;
          this.logger.info({ feedId: rec.feedId, mountpointId: rec.mountpointId }, 'ingest LIVE again: Janus answers and still has its mountpoint');
        }
        continue;
      }
      const preset = rec.presetId ? await em.findOne(EncoderPreset, { id: rec.presetId }) : null;
      const feed = await em.findOne(FeedInfo, { feedId: rec.feedId });
      let mp: Mountpoint;
      try {
        if (!preset) throw new Error(`its encoder preset "${rec.presetId ?? ''}" is unknown`);
        mp = await this.createMountpoint(janus, rec, feed, preset);
      } catch (e) {
        // Janus down again: nothing is decided, the next run tries again.
        if (e instanceof MediaUnavailableError) throw e;
        const reason = e instanceof Error ? e.message : String(e);
        const marked = await em.nativeUpdate(IngestRecord, where, {
          status: IngestStatus.FAILED,
          error: `Janus lost the mountpoint and refused to recreate it: ${reason}`,
          janusDownSince: null,
          stoppedAt: new Date(),
        });
        if (marked) {
          report.failed++;
          this.logger.error(
            { feedId: rec.feedId, mountpointId: rec.mountpointId, reason },
            'ingest FAILED: Janus lacks the mountpoint of this LIVE feed and refused to recreate it; viewers get no grant until an admin starts the ingest again',
          );
        }
        continue;
      }
      const moved = mp.videoPort !== rec.videoPort || mp.audioPort !== rec.audioPort;
      const updated = await em.nativeUpdate(IngestRecord, where, {
        status: IngestStatus.LIVE,
        videoPort: mp.videoPort,
        audioPort: mp.audioPort,
        error: null,
        janusDownSince: null,
      });
      if (!updated) {
        // Stopped while we were at it: the mountpoint must not outlive the ingest.
        await janus.destroyMountpoint(rec.mountpointId);
        continue;
      }
      report.recreated++;
      if (moved) report.moved++;
      if (resumed) report.resumed++;
      this.logger.info(
        { feedId: rec.feedId, mountpointId: rec.mountpointId, videoPort: mp.videoPort, audioPort: mp.audioPort, moved, resumed },
        moved ? 'recreated the mountpoint of a LIVE ingest on new RTP ports' : 'recreated the mountpoint of a LIVE ingest on its RTP ports',
      );
    }
    report.tokensRestored = await this.restoreTokens(em, janus);
    return report;
  }

  /** Adds again every unexpired, unrevoked playback token that Janus does not know. */
  private async restoreTokens(em: EntityManager, janus: JanusClient): Promise<number> {
    const known = await janus.listTokens();
    const active = await em.find(PlaybackToken, { removedAt: null, expiresAt: { $gt: new Date() } }, { fields: ['token'] });
    const missing = active.map((t) => t.token).filter((t) => !known.has(t));
    for (let i = 0; i < missing.length; i += 16) {
      await Promise.all(missing.slice(i, i + 16).map((t) => janus.addToken(t)));
    }
    if (missing.length) this.logger.info({ count: missing.length }, 'added playback tokens Janus had lost');
    return missing.length;
  }

  async stopIngest(em: EntityManager, feedId: string, actor: Principal | null): Promise<Ingest> {
    const rec = await em.findOne(IngestRecord, { feedId });
    const janusDown = rec?.status === IngestStatus.FAILED && Boolean(rec.janusDownSince);
    if (!rec || (rec.status !== IngestStatus.LIVE && !janusDown)) return this.ingestOf(em, feedId);
    try {
      await this.requireJanus().destroyMountpoint(rec.mountpointId);
    } catch (e) {
      // An ingest FAILED while Janus is away is stopped in media's records all the same:
      // reconciliation will not bring it back, and a Janus that kept its mountpoint hands
      // that mountpoint to the next startIngest of the feed (same id).
      if (!(janusDown && isUnreachable(e))) throw e;
    }
    Object.assign(rec, { status: IngestStatus.STOPPED, stoppedAt: new Date(), videoPort: null, audioPort: null, janusDownSince: null });
    if (actor) {
      emitAudit(em, 'media', {
        actorId: actor.userId,
        actorRoles: actor.roles,
        action: 'media.ingest.stopped',
        targetType: 'Feed',
        targetId: feedId,
      });
    }
    await em.flush();
    return this.ingestOf(em, feedId);
  }

  async isEntitled(em: EntityManager, userId: string, eventId: string): Promise<boolean> {
    const n = await em.count(EntitlementInfo, { userId, revokedAt: null, $or: [{ eventId }, { eventId: null }] });
    return n > 0;
  }

  /**
   * A grant for one viewer and one feed: admins, preview feeds and entitled viewers
   * only; null when the feed is not live. The same token is extended while the
   * viewer keeps asking before it expires.
   */
  async playback(em: EntityManager, feedId: string, viewer: Principal): Promise<PlaybackGrant | null> {
    const feed = await em.findOne(FeedInfo, { feedId });
    if (!feed) throw new NotFoundError('Feed');
    const allowed =
      viewer.roles.includes('ADMIN') || feed.preview || (await this.isEntitled(em, viewer.userId, feed.eventId));
    if (!allowed) throw new ForbiddenError('You need a pass for this event to watch it.');
    const rec = await em.findOne(IngestRecord, { feedId });
    // FAILED because Janus is away is not "not live": the feed is live again once Janus answers.
    const janusDown = rec?.status === IngestStatus.FAILED && Boolean(rec.janusDownSince);
    if (!rec || (rec.status !== IngestStatus.LIVE && !janusDown)) return null;
    const janus = this.requireJanus();
    const now = Date.now();
    const expiresAt = new Date(now + this.settings.grantTtlSeconds * 1000);
    let token = await em.findOne(
      PlaybackToken,
      { userId: viewer.userId, feedId, removedAt: null, expiresAt: { $gt: new Date(now) } },
      { orderBy: { expiresAt: 'desc' } },
    );
    if (token) {
      token.expiresAt = expiresAt;
      // Janus forgets tokens when it restarts: make sure it knows this one before
      // reconciliation would. Adding a known token changes nothing; Janus being down
      // does not stop a renewal (reconciliation adds it once Janus is back).
      await janus.addToken(token.token).catch((err: unknown) => {
        if (!(err instanceof MediaUnavailableError)) throw err;
        this.logger.debug({ err: String(err.cause ?? err.message) }, 'renewed a grant while Janus is unreachable');
      });
    } else {
      if (janusDown) throw new MediaUnavailableError('Janus is unreachable');
      token = em.create(PlaybackToken, {
        token: randomBytes(24).toString('base64url'),
        userId: viewer.userId,
        feedId,
        eventId: feed.eventId,
        expiresAt,
      });
      await janus.addToken(token.token);
    }
    await em.flush();
    return {
      janusUrl: this.settings.publicJanusUrl ?? '',
      mountpointId: String(rec.mountpointId),
      token: token.token,
      expiresAt,
      hlsUrl: null,
    };
  }

  /** Removes from Janus every token the viewer holds for the event (or for all events). */
  async revokeTokens(em: EntityManager, userId: string, eventId: string | null): Promise<number> {
    const tokens = await em.find(PlaybackToken, { userId, removedAt: null, ...(eventId ? { eventId } : {}) });
    for (const t of tokens) {
      // A viewer still entitled through another pass keeps watching.
      if (await this.isEntitled(em, userId, t.eventId)) continue;
      await this.requireJanus().removeToken(t.token);
      t.removedAt = new Date();
    }
    await em.flush();
    return tokens.length;
  }

  /** Removes expired tokens from Janus: an unrenewed grant stops working. */
  async sweepExpired(em: EntityManager): Promise<number> {
    if (!this.janus) return 0;
    const expired = await em.find(PlaybackToken, { removedAt: null, expiresAt: { $lte: new Date() } }, { orderBy: { expiresAt: 'asc' }, limit: 500 });
    let removed = 0;
    for (const t of expired) {
      try {
        await this.janus.removeToken(t.token);
      } catch (err) {
        // Janus unreachable: the next sweep tries these and the rest again.
        if (err instanceof MediaUnavailableError && err.janusCode === undefined) break;
        this.logger.warn({ err }, 'Janus refused to remove an expired playback token');
        continue;
      }
      t.removedAt = new Date();
      removed++;
    }
    await em.flush();
    if (removed) this.logger.debug({ count: removed }, 'removed expired playback tokens');
    return removed;
  }
}

export interface ReconcileReport {
  /** Mountpoints of LIVE ingests that Janus lacked and that were created again. */
  recreated: number;
  /** Of those, the ones on other RTP ports than before. */
  moved: number;
  /** LIVE ingests marked FAILED because Janus refused to recreate their mountpoint. */
  failed: number;
  /** Ingests FAILED while Janus was unreachable that are LIVE again. */
  resumed: number;
  /** Unexpired playback tokens added to Janus again. */
  tokensRestored: number;
}

/** Janus did not answer at all (as opposed to answering with an error). */
export function isUnreachable(e: unknown): boolean {
  return e instanceof MediaUnavailableError && e.janusCode === undefined;
}
