import * as THREE from 'three';

const POOL = 10;
const LIFE_MS = 3000;
const RISE_M_PER_S = 0.35;

interface Burst {
  sprite: THREE.Sprite;
  canvas: HTMLCanvasElement;
  texture: THREE.CanvasTexture;
  bornAt: number;
  label: string;
}

/**
 * Reactions floating up in the viewer's sight: a fixed pool of sprites, each with its
 * own small canvas, reused oldest first. Drawing a reaction happens when it arrives;
 * each frame only moves and fades the live ones (nothing is allocated).
 */
export class Reactions {
  readonly group = new THREE.Group();
  private readonly pool: Burst[] = [];
  private next = 0;
  private readonly forward = new THREE.Vector3();
  private readonly origin = new THREE.Vector3();

  constructor() {
    this.group.name = 'reactions';
    for (let i = 0; i < POOL; i++) {
      const canvas = document.createElement('canvas');
      canvas.width = 512;
      canvas.height = 128;
      const texture = new THREE.CanvasTexture(canvas);
      texture.colorSpace = THREE.SRGBColorSpace;
      const sprite = new THREE.Sprite(new THREE.SpriteMaterial({ map: texture, transparent: true, depthTest: false }));
      sprite.scale.set(0.6, 0.15, 1);
      sprite.visible = false;
      sprite.renderOrder = 10;
      this.group.add(sprite);
      this.pool.push({ sprite, canvas, texture, bornAt: 0, label: '' });
    }
  }

  /** A reaction from someone: a bubble with the reaction and who sent it, ahead of `camera`. */
  spawn(emoji: string, name: string, by: string, camera: THREE.Camera, now: number): void {
    const b = this.pool[this.next];
    this.next = (this.next + 1) % POOL;
    const c = b.canvas.getContext('2d')!;
    c.clearRect(0, 0, 512, 128);
    c.beginPath();
    c.roundRect(4, 4, 504, 120, 60);
    c.fillStyle = 'rgba(236, 72, 153, 0.9)';
    c.fill();
    c.fillStyle = '#ffffff';
    c.font = '600 52px system-ui, sans-serif';
    c.textBaseline = 'middle';
    c.fillText(`${emoji} ${name}`, 36, 50, 440);
    c.font = '36px system-ui, sans-serif';
    c.fillText(by, 36, 98, 440);
    b.texture.needsUpdate = true;
    b.label = `${name} from ${by}`;
    b.bornAt = now;
    // Ahead of where the viewer looks, a little to one side, below the eyes: it rises from there.
    camera.getWorldPosition(this.origin);
    camera.getWorldDirection(this.forward);
    this.forward.y = 0;
    if (this.forward.lengthSq() < 1e-6) this.forward.set(0, 0, -1);
    this.forward.normalize();
    const side = ((this.next % 5) - 2) * 0.25;
    b.sprite.position.set(
      this.origin.x + this.forward.x * 1.8 - this.forward.z * side,
      this.origin.y - 0.3,
      this.origin.z + this.forward.z * 1.8 + this.forward.x * side,
    );
    b.sprite.visible = true;
    b.sprite.material.opacity = 1;
  }

  update(now: number, dtMs: number): boolean {
    let live = false;
    for (let i = 0; i < POOL; i++) {
      const b = this.pool[i];
      if (!b.sprite.visible) continue;
      const age = now - b.bornAt;
      if (age >= LIFE_MS) {
        b.sprite.visible = false;
        continue;
      }
      live = true;
      b.sprite.position.y += (RISE_M_PER_S * dtMs) / 1000;
      b.sprite.material.opacity = age < LIFE_MS * 0.6 ? 1 : 1 - (age - LIFE_MS * 0.6) / (LIFE_MS * 0.4);
    }
    return live;
  }

  /** The reactions floating now (tests read this). */
  visible(): string[] {
    return this.pool.filter((b) => b.sprite.visible).map((b) => b.label);
  }

  dispose(): void {
    for (const b of this.pool) {
      b.texture.dispose();
      b.sprite.material.dispose();
    }
    this.group.removeFromParent();
  }
}
