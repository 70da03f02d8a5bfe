import * as THREE from 'three';

export type Projection = 'EQUIRECT_MONO' | 'EQUIRECT_STEREO_TB' | 'FLAT';

/**
 * Shows a video on the inside of a sphere (equirectangular 360) or on a plane (flat),
 * with the camera at the centre; dragging looks around.
 */
export class SphereView {
  readonly renderer: THREE.WebGLRenderer;
  private readonly scene = new THREE.Scene();
  private readonly camera: THREE.PerspectiveCamera;
  private mesh?: THREE.Mesh;
  private lon = 0;
  private lat = 0;
  private dragging: { x: number; y: number; lon: number; lat: number } | null = null;
  /** Something changed since the last frame drawn: a video frame, the view, the size. */
  private dirty = true;
  private readonly onResize = () => this.resize();

  constructor(private readonly container: HTMLElement, private readonly video: HTMLVideoElement) {
    this.renderer = new THREE.WebGLRenderer({ antialias: true, preserveDrawingBuffer: true });
    this.renderer.setPixelRatio(window.devicePixelRatio);
    this.camera = new THREE.PerspectiveCamera(75, 1, 0.1, 1100);
    container.appendChild(this.renderer.domElement);
    this.resize();
    window.addEventListener('resize', this.onResize);
    container.addEventListener('pointerdown', (e) => {
      this.dragging = { x: e.clientX, y: e.clientY, lon: this.lon, lat: this.lat };
      container.setPointerCapture(e.pointerId);
    });
    container.addEventListener('pointermove', (e) => {
      if (!this.dragging) return;
      this.lon = this.dragging.lon - (e.clientX - this.dragging.x) * 0.15;
      this.lat = Math.max(-85, Math.min(85, this.dragging.lat + (e.clientY - this.dragging.y) * 0.15));
      this.dirty = true;
    });
    container.addEventListener('pointerup', () => (this.dragging = null));
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
      this.render();
    });
  }

  show(projection: Projection): void {
    if (this.mesh) {
      this.scene.remove(this.mesh);
      this.mesh.geometry.dispose();
    }
    const texture = new THREE.VideoTexture(this.video);
    texture.colorSpace = THREE.SRGBColorSpace;
    let geometry: THREE.BufferGeometry;
    if (projection === 'FLAT') {
      geometry = new THREE.PlaneGeometry(16, 9);
      geometry.translate(0, 0, -10);
    } else {
      geometry = new THREE.SphereGeometry(500, 64, 32);
      // Seen from inside: turn the faces inwards.
      geometry.scale(-1, 1, 1);
      if (projection === 'EQUIRECT_STEREO_TB') {
        // Top half is the left eye: a mono viewer shows that half.
        const uv = geometry.getAttribute('uv') as THREE.BufferAttribute;
        for (let i = 0; i < uv.count; i++) uv.setY(i, 0.5 + uv.getY(i) * 0.5);
      }
    }
    this.mesh = new THREE.Mesh(geometry, new THREE.MeshBasicMaterial({ map: texture }));
    this.scene.add(this.mesh);
    this.dirty = true;
  }

  /** Where the viewer looks, in degrees. */
  look(lon: number, lat: number): void {
    this.lon = lon;
    this.lat = lat;
    this.dirty = true;
  }

  /** Stops drawing and frees the GPU's resources (the page is left). */
  dispose(): void {
    window.removeEventListener('resize', this.onResize);
    this.renderer.setAnimationLoop(null);
    this.mesh?.geometry.dispose();
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

  private render(): void {
    const phi = THREE.MathUtils.degToRad(90 - this.lat);
    const theta = THREE.MathUtils.degToRad(this.lon);
    this.camera.lookAt(Math.sin(phi) * Math.cos(theta), Math.cos(phi), Math.sin(phi) * Math.sin(theta));
    this.renderer.render(this.scene, this.camera);
  }
}
