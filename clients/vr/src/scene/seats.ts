import * as THREE from 'three';
import { CanvasPanel } from './panel';

export interface Seat {
  id: string;
  label: string;
}

const W = 0.8;
const H = 0.5;

/**
 * The seat picker: a small map of the venue held at waist height in front of the
 * viewer, the court in the middle and each of the event's feeds as a seat around it.
 * One canvas panel (one draw call); choosing a seat is a ray hitting its circle.
 */
export class SeatMap {
  readonly panel = new CanvasPanel('seat-map', W, H, 1000);
  private seats: Seat[] = [];
  private current: string | null = null;
  private spots: Array<{ x: number; y: number }> = [];

  constructor() {
    this.panel.mesh.position.set(0, -0.62, -0.95);
    this.panel.mesh.rotation.x = -0.85;
  }

  show(seats: Seat[], current: string | null): void {
    this.seats = seats;
    this.current = current;
    this.draw();
  }

  select(current: string | null): void {
    if (current === this.current) return;
    this.current = current;
    this.draw();
  }

  /** Each seat's centre in the world (tests aim a controller at it). */
  worldSpots(): Array<{ id: string; label: string; x: number; y: number; z: number }> {
    const v = new THREE.Vector3();
    return this.seats.map((s, i) => {
      this.panel.worldPoint(this.spots[i].x, this.spots[i].y, v);
      return { id: s.id, label: s.label, x: v.x, y: v.y, z: v.z };
    });
  }

  private draw(): void {
    const p = this.panel;
    const c = p.ctx;
    const { width, height } = p.canvas;
    c.clearRect(0, 0, width, height);
    p.buttons = [];
    p.roundRect(0, 0, width, height, 40, 'rgba(10, 16, 32, 0.88)');
    c.fillStyle = '#e5e7eb';
    c.font = '600 34px system-ui, sans-serif';
    c.textBaseline = 'top';
    c.fillText('Seats: point and select', 30, 20);
    // The court.
    const court = { x: width * 0.3, y: height * 0.32, w: width * 0.4, h: height * 0.42 };
    p.roundRect(court.x, court.y, court.w, court.h, 16, '#b45309');
    c.strokeStyle = '#fde68a';
    c.lineWidth = 4;
    c.strokeRect(court.x + 8, court.y + 8, court.w - 16, court.h - 16);
    // The seats, spread on an ellipse around it.
    const n = Math.max(1, this.seats.length);
    const cx = width / 2;
    const cy = court.y + court.h / 2;
    const rx = width * 0.36;
    const ry = height * 0.33;
    this.spots = this.seats.map((_, i) => {
      const a = Math.PI / 2 + (i * 2 * Math.PI) / n;
      return { x: cx + rx * Math.cos(a), y: cy + ry * Math.sin(a) };
    });
    this.seats.forEach((s, i) => {
      const { x, y } = this.spots[i];
      const on = s.id === this.current;
      c.beginPath();
      c.arc(x, y, 34, 0, Math.PI * 2);
      c.fillStyle = on ? '#22c55e' : '#2563eb';
      c.fill();
      c.lineWidth = 6;
      c.strokeStyle = on ? '#bbf7d0' : '#bfdbfe';
      c.stroke();
      c.fillStyle = '#ffffff';
      c.font = '600 26px system-ui, sans-serif';
      c.textAlign = 'center';
      c.textBaseline = 'top';
      c.fillText(s.label, x, y + 40, 260);
      c.textAlign = 'left';
      p.buttons.push({ x: x - 60, y: y - 60, w: 120, h: 120, action: `seat:${s.id}` });
    });
    p.commit();
  }

  dispose(): void {
    this.panel.dispose();
  }
}
