import * as THREE from 'three';
import { LookControls } from './look';

export type Projection = 'EQUIRECT_MONO' | 'EQUIRECT_STEREO_TB' | 'FLAT';

/** Where each eye sees: three.js's WebXR cameras add layer 1 (left eye) or 2 (right eye) to layer 0. */
export const LEFT_EYE_LAYER = 1;
export const RIGHT_EYE_LAYER = 2;

/**
 * The surface a feed is shown on, textured with `texture` (a VideoTexture, which
 * uploads a video frame only when a new one is presented):
 * - EQUIRECT_MONO: the inside of a sphere, on layer 0 (both eyes, and a flat screen);
 * - EQUIRECT_STEREO_TB: two spheres, the top half of the picture on the left eye's
 *   layer and the bottom half on the right eye's. A camera outside XR sees the left eye
 *   when it enables LEFT_EYE_LAYER (as `SphereView` and the VR stage do);
 * - FLAT: a 16:9 screen 10 m ahead.
 * The returned group owns its geometries and material: `disposeSurface` frees them.
 */
export function createVideoSurface(texture: THREE.Texture, projection: Projection, radius = 500): THREE.Group {
  const group = new THREE.Group();
  group.name = `video-${projection}`;
  const material = new THREE.MeshBasicMaterial({ map: texture, depthWrite: false });
  if (projection === 'FLAT') {
    const plane = new THREE.PlaneGeometry(16, 9);
    plane.translate(0, 0, -10);
    group.add(new THREE.Mesh(plane, material));
    return group;
  }
  const sphere = () => {
    const g = new THREE.SphereGeometry(radius, 64, 32);
    // Seen from inside: turn the faces inwards.
    g.scale(-1, 1, 1);
    return g;
  };
  if (projection === 'EQUIRECT_MONO') {
    const mesh = new THREE.Mesh(sphere(), material);
    mesh.renderOrder = -1;
    group.add(mesh);
    return group;
  }
  // Top-bottom stereo: the top half is the left eye's picture, the bottom half the right's.
  for (const [layer, offset] of [
    [LEFT_EYE_LAYER, 0.5],
    [RIGHT_EYE_LAYER, 0],
  ] as const) {
    const g = sphere();
    const uv = g.getAttribute('uv') as THREE.BufferAttribute;
    for (let i = 0; i < uv.count; i++) uv.setY(i, offset + uv.getY(i) * 0.5);
    const mesh = new THREE.Mesh(g, material);
    mesh.layers.set(layer);
    mesh.renderOrder = -1;
    group.add(mesh);
  }
  return group;
}

/** Frees what `createVideoSurface` made (not the texture, which the caller owns). */
export function disposeSurface(group: THREE.Group): void {
  group.traverse((o) => {
    if (o instanceof THREE.Mesh) {
      o.geometry.dispose();
      (o.material as THREE.Material).dispose();
    }
  });
  group.removeFromParent();
}

/**
 * Shows a video on the inside of a sphere (equirectangular 360) or on a plane (flat),
 * with the camera at the centre; dragging looks around. The web portal's player.
 */
export class SphereView {
  readonly renderer: THREE.WebGLRenderer;
  private readonly scene = new THREE.Scene();
  private readonly camera: THREE.PerspectiveCamera;
  private readonly texture: THREE.VideoTexture;
  private surface?: THREE.Group;
  private readonly controls: LookControls;
  /** Something changed since the last frame drawn: a video frame, the view, the size. */
  private dirty = true;
  private readonly onResize = () => this.resize();

  constructor(private readonly container: HTMLElement, video: HTMLVideoElement) {
    this.renderer = new THREE.WebGLRenderer({ antialias: true, preserveDrawingBuffer: true });
    this.renderer.setPixelRatio(window.devicePixelRatio);
    this.camera = new THREE.PerspectiveCamera(75, 1, 0.1, 1100);
    this.camera.layers.enable(LEFT_EYE_LAYER);
    this.texture = new THREE.VideoTexture(video);
    this.texture.colorSpace = THREE.SRGBColorSpace;
    container.appendChild(this.renderer.domElement);
    this.resize();
    window.addEventListener('resize', this.onResize);
    this.controls = new LookControls(container, () => (this.dirty = true));
    // Draw only when something changed: a 30 fps video needs 30 draws a second, not the
    // display's 60 (or more), which matters on a headset's battery and a software GPU.
    const perFrame = typeof (video as { requestVideoFrameCallback?: unknown }).requestVideoFrameCallback === 'function';
    if (perFrame) {
      const onFrame = () => {
        this.dirty = true;
        video.requestVideoFrameCallback(onFrame);
      };
      video.requestVideoFrameCallback(onFrame);
    }
    this.renderer.setAnimationLoop(() => {
      if (!this.dirty && perFrame) return;
      this.dirty = false;
      this.controls.aim(this.camera);
      this.renderer.render(this.scene, this.camera);
    });
  }

  show(projection: Projection): void {
    if (this.surface) disposeSurface(this.surface);
    this.surface = createVideoSurface(this.texture, projection);
    this.scene.add(this.surface);
    this.dirty = true;
  }

  /** Where the viewer looks, in degrees. */
  look(lon: number, lat: number): void {
    this.controls.look(lon, lat);
  }

  /** Stops drawing and frees the GPU's resources (the page is left). */
  dispose(): void {
    window.removeEventListener('resize', this.onResize);
    this.controls.dispose();
    this.renderer.setAnimationLoop(null);
    if (this.surface) disposeSurface(this.surface);
    this.texture.dispose();
    this.renderer.dispose();
    this.renderer.domElement.remove();
  }

  private resize(): void {
    const { clientWidth: w, clientHeight: h } = this.container;
    this.renderer.setSize(w, h);
    this.camera.aspect = w / Math.max(h, 1);
    this.camera.updateProjectionMatrix();
    this.dirty = true;
  }
}
