import { emit } from '@frontrow/kit';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { CreativeServices } from './context';
import { AssetKind, AssetStatus, CreativeAsset } from './entities/creative-asset.entity';
import { Placement, Surface } from './entities/placement.entity';
import { Sponsor } from './entities/sponsor.entity';
import { demoBanner } from './png';
import { sniff } from './sniff';
import type { PlacementCreatedPayload } from './placement.resolver';
import type { SponsorCreatedPayload } from './sponsor.resolver';

export const DEMO_SPONSOR_NAME = 'FrontRow Demo Sponsor';

export interface DemoCreativeInput {
  /** The demo sponsor's owner (the demo admin in `npm start`). */
  ownerId: string;
  /** The demo games whose venues get boards. */
  eventIds: readonly string[];
}

export interface DemoCreativeResult {
  created: boolean;
  sponsorId: string;
  assets: number;
  placements: number;
}

const BOARDS = [Surface.BOARD_NORTH, Surface.BOARD_SOUTH, Surface.BOARD_EAST, Surface.BOARD_WEST];

/**
 * The demo sponsor with two approved images, drawn here rather than kept as files: a
 * 16:9 one on every demo game's jumbotron, a long banner on its four boards. Runs once:
 * a second call finds the sponsor and changes nothing.
 */
export async function seedDemoCreative(em: EntityManager, services: Pick<CreativeServices, 'store' | 'manifests'>, input: DemoCreativeInput): Promise<DemoCreativeResult> {
  const existing = await em.findOne(Sponsor, { name: DEMO_SPONSOR_NAME, ownerId: input.ownerId });
  if (existing) return { created: false, sponsorId: existing.id, assets: 0, placements: 0 };
  const images = [
    { name: 'Demo jumbotron spot', png: demoBanner(640, 360, [12, 44, 110], [250, 190, 30]), surfaces: [Surface.JUMBOTRON] },
    { name: 'Demo board banner', png: demoBanner(1024, 128, [200, 30, 50], [245, 245, 245]), surfaces: BOARDS },
  ];
  const sponsor = em.create(Sponsor, { name: DEMO_SPONSOR_NAME, ownerId: input.ownerId });
  const assets: Array<{ asset: CreativeAsset; surfaces: Surface[] }> = [];
  for (const image of images) {
    const dims = sniff(image.png);
    const asset = em.create(CreativeAsset, {
      sponsorId: sponsor.id,
      name: image.name,
      kind: AssetKind.IMAGE,
      contentType: 'image/png',
      declaredBytes: image.png.length,
      bytes: image.png.length,
      width: dims?.width ?? null,
      height: dims?.height ?? null,
      status: AssetStatus.APPROVED,
      objectKey: '',
      submittedAt: new Date(),
      reviewedAt: new Date(),
    });
    asset.objectKey = `assets/${sponsor.id}/${asset.id}`;
    await services.store.put(asset.objectKey, image.png, 'image/png');
    assets.push({ asset, surfaces: image.surfaces });
  }
  const startsAt = new Date(Date.now() - 86_400_000);
  const endsAt = new Date(Date.now() + 365 * 86_400_000);
  let placements = 0;
  await em.transactional(async (tx) => {
    emit<SponsorCreatedPayload>(tx, 'creative.sponsor.created', { sponsorId: sponsor.id, ownerId: input.ownerId, name: sponsor.name, createdBy: input.ownerId });
    for (const eventId of input.eventIds) {
      for (const { asset, surfaces } of assets) {
        for (const surface of surfaces) {
          const p = tx.create(Placement, { eventId, assetId: asset.id, surface, startsAt, endsAt, weight: 1, frequencyCapPerHour: null });
          emit<PlacementCreatedPayload>(tx, 'creative.placement.created', { placementId: p.id, eventId, assetId: asset.id, sponsorId: sponsor.id, surface });
          placements += 1;
        }
      }
      await services.manifests.bump(tx, eventId);
    }
  });
  return { created: true, sponsorId: sponsor.id, assets: assets.length, placements };
}
