import * as THREE from 'three';

interface OrientationReading {
  alpha: number | null;
  beta: number | null;
  gamma: number | null;
}

const DEG = Math.PI / 180;
/** The device's frame to the camera's: the camera looks out of the back of the screen, not down from it. */
const SCREEN_TO_CAMERA = new THREE.Quaternion(-Math.sqrt(0.5), 0, 0, Math.sqrt(0.5));
const Z = new THREE.Vector3(0, 0, 1);

/**
 * Looking around outside XR: dragging turns the view (a pointer's horizontal move is
 * longitude, vertical is latitude, in degrees), and on phones the device's orientation
 * turns it when the browser reports one (`deviceorientation`), dragging then adding a
 * turn about the vertical. A press that hardly moved is a tap (`onTap`, in the
 * element's pixels), for choosing things in the scene. Nothing is allocated per frame.
 */
export class LookControls {
  lon = 0;
  lat = 0;
  private dragging: { x: number; y: number; lon: number; lat: number; moved: boolean } | null = null;
  private orientation: OrientationReading | null = null;
  private readonly euler = new THREE.Euler();
  private readonly screen = new THREE.Quaternion();
  private readonly target = new THREE.Vector3();
  private readonly off: Array<() => void> = [];

  constructor(
    element: HTMLElement,
    private readonly onChange: () => void = () => undefined,
    private readonly onTap?: (x: number, y: number) => void,
  ) {
    const on = <K extends keyof HTMLElementEventMap>(type: K, fn: (e: HTMLElementEventMap[K]) => void) => {
      element.addEventListener(type, fn);
      this.off.push(() => element.removeEventListener(type, fn));
    };
    on('pointerdown', (e) => {
      this.dragging = { x: e.clientX, y: e.clientY, lon: this.lon, lat: this.lat, moved: false };
      element.setPointerCapture?.(e.pointerId);
    });
    on('pointermove', (e) => {
      const d = this.dragging;
      if (!d) return;
      if (Math.abs(e.clientX - d.x) + Math.abs(e.clientY - d.y) > 4) d.moved = true;
      this.lon = d.lon - (e.clientX - d.x) * 0.15;
      this.lat = Math.max(-85, Math.min(85, d.lat + (e.clientY - d.y) * 0.15));
      this.onChange();
    });
    on('pointerup', (e) => {
      const d = this.dragging;
      this.dragging = null;
      if (d && !d.moved && this.onTap) {
        const r = element.getBoundingClientRect();
        this.onTap(e.clientX - r.left, e.clientY - r.top);
      }
    });
    const onOrientation = (e: DeviceOrientationEvent) => {
      if (e.alpha === null) return;
      this.orientation = { alpha: e.alpha, beta: e.beta, gamma: e.gamma };
      this.onChange();
    };
    window.addEventListener('deviceorientation', onOrientation);
    this.off.push(() => window.removeEventListener('deviceorientation', onOrientation));
  }

  /** Whether the device's orientation steers the view (a phone or tablet that reports one). */
  get usesMotion(): boolean {
    return this.orientation !== null;
  }

  look(lon: number, lat: number): void {
    this.lon = lon;
    this.lat = Math.max(-85, Math.min(85, lat));
    this.onChange();
  }

  /** Turns `camera` to where the viewer looks now. */
  aim(camera: THREE.Camera): void {
    const o = this.orientation;
    if (o) {
      // Device orientation (Z-X'-Y'' intrinsic angles), then the screen's rotation, then the yaw dragged in.
      this.euler.set((o.beta ?? 0) * DEG, ((o.alpha ?? 0) - this.lon) * DEG, -(o.gamma ?? 0) * DEG, 'YXZ');
      camera.quaternion.setFromEuler(this.euler);
      camera.quaternion.multiply(SCREEN_TO_CAMERA);
      const angle = (screen.orientation?.angle ?? 0) * DEG;
      camera.quaternion.multiply(this.screen.setFromAxisAngle(Z, -angle));
      return;
    }
    const phi = (90 - this.lat) * DEG;
    const theta = this.lon * DEG;
    this.target.set(Math.sin(phi) * Math.cos(theta), Math.cos(phi), Math.sin(phi) * Math.sin(theta));
    this.target.add(camera.position);
    camera.lookAt(this.target);
  }

  dispose(): void {
    for (const f of this.off) f();
    this.off.length = 0;
  }
}
