import { ClockSync } from './clock';
import { SyncEngine, type Player, type SyncEngineOptions } from './engine';
import { sharedPosition, type SharedState } from './position';

/**
 * A party on a virtual clock: a server holding the authoritative playback state,
 * clients behind jittered, asymmetric network delays whose clocks are off and run
 * at slightly wrong rates, and simulated players that drift and take time to seek.
 * Everything is drawn from a seeded PRNG, so a run is reproducible; no real time
 * passes. Tests and bench/sync.ts measure how far apart the players end up.
 */

/** mulberry32: a small, fast, seeded PRNG; [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type SimCommand =
  | { action: 'PLAY' }
  | { action: 'PAUSE' }
  | { action: 'SEEK'; positionMs: number }
  | { action: 'SWITCH_FEED'; feedId: string };

/**
 * - `jitter`: each client has a route of 0–100 ms, the same both ways, and every
 *   message gets its own queueing delay (exponential, mean 8 ms, at most 50 ms) in
 *   each direction: 0–150 ms each way, asymmetric message by message.
 * - `asymmetric-routes`: as `jitter`, but the two directions of a client's route
 *   differ for good (0–100 ms each, drawn independently). No round-trip method can
 *   see such an asymmetry: each clock is off by half of it.
 */
export type LatencyModel = 'jitter' | 'asymmetric-routes';

export interface SimulationOptions {
  seed?: number;
  clients?: number;
  durationMs?: number;
  latency?: LatencyModel;
  /** Control ticks of each client. */
  tickMs?: number;
  /** How often the spread is sampled. */
  sampleMs?: number;
  /** serverTime round trips after the first burst. */
  syncIntervalMs?: number;
  clockWindow?: number;
  /** A sample counts as steady once this long has passed since the last command reached the server. */
  steadyAfterMs?: number;
  /** What the host (client 0) does, and when. */
  script?: Array<{ atMs: number; command: SimCommand }>;
  /** How long a player takes to load a new feed, [min, max] ms (default [150, 400]). */
  feedLoadMs?: [number, number];
  engine?: SyncEngineOptions;
}

export interface SpreadSample {
  atMs: number;
  /** Max minus min of the players' positions. */
  spreadMs: number;
  steady: boolean;
  playing: boolean;
  /** Max minus min of the clients' clock errors (estimated minus true server time) at that moment. */
  clockErrorSpreadMs: number;
}

export interface SimulatedClient {
  upMs: number;
  downMs: number;
  clockSkewPpm: number;
  playerDrift: number;
  /** Estimated minus true server clock, at the end. */
  clockErrorMs: number;
  /** Half the best round trip: the most the clock error could be if both legs had been equal on average. */
  clockUncertaintyMs: number;
  /** Half the fixed difference between the route's legs: the clock error no round trip can reveal. */
  routeAsymmetryMs: number;
  seekLeadMs: number;
  feedId: string | null;
  seeks: number;
}

export interface SimulationResult {
  samples: SpreadSample[];
  clients: SimulatedClient[];
  /** The server's state at the end. */
  finalState: SharedState;
  /** The largest |player - shared position| of any client in a steady sample. */
  maxSteadyErrorMs: number;
  commands: number;
  conflicts: number;
}

export const DEFAULT_SCRIPT: Array<{ atMs: number; command: SimCommand }> = [
  { atMs: 3_000, command: { action: 'PLAY' } },
  { atMs: 20_000, command: { action: 'PAUSE' } },
  { atMs: 24_000, command: { action: 'PLAY' } },
  { atMs: 35_000, command: { action: 'SEEK', positionMs: 600_000 } },
  { atMs: 50_000, command: { action: 'SWITCH_FEED', feedId: 'feed-b' } },
  { atMs: 65_000, command: { action: 'PAUSE' } },
  { atMs: 68_000, command: { action: 'SEEK', positionMs: 300_000 } },
  { atMs: 70_000, command: { action: 'PLAY' } },
  { atMs: 80_000, command: { action: 'SWITCH_FEED', feedId: 'feed-c' } },
];

/** A min-heap of timed callbacks; ties run in the order they were scheduled. */
class Scheduler {
  now = 0;
  private seq = 0;
  private readonly heap: Array<{ at: number; seq: number; run: () => void }> = [];

  at(time: number, run: () => void): void {
    const item = { at: Math.max(time, this.now), seq: this.seq++, run };
    const h = this.heap;
    h.push(item);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.less(h[parent], h[i])) break;
      [h[parent], h[i]] = [h[i], h[parent]];
      i = parent;
    }
  }

  after(delay: number, run: () => void): void {
    this.at(this.now + delay, run);
  }

  runUntil(end: number): void {
    const h = this.heap;
    while (h.length && h[0].at <= end) {
      const top = h[0];
      const last = h.pop() as (typeof h)[number];
      if (h.length) {
        h[0] = last;
        let i = 0;
        for (;;) {
          const l = 2 * i + 1;
          const r = l + 1;
          let m = i;
          if (l < h.length && this.less(h[l], h[m])) m = l;
          if (r < h.length && this.less(h[r], h[m])) m = r;
          if (m === i) break;
          [h[m], h[i]] = [h[i], h[m]];
          i = m;
        }
      }
      this.now = top.at;
      top.run();
    }
    this.now = end;
  }

  private less(a: { at: number; seq: number }, b: { at: number; seq: number }): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }
}

/** A player whose media clock runs `drift` fast or slow, which freezes while it seeks, starts or loads a feed. */
class SimulatedPlayer implements Player {
  private position = 0;
  private rate = 1;
  private playing = false;
  private stalledUntil = 0;
  private last = 0;
  seeks = 0;

  constructor(
    private readonly time: () => number,
    private readonly drift: number,
    private readonly seekStall: () => number,
    private readonly startStall: () => number,
    private readonly loadStall: () => number,
  ) {}

  private advance(): void {
    const now = this.time();
    if (this.playing) {
      const from = Math.max(this.last, this.stalledUntil);
      if (now > from) this.position += (now - from) * this.rate * (1 + this.drift);
    }
    this.last = now;
  }

  currentTimeMs(): number {
    this.advance();
    return this.position;
  }
  setRate(rate: number): void {
    this.advance();
    this.rate = rate;
  }
  seek(ms: number): void {
    this.advance();
    this.position = ms;
    this.seeks++;
    this.stalledUntil = Math.max(this.stalledUntil, this.time() + this.seekStall());
  }
  play(): void {
    this.advance();
    this.playing = true;
    this.stalledUntil = Math.max(this.stalledUntil, this.time() + this.startStall());
  }
  pause(): void {
    this.advance();
    this.playing = false;
  }
  loadFeed(): void {
    this.advance();
    this.stalledUntil = Math.max(this.stalledUntil, this.time() + this.loadStall());
  }
}

export function simulateParty(options: SimulationOptions = {}): SimulationResult {
  const rnd = mulberry32(options.seed ?? 1);
  const uniform = (lo: number, hi: number) => lo + (hi - lo) * rnd();
  const clientCount = options.clients ?? 5;
  const durationMs = options.durationMs ?? 90_000;
  const latency = options.latency ?? 'jitter';
  const tickMs = options.tickMs ?? 100;
  const sampleMs = options.sampleMs ?? 50;
  const syncIntervalMs = options.syncIntervalMs ?? 2000;
  const steadyAfterMs = options.steadyAfterMs ?? 3000;
  const script = options.script ?? DEFAULT_SCRIPT;
  const sim = new Scheduler();
  const queueing = () => Math.min(50, -8 * Math.log(1 - rnd()));

  // The server: the authoritative state, on the true clock.
  let server: SharedState = { feedId: 'feed-a', playing: false, positionMs: 0, rate: 1, updatedAtMs: 0, version: 1 };
  let lastCommandAt = -Infinity;
  let commands = 0;
  let conflicts = 0;

  interface Client {
    upMs: number;
    downMs: number;
    skew: number;
    offset: number;
    drift: number;
    clock: ClockSync;
    player: SimulatedPlayer;
    engine: SyncEngine;
    joined: boolean;
  }

  const clients: Client[] = [];
  for (let i = 0; i < clientCount; i++) {
    const route = uniform(0, 100);
    const upMs = route;
    const downMs = latency === 'asymmetric-routes' ? uniform(0, 100) : route;
    const skew = uniform(-100e-6, 100e-6);
    const offset = uniform(-5000, 5000);
    const drift = uniform(-0.005, 0.005);
    const seekMean = uniform(20, 120);
    const local = () => sim.now * (1 + skew) + offset;
    const clock = new ClockSync({ now: local, window: options.clockWindow ?? 8 });
    const player = new SimulatedPlayer(
      () => sim.now,
      drift,
      () => seekMean * uniform(0.8, 1.2),
      () => uniform(10, 50),
      () => uniform(...(options.feedLoadMs ?? [150, 400])),
    );
    const engine = new SyncEngine(player, clock, { ...options.engine, onFeedChange: () => player.loadFeed() });
    clients.push({ upMs, downMs, skew, offset, drift, clock, player, engine, joined: false });
  }

  const up = (c: Client, run: () => void) => sim.after(c.upMs + queueing(), run);
  const down = (c: Client, run: () => void) => sim.after(c.downMs + queueing(), run);
  const broadcast = (state: SharedState) => {
    for (const c of clients) if (c.joined) down(c, () => c.engine.update(state));
  };

  const measureClock = (c: Client) => {
    const t0 = c.clock.now();
    up(c, () => {
      const serverEpochMs = sim.now;
      down(c, () => c.clock.addSample(t0, serverEpochMs, c.clock.now()));
    });
  };

  const execute = (command: SimCommand, expectedVersion: number): { state?: SharedState; current?: SharedState } => {
    if (expectedVersion !== server.version) return { current: server };
    const now = sim.now;
    const position = sharedPosition(server, now);
    const next: SharedState = { ...server, updatedAtMs: now, version: server.version + 1, positionMs: position };
    if (command.action === 'PLAY') next.playing = true;
    if (command.action === 'PAUSE') next.playing = false;
    if (command.action === 'SEEK') next.positionMs = command.positionMs;
    if (command.action === 'SWITCH_FEED') next.feedId = command.feedId;
    server = next;
    lastCommandAt = now;
    commands++;
    return { state: next };
  };

  // The host sends each command with the version it knows; a conflict is applied and retried once.
  const host = clients[0];
  const send = (command: SimCommand, retry = true) => {
    const expected = host.engine.state?.version ?? 0;
    up(host, () => {
      const result = execute(command, expected);
      if (result.state) broadcast(result.state);
      const answer = result.state ?? result.current;
      down(host, () => {
        if (answer) host.engine.update(answer);
        if (result.current) {
          conflicts++;
          if (retry) send(command, false);
        }
      });
    });
  };

  // Clients join in the first 1.5 s: a burst of clock samples, the party's state, then ticks.
  let lastJoin = 0;
  for (const c of clients) {
    const joinAt = uniform(0, 1500);
    lastJoin = Math.max(lastJoin, joinAt);
    sim.at(joinAt, () => {
      c.joined = true;
      for (let k = 0; k < 5; k++) sim.after(k * 150, () => measureClock(c));
      const resync = () => {
        measureClock(c);
        sim.after(syncIntervalMs, resync);
      };
      sim.after(5 * 150 + syncIntervalMs, resync);
      up(c, () => {
        const state = server;
        down(c, () => c.engine.update(state));
      });
      const phase = uniform(0, tickMs);
      const tick = () => {
        c.engine.tick();
        sim.after(tickMs, tick);
      };
      sim.after(phase, tick);
    });
  }
  for (const { atMs, command } of script) sim.at(atMs, () => send(command));

  const warmUpUntil = lastJoin + 3000;
  const samples: SpreadSample[] = [];
  let maxSteadyErrorMs = 0;
  const sample = () => {
    if (sim.now >= warmUpUntil) {
      const positions = clients.map((c) => c.player.currentTimeMs());
      const steady = sim.now - lastCommandAt >= steadyAfterMs;
      const clockErrors = clients.map((c) => c.clock.serverNow() - sim.now);
      samples.push({
        atMs: sim.now,
        spreadMs: Math.max(...positions) - Math.min(...positions),
        steady,
        playing: server.playing,
        clockErrorSpreadMs: Math.max(...clockErrors) - Math.min(...clockErrors),
      });
      if (steady) {
        const truth = sharedPosition(server, sim.now);
        for (const p of positions) maxSteadyErrorMs = Math.max(maxSteadyErrorMs, Math.abs(p - truth));
      }
    }
    sim.after(sampleMs, sample);
  };
  sim.at(0, sample);
  sim.runUntil(durationMs);

  return {
    samples,
    clients: clients.map((c) => ({
      upMs: c.upMs,
      downMs: c.downMs,
      clockSkewPpm: c.skew * 1e6,
      playerDrift: c.drift,
      clockErrorMs: c.clock.serverNow() - sim.now,
      clockUncertaintyMs: c.clock.uncertaintyMs,
      routeAsymmetryMs: (c.upMs - c.downMs) / 2,
      seekLeadMs: c.engine.seekLeadMs,
      feedId: c.engine.state?.feedId ?? null,
      seeks: c.player.seeks,
    })),
    finalState: server,
    maxSteadyErrorMs,
    commands,
    conflicts,
  };
}

/** The p-th percentile (0–100) by nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((x, y) => x - y);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}
