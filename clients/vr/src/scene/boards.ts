import * as THREE from 'three';
import { ImpressionCounter } from './impressions';

export type Surface = 'JUMBOTRON' | 'BOARD_NORTH' | 'BOARD_SOUTH' | 'BOARD_EAST' | 'BOARD_WEST';

export interface BoardPlacement {
  id: string;
  surface: string;
  weight: number;
  asset: { id: string; kind: string; url: string | null; width: number | null; height: number | null };
}

/**
 * The arena ring around the viewer (metres; the viewer's eyes at the origin, looking
 * down -z, which is north): the jumbotron high ahead, four long boards low around the
 * court, each facing the viewer.
 */
const RING: Record<Surface, { position: [number, number, number]; yaw: number; size: [number, number] }> = {
  JUMBOTRON: { position: [0, 4.2, -14], yaw: 0, size: [8, 4.5] },
  BOARD_NORTH: { position: [0, -2.4, -10], yaw: 0, size: [8, 1] },
  BOARD_SOUTH: { position: [0, -2.4, 10], yaw: Math.PI, size: [8, 1] },
  BOARD_EAST: { position: [10, -2.4, 0], yaw: -Math.PI / 2, size: [8, 1] },
  BOARD_WEST: { position: [-10, -2.4, 0], yaw: Math.PI / 2, size: [8, 1] },
};
export const SURFACES = Object.keys(RING) as Surface[];

interface Board {
  surface: Surface;
  mesh: THREE.Mesh<THREE.PlaneGeometry, THREE.MeshBasicMaterial>;
  placement: BoardPlacement | null;
  painted: boolean;
}

/**
 * The venue's sponsor boards, painted from the event's ad manifest. Each board is one
 * mesh with one material (one draw call), hidden until its image has loaded. Images
 * are loaded once per asset and kept (the manifest's URLs are presigned and change;
 * the asset's id does not). Where several placements share a surface, one is chosen by
 * weight when the manifest arrives. Boards in view for a second count an impression.
 */
export class Boards {
  readonly group = new THREE.Group();
  private readonly boards: Board[];
  private readonly cache = new Map<string, Promise<THREE.Texture>>();
  private readonly loader = new THREE.ImageBitmapLoader();
  private readonly counter: ImpressionCounter;
  private readonly frustum = new THREE.Frustum();
  private readonly matrix = new THREE.Matrix4();
  private readonly centre = new THREE.Vector3();
  private version = -1;

  constructor(onImpression: (placementId: string, surface: Surface) => void, private readonly onPainted: () => void = () => undefined) {
    this.group.name = 'boards';
    this.loader.setOptions({ imageOrientation: 'flipY' });
    this.loader.setCrossOrigin('anonymous');
    const geometry = new THREE.PlaneGeometry(1, 1);
    this.boards = SURFACES.map((surface) => {
      const spot = RING[surface];
      const mesh = new THREE.Mesh(geometry, new THREE.MeshBasicMaterial({ color: 0xffffff }));
      mesh.name = `board-${surface}`;
      mesh.position.set(...spot.position);
      mesh.rotation.y = spot.yaw;
      mesh.scale.set(spot.size[0], spot.size[1], 1);
      mesh.visible = false;
      this.group.add(mesh);
      return { surface, mesh, placement: null, painted: false };
    });
    this.counter = new ImpressionCounter(this.boards.length, (slot) => {
      const b = this.boards[slot];
      if (b.placement && b.painted) onImpression(b.placement.id, b.surface);
    });
  }

  /** Paints the boards from a manifest's placements (a new version replaces the old). */
  show(version: number, placements: readonly BoardPlacement[]): void {
    if (version === this.version) return;
    this.version = version;
    this.boards.forEach((board, slot) => {
      const choices = placements.filter((p) => p.surface === board.surface && p.asset.kind === 'IMAGE' && p.asset.url);
      const chosen = pickByWeight(choices);
      if (chosen?.id === board.placement?.id) return;
      board.placement = chosen;
      board.painted = false;
      board.mesh.visible = false;
      this.counter.reset(slot);
      if (!chosen) return;
      this.texture(chosen)
        .then((texture) => {
          if (board.placement !== chosen) return;
          board.mesh.material.map = texture;
          board.mesh.material.needsUpdate = true;
          board.mesh.visible = true;
          board.painted = true;
          this.onPainted();
        })
        .catch(() => undefined);
    });
  }

  private texture(p: BoardPlacement): Promise<THREE.Texture> {
    let t = this.cache.get(p.asset.id);
    if (!t) {
      t = this.loader.loadAsync(p.asset.url!).then((bitmap) => {
        const texture = new THREE.Texture(bitmap as ImageBitmap);
        texture.colorSpace = THREE.SRGBColorSpace;
        texture.anisotropy = 8;
        texture.needsUpdate = true;
        return texture;
      });
      // A failed load is forgotten, so the next manifest tries again.
      t.catch(() => this.cache.delete(p.asset.id));
      this.cache.set(p.asset.id, t);
    }
    return t;
  }

  /** Which painted boards `camera` sees at `now`: the impression clock (call a few times a second). */
  observe(camera: THREE.Camera, now: number): void {
    this.matrix.multiplyMatrices(camera.projectionMatrix, camera.matrixWorldInverse);
    this.frustum.setFromProjectionMatrix(this.matrix);
    for (let slot = 0; slot < this.boards.length; slot++) {
      const b = this.boards[slot];
      const inView = b.painted && this.frustum.containsPoint(b.mesh.getWorldPosition(this.centre));
      this.counter.observe(slot, inView, now);
    }
  }

  /** The boards as they are (tests read this). */
  describe(): Array<{ surface: Surface; placementId: string | null; painted: boolean; mesh: THREE.Mesh }> {
    return this.boards.map((b) => ({ surface: b.surface, placementId: b.placement?.id ?? null, painted: b.painted, mesh: b.mesh }));
  }

  /** How many images were loaded (one per asset). */
  get imagesLoaded(): number {
    return this.cache.size;
  }

  dispose(): void {
    for (const b of this.boards) b.mesh.material.dispose();
    this.boards[0]?.mesh.geometry.dispose();
    for (const t of this.cache.values()) void t.then((x) => x.dispose()).catch(() => undefined);
    this.group.removeFromParent();
  }
}

function pickByWeight(choices: BoardPlacement[]): BoardPlacement | null {
  if (!choices.length) return null;
  let total = 0;
  for (const c of choices) total += Math.max(1, c.weight);
  let r = Math.random() * total;
  for (const c of choices) {
    r -= Math.max(1, c.weight);
    if (r < 0) return c;
  }
  return choices[choices.length - 1];
}
