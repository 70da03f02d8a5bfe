import { CanvasPanel } from './panel';

export interface PartyView {
  title: string;
  inviteCode: string;
  members: Array<{ name: string; online: boolean; host: boolean }>;
  /** The last chat lines, oldest first. */
  lines: Array<{ author: string; body: string }>;
  playing: boolean;
  /** Only the host (or everyone, when the party lets them) sees play and pause. */
  canControl: boolean;
}

export const REACTIONS = [
  { emoji: '👏', name: 'Clap' },
  { emoji: '🎉', name: 'Cheer' },
  { emoji: '😮', name: 'Wow' },
  { emoji: '😂', name: 'Laugh' },
  { emoji: '❤️', name: 'Love' },
];

/**
 * The party in the headset: a panel on the left controller (the wrist) in XR, beside the
 * view outside it. Members with online dots, the last chat lines, reaction buttons and,
 * for the host, play and pause. Redrawn only when the party changes.
 */
export class PartyPanel {
  readonly panel = new CanvasPanel('party-panel', 0.42, 0.56, 1200);

  constructor() {
    this.panel.mesh.visible = false;
  }

  /** Where it sits when no controller holds it: left of the view, turned to the viewer. */
  placeInWorld(): void {
    const m = this.panel.mesh;
    m.position.set(-0.75, -0.1, -1.0);
    m.rotation.set(0, 0.6, 0);
    m.scale.setScalar(1);
  }

  /** On the wrist: just above the controller, facing up towards the eyes. */
  placeOnWrist(): void {
    const m = this.panel.mesh;
    m.position.set(0, 0.06, -0.12);
    m.rotation.set(-Math.PI / 3, 0, 0);
    m.scale.setScalar(0.7);
  }

  draw(view: PartyView | null): void {
    const p = this.panel;
    p.mesh.visible = view !== null;
    if (!view) return;
    const c = p.ctx;
    const { width, height } = p.canvas;
    c.clearRect(0, 0, width, height);
    p.buttons = [];
    p.roundRect(0, 0, width, height, 36, 'rgba(10, 16, 32, 0.9)');
    c.textBaseline = 'top';
    c.fillStyle = '#ffffff';
    c.font = '700 40px system-ui, sans-serif';
    c.fillText(`Party · ${view.title}`, 28, 24, width - 56);
    c.font = '28px system-ui, sans-serif';
    c.fillStyle = '#cbd5e1';
    c.fillText(`Invite code ${view.inviteCode} · ${view.playing ? 'Playing' : 'Paused'}`, 28, 76, width - 56);
    let y = 130;
    c.font = '30px system-ui, sans-serif';
    for (const m of view.members.slice(0, 6)) {
      c.beginPath();
      c.arc(44, y + 16, 11, 0, Math.PI * 2);
      c.fillStyle = m.online ? '#22c55e' : '#64748b';
      c.fill();
      c.fillStyle = '#f8fafc';
      c.fillText(`${m.name}${m.host ? ' (host)' : ''}`, 68, y, width - 96);
      y += 42;
    }
    y += 10;
    c.fillStyle = '#94a3b8';
    c.fillRect(28, y, width - 56, 2);
    y += 14;
    c.font = '27px system-ui, sans-serif';
    for (const line of view.lines.slice(-5)) {
      c.fillStyle = '#93c5fd';
      c.fillText(`${line.author}:`, 28, y, 180);
      c.fillStyle = '#f1f5f9';
      c.fillText(line.body, 216, y, width - 244);
      y += 38;
    }
    const bw = (width - 56 - 4 * 10) / 5;
    const by = height - 200;
    REACTIONS.forEach((r, i) => p.button(28 + i * (bw + 10), by, bw, 70, r.name, `react:${r.emoji}`, '#be185d'));
    if (view.canControl) {
      p.button(28, height - 110, (width - 66) / 2, 80, 'Play', 'play', view.playing ? '#334155' : '#15803d');
      p.button(38 + (width - 66) / 2, height - 110, (width - 66) / 2, 80, 'Pause', 'pause', view.playing ? '#b91c1c' : '#334155');
    }
    p.commit();
  }

  dispose(): void {
    this.panel.dispose();
  }
}
