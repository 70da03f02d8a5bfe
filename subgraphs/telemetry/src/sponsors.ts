import { busQueue, consume, parseId, type BusTransport, type Logger, type Subscription } from '@frontrow/kit';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';

interface SponsorCreated {
  sponsorId?: unknown;
  ownerId?: unknown;
}

interface PlacementCreated {
  placementId?: unknown;
  sponsorId?: unknown;
  eventId?: unknown;
  surface?: unknown;
}

const idOf = (v: unknown): string | null => (typeof v === 'string' ? parseId(v) : null);

/**
 * Keeps `sponsor_owner` and `placement_sponsor` from creative's events, once per message
 * (the kit's inbox); a message without its ids fails and is dead-lettered after the
 * retries, kept for a person. Creative never moves a placement to another sponsor, so
 * the first word on an id is the last.
 */
export function consumeSponsors(orm: MikroORM, transport: BusTransport, logger: Logger, busNamespace = ''): Promise<Subscription> {
  return consume<SponsorCreated & PlacementCreated>(
    orm,
    transport,
    busQueue('telemetry.sponsors', busNamespace),
    async (message, em) => {
      const p = message.payload ?? {};
      const conn = em.getConnection();
      const ctx = em.getTransactionContext();
      if (message.type === 'creative.sponsor.created') {
        const sponsorId = idOf(p.sponsorId);
        const ownerId = idOf(p.ownerId);
        if (!sponsorId || !ownerId) throw new Error(`sponsor message ${message.id} has no sponsor or owner id`);
        await conn.execute(`insert into sponsor_owner (sponsor_id, owner_id) values (?, ?) on conflict do nothing`, [sponsorId, ownerId], 'run', ctx);
        return;
      }
      const placementId = idOf(p.placementId);
      const sponsorId = idOf(p.sponsorId);
      const eventId = idOf(p.eventId);
      if (!placementId || !sponsorId || !eventId || typeof p.surface !== 'string') {
        throw new Error(`placement message ${message.id} lacks a placement, sponsor or event id or a surface`);
      }
      await conn.execute(
        `insert into placement_sponsor (placement_id, sponsor_id, event_id, surface) values (?, ?, ?, ?) on conflict do nothing`,
        [placementId, sponsorId, eventId, p.surface],
        'run',
        ctx,
      );
    },
    logger,
  );
}

/** The owner of a sponsor telemetry has heard of, or null. */
export async function ownerOfSponsor(em: EntityManager, sponsorId: string): Promise<string | null> {
  const rows = await em.getConnection().execute<Array<{ owner_id: string }>>(`select owner_id from sponsor_owner where sponsor_id = ?`, [sponsorId]);
  return rows[0]?.owner_id ?? null;
}

export interface SponsorFigures {
  impressions: number;
  uniqueViewers: number;
  byPlacement: Array<{ placementId: string; impressions: number }>;
}

/**
 * A sponsor's impressions over the hours that start in [from, to): per placement from
 * the hourly rollups (every placement of the sponsor, most seen first), and the
 * distinct people behind them from the raw rows of those placements (people, not
 * sessions: a fan on two devices is one viewer), read through the placement index.
 */
export async function sponsorFigures(em: EntityManager, sponsorId: string, from: Date, to: Date): Promise<SponsorFigures> {
  const conn = em.getConnection();
  const placements = await conn.execute<Array<{ placement_id: string; n: string }>>(
    `select ps.placement_id, coalesce(sum(h.impressions), 0) as n
     from placement_sponsor ps
     left join impression_hour h on h.placement_id = ps.placement_id and h.hour >= ? and h.hour < ?
     where ps.sponsor_id = ?
     group by ps.placement_id
     order by n desc, ps.placement_id`,
    [from, to, sponsorId],
  );
  const byPlacement = placements.map((r) => ({ placementId: r.placement_id, impressions: Number(r.n) }));
  const impressions = byPlacement.reduce((sum, p) => sum + p.impressions, 0);
  if (!impressions) return { impressions, uniqueViewers: 0, byPlacement };
  const [viewers] = await conn.execute<Array<{ n: string }>>(
    `select count(distinct e.user_id) as n
     from telemetry_event e
     where e.kind = 'IMPRESSION' and e.placement_id in (select placement_id from placement_sponsor where sponsor_id = ?)
       and e.at >= ? and e.at < ?`,
    [sponsorId, from, to],
  );
  return { impressions, uniqueViewers: Number(viewers.n), byPlacement };
}
