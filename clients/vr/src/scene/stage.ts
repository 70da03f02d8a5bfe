import * as THREE from 'three';
import { VRButton } from 'three/examples/jsm/webxr/VRButton.js';
import { LookControls } from '@frontrow/sdk/src/player/look';
import { createVideoSurface, disposeSurface, LEFT_EYE_LAYER, type Projection } from '@frontrow/sdk/src/player/sphere';
import { Boards, type Surface } from './boards';
import { FrameStats } from './frame-stats';
import { PartyPanel } from './party-panel';
import { Reactions } from './reactions';
import { SeatMap } from './seats';

export const CLEAR_COLOUR = 0x05070d;

export interface StageEvents {
  /** A panel's button was chosen (`seat:<feedId>`, `play`, `pause`, `react:<emoji>`). */
  onAction(action: string): void;
  onImpression(placementId: string, surface: Surface): void;
}

/**
 * The venue: the 360 feed on an inside-out sphere, the sponsor boards around it, the
 * seat map at waist height, the party panel and the reactions, drawn by three.js,
 * outside XR on the page (drag or turn the phone to look around; a tap chooses) and in
 * XR through `Enter VR` (three.js's VRButton, an `immersive-vr` session, foveated).
 * In XR the controllers point and select; the party panel rides on the left one.
 *
 * The frame loop allocates nothing: vectors and matrices are made once, the video
 * texture is uploaded only when the video presents a new frame (three.js's
 * VideoTexture waits for requestVideoFrameCallback), panels only when redrawn, and
 * each board, panel and sprite is one mesh with one material: one draw call.
 */
export class VrStage {
  readonly renderer: THREE.WebGLRenderer;
  readonly scene = new THREE.Scene();
  readonly camera: THREE.PerspectiveCamera;
  readonly boards: Boards;
  readonly seats = new SeatMap();
  readonly party = new PartyPanel();
  readonly reactions = new Reactions();
  readonly stats = new FrameStats(600);
  readonly controls: LookControls;
  readonly button: HTMLElement;
  /** Views in the last XR frame (2 in a stereo headset). */
  views = 0;
  /** Frames drawn while presenting in XR. */
  xrFrames = 0;
  private readonly texture: THREE.VideoTexture;
  private surface?: THREE.Group;
  private readonly interactive: THREE.Object3D[];
  private readonly raycaster = new THREE.Raycaster();
  private readonly rotation = new THREE.Matrix4();
  private readonly pointer = new THREE.Vector2();
  private lastTime = -1;
  private lastObserve = 0;
  private dirty = true;
  private readonly resizeObserver: ResizeObserver;

  constructor(
    private readonly host: HTMLElement,
    buttonHost: HTMLElement,
    video: HTMLVideoElement,
    private readonly events: StageEvents,
  ) {
    this.renderer = new THREE.WebGLRenderer({ antialias: true });
    this.renderer.setPixelRatio(Math.min(window.devicePixelRatio, 2));
    this.renderer.setClearColor(CLEAR_COLOUR);
    this.renderer.xr.enabled = true;
    this.renderer.xr.setReferenceSpaceType('local');
    // Fewer pixels at the edges of each eye's view, where the lens blurs them anyway.
    this.renderer.xr.setFoveation(1);
    host.appendChild(this.renderer.domElement);

    this.camera = new THREE.PerspectiveCamera(75, 1, 0.05, 1100);
    // Outside XR a stereo feed shows its left eye.
    this.camera.layers.enable(LEFT_EYE_LAYER);
    this.scene.add(this.camera);

    this.texture = new THREE.VideoTexture(video);
    this.texture.colorSpace = THREE.SRGBColorSpace;
    const markDirty = () => {
      this.dirty = true;
      video.requestVideoFrameCallback?.(markDirty);
    };
    video.requestVideoFrameCallback?.(markDirty);

    this.boards = new Boards(events.onImpression, () => (this.dirty = true));
    this.scene.add(this.boards.group, this.seats.panel.mesh, this.party.panel.mesh, this.reactions.group);
    this.party.placeInWorld();
    this.interactive = [this.seats.panel.mesh, this.party.panel.mesh];

    this.controls = new LookControls(host, () => (this.dirty = true), (x, y) => this.tap(x, y));
    // Face north (-z), where the jumbotron and the centre of the feed are.
    this.controls.look(-90, -10);
    this.setUpControllers();

    this.button = VRButton.createButton(this.renderer);
    buttonHost.appendChild(this.button);
    this.renderer.xr.addEventListener('sessionstart', () => (this.dirty = true));
    this.renderer.xr.addEventListener('sessionend', () => {
      this.party.placeInWorld();
      this.scene.add(this.party.panel.mesh);
      this.dirty = true;
    });

    this.resizeObserver = new ResizeObserver(() => this.resize());
    this.resizeObserver.observe(host);
    this.resize();
    this.renderer.setAnimationLoop(this.frame);
  }

  /** Shows the feed's video in its projection (a new seat may have another). */
  showFeed(projection: Projection): void {
    if (this.surface) disposeSurface(this.surface);
    this.surface = createVideoSurface(this.texture, projection);
    // The picture's centre ahead (-z), where the viewer faces when a session starts.
    this.surface.rotation.y = -Math.PI / 2;
    this.scene.add(this.surface);
    this.dirty = true;
  }

  /** Redraw on the next frame (panels changed). */
  invalidate(): void {
    this.dirty = true;
  }

  get presenting(): boolean {
    return this.renderer.xr.isPresenting;
  }

  /** The camera the viewer sees through now (the XR rig's while presenting). */
  get viewCamera(): THREE.Camera {
    return this.renderer.xr.isPresenting ? this.renderer.xr.getCamera() : this.camera;
  }

  private readonly frame = (time: number): void => {
    const start = performance.now();
    const dt = this.lastTime < 0 ? 16 : time - this.lastTime;
    this.lastTime = time;
    const xr = this.renderer.xr.isPresenting;
    const floating = this.reactions.update(start, dt);
    if (!xr) this.controls.aim(this.camera);
    // Which boards are in view, a few times a second, drawn or not.
    if (start - this.lastObserve >= 200) {
      this.lastObserve = start;
      if (!xr) this.camera.updateMatrixWorld();
      this.boards.observe(this.viewCamera, start);
    }
    // Outside XR, draw only when something changed (a video frame, the view, a panel):
    // a headset must be given a frame every time, a page need not.
    if (!xr && !this.dirty && !floating) return;
    this.dirty = false;
    if (xr) {
      this.xrFrames++;
      this.views = this.renderer.xr.getCamera().cameras.length;
    }
    this.renderer.render(this.scene, this.camera);
    this.stats.record(start, performance.now());
  };

  private setUpControllers(): void {
    const xr = this.renderer.xr;
    const rayGeometry = new THREE.BufferGeometry().setFromPoints([new THREE.Vector3(0, 0, 0), new THREE.Vector3(0, 0, -1)]);
    const rayMaterial = new THREE.LineBasicMaterial({ color: 0x93c5fd });
    for (let i = 0; i < 2; i++) {
      const controller = xr.getController(i);
      const grip = xr.getControllerGrip(i);
      const ray = new THREE.Line(rayGeometry, rayMaterial);
      ray.scale.z = 3;
      ray.visible = false;
      controller.add(ray);
      controller.addEventListener('connected', (e) => {
        ray.visible = true;
        if ((e.data as XRInputSource).handedness === 'left') {
          grip.add(this.party.panel.mesh);
          this.party.placeOnWrist();
        }
      });
      controller.addEventListener('disconnected', () => {
        ray.visible = false;
        if (this.party.panel.mesh.parent === grip) {
          this.scene.add(this.party.panel.mesh);
          this.party.placeInWorld();
        }
      });
      controller.addEventListener('select', () => {
        this.rotation.identity().extractRotation(controller.matrixWorld);
        this.raycaster.ray.origin.setFromMatrixPosition(controller.matrixWorld);
        this.raycaster.ray.direction.set(0, 0, -1).applyMatrix4(this.rotation);
        this.pick();
      });
      this.scene.add(controller, grip);
    }
  }

  /** A tap on the page (outside XR) chooses what is under it. */
  private tap(x: number, y: number): void {
    const { clientWidth: w, clientHeight: h } = this.host;
    this.pointer.set((x / w) * 2 - 1, -(y / h) * 2 + 1);
    this.controls.aim(this.camera);
    this.camera.updateMatrixWorld();
    this.raycaster.setFromCamera(this.pointer, this.camera);
    this.pick();
  }

  private pick(): void {
    const hits = this.raycaster.intersectObjects(this.interactive, false);
    for (const hit of hits) {
      if (!hit.object.visible || !hit.uv) continue;
      const panel = hit.object.userData.panel as { hit(uv: THREE.Vector2): string | null } | undefined;
      const action = panel?.hit(hit.uv);
      if (action) {
        this.events.onAction(action);
        return;
      }
    }
  }

  /** Where each board is on the page (CSS pixels of the canvas), for tests' pixel checks. */
  boardRects(): Array<{ surface: Surface; placementId: string | null; painted: boolean; rect: { x: number; y: number; w: number; h: number } | null }> {
    this.controls.aim(this.camera);
    this.camera.updateMatrixWorld();
    const { clientWidth: w, clientHeight: h } = this.renderer.domElement;
    const v = new THREE.Vector3();
    return this.boards.describe().map((b) => {
      let minX = Infinity;
      let minY = Infinity;
      let maxX = -Infinity;
      let maxY = -Infinity;
      let behind = false;
      for (const [cx, cy] of [
        [-0.5, -0.5],
        [0.5, -0.5],
        [0.5, 0.5],
        [-0.5, 0.5],
      ]) {
        v.set(cx, cy, 0).applyMatrix4(b.mesh.matrixWorld).project(this.camera);
        if (v.z > 1) behind = true;
        const x = ((v.x + 1) / 2) * w;
        const y = ((1 - v.y) / 2) * h;
        minX = Math.min(minX, x);
        maxX = Math.max(maxX, x);
        minY = Math.min(minY, y);
        maxY = Math.max(maxY, y);
      }
      const on = !behind && maxX > 0 && maxY > 0 && minX < w && minY < h;
      return { surface: b.surface, placementId: b.placementId, painted: b.painted, rect: on ? { x: minX, y: minY, w: maxX - minX, h: maxY - minY } : null };
    });
  }

  private resize(): void {
    if (this.renderer.xr.isPresenting) return;
    const { clientWidth: w, clientHeight: h } = this.host;
    this.renderer.setSize(w, h);
    this.camera.aspect = w / Math.max(h, 1);
    this.camera.updateProjectionMatrix();
    this.dirty = true;
  }

  dispose(): void {
    this.resizeObserver.disconnect();
    this.renderer.setAnimationLoop(null);
    void this.renderer.xr.getSession()?.end().catch(() => undefined);
    this.controls.dispose();
    if (this.surface) disposeSurface(this.surface);
    this.texture.dispose();
    this.boards.dispose();
    this.seats.dispose();
    this.party.dispose();
    this.reactions.dispose();
    this.button.remove();
    this.renderer.dispose();
    this.renderer.domElement.remove();
  }
}
