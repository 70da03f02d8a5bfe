import * as THREE from 'three';

export interface PanelButton {
  x: number;
  y: number;
  w: number;
  h: number;
  action: string;
}

/**
 * A flat panel drawn with a 2D canvas: one mesh, one material, one draw call, its
 * texture uploaded only when it is redrawn. Buttons are rectangles of the canvas; a ray
 * that hits the panel names the button under it from the hit's texture coordinates.
 */
export class CanvasPanel {
  readonly canvas: HTMLCanvasElement;
  readonly ctx: CanvasRenderingContext2D;
  readonly texture: THREE.CanvasTexture;
  readonly mesh: THREE.Mesh<THREE.PlaneGeometry, THREE.MeshBasicMaterial>;
  buttons: PanelButton[] = [];

  constructor(
    readonly name: string,
    width: number,
    height: number,
    readonly pixelsPerMetre = 1024,
  ) {
    this.canvas = document.createElement('canvas');
    this.canvas.width = Math.round(width * pixelsPerMetre);
    this.canvas.height = Math.round(height * pixelsPerMetre);
    this.ctx = this.canvas.getContext('2d')!;
    this.texture = new THREE.CanvasTexture(this.canvas);
    this.texture.colorSpace = THREE.SRGBColorSpace;
    this.texture.anisotropy = 4;
    this.mesh = new THREE.Mesh(new THREE.PlaneGeometry(width, height), new THREE.MeshBasicMaterial({ map: this.texture, transparent: true }));
    this.mesh.name = name;
    this.mesh.userData.panel = this;
  }

  /** Call after drawing: the texture is uploaded before the next frame. */
  commit(): void {
    this.texture.needsUpdate = true;
  }

  /** The button at texture coordinates `uv` (as a raycast reports them), if any. */
  hit(uv: THREE.Vector2): string | null {
    const x = uv.x * this.canvas.width;
    const y = (1 - uv.y) * this.canvas.height;
    for (const b of this.buttons) if (x >= b.x && x <= b.x + b.w && y >= b.y && y <= b.y + b.h) return b.action;
    return null;
  }

  /** Where a point of the canvas (pixels) is in the world. */
  worldPoint(px: number, py: number, out: THREE.Vector3): THREE.Vector3 {
    const { width, height } = this.mesh.geometry.parameters;
    out.set((px / this.canvas.width - 0.5) * width, (0.5 - py / this.canvas.height) * height, 0);
    this.mesh.updateWorldMatrix(true, false);
    return out.applyMatrix4(this.mesh.matrixWorld);
  }

  roundRect(x: number, y: number, w: number, h: number, r: number, fill: string): void {
    const c = this.ctx;
    c.beginPath();
    c.roundRect(x, y, w, h, r);
    c.fillStyle = fill;
    c.fill();
  }

  button(x: number, y: number, w: number, h: number, label: string, action: string, fill = '#1d4ed8'): void {
    this.roundRect(x, y, w, h, h / 4, fill);
    const c = this.ctx;
    c.fillStyle = '#ffffff';
    c.font = `600 ${Math.round(h * 0.45)}px system-ui, sans-serif`;
    c.textAlign = 'center';
    c.textBaseline = 'middle';
    c.fillText(label, x + w / 2, y + h / 2, w - 8);
    c.textAlign = 'left';
    this.buttons.push({ x, y, w, h, action });
  }

  dispose(): void {
    this.texture.dispose();
    this.mesh.geometry.dispose();
    this.mesh.material.dispose();
    this.mesh.removeFromParent();
  }
}
