import { randomBytes } from 'node:crypto';
import {
  BadInputError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  emitAudit,
  type Logger,
  type OutboxRelay,
  type Principal,
} from '@frontrow/kit';
import type { EntityManager } from '@mikro-orm/postgresql';
import { IngestRecord, IngestStatus, type Ingest } from './entities/ingest.entity';
import { EncoderPreset } from './entities/preset.entity';
import { EntitlementInfo, FeedInfo } from './entities/projections.entity';
import { PlaybackToken } from './entities/token.entity';
import { MediaUnavailableError, type JanusClient } from './janus-client';
import type { PlaybackGrant } from './types';

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
    private readonly relay: OutboxRelay,
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
    const janus = this.requireJanus();
    const feed = await em.findOne(FeedInfo, { feedId });
    if (!feed) throw new NotFoundError('Feed');
    const preset = await em.findOne(EncoderPreset, { id: presetId });
    if (!preset) throw new BadInputError(`Unknown encoder preset "${presetId}".`, 'presetId');
    let rec = await em.findOne(IngestRecord, { feedId });
    if (rec?.status === IngestStatus.LIVE) {
      if (rec.presetId === presetId) return this.ingestOf(em, feedId);
      throw new ConflictError('This feed is already live with another preset; stop it first.', { field: 'presetId' });
    }
    if (!rec) {
      const [{ id }] = await em
        .getConnection()
        .execute<Array<{ id: string }>>(`select nextval('mountpoint_id_seq') as id`, [], 'all', em.getTransactionContext());
      rec = em.create(IngestRecord, { feedId, mountpointId: Number(id), status: IngestStatus.IDLE });
    }
    try {
      const mp = await janus.createMountpoint({ id: rec.mountpointId, name: `${feed.label} (${feedId})`, videoCodec: preset.codec });
      Object.assign(rec, {
        status: IngestStatus.LIVE,
        presetId,
        videoPort: mp.videoPort,
        audioPort: mp.audioPort,
        error: null,
        startedAt: new Date(),
        stoppedAt: null,
      });
    } catch (e) {
      rec.status = IngestStatus.FAILED;
      rec.error = e instanceof Error ? e.message : String(e);
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
    this.relay.notify();
    return this.ingestOf(em, feedId);
  }

  async stopIngest(em: EntityManager, feedId: string, actor: Principal | null): Promise<Ingest> {
    const rec = await em.findOne(IngestRecord, { feedId });
    if (!rec || rec.status !== IngestStatus.LIVE) return this.ingestOf(em, feedId);
    await this.requireJanus().destroyMountpoint(rec.mountpointId);
    Object.assign(rec, { status: IngestStatus.STOPPED, stoppedAt: new Date(), videoPort: null, audioPort: null });
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
    this.relay.notify();
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
    if (!rec || rec.status !== IngestStatus.LIVE) return null;
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
    } else {
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
    const expired = await em.find(PlaybackToken, { removedAt: null, expiresAt: { $lte: new Date() } }, { limit: 500 });
    for (const t of expired) {
      await this.janus.removeToken(t.token);
      t.removedAt = new Date();
    }
    await em.flush();
    if (expired.length) this.logger.debug({ count: expired.length }, 'removed expired playback tokens');
    return expired.length;
  }
}
