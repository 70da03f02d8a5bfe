import { randomUUID } from 'node:crypto';
import {
  CheckoutDocument,
  ControlPlaybackDocument,
  CreatePartyDocument,
  EventPageDocument,
  JoinPartyDocument,
  MyEntitlementsDocument,
  OrderDocument,
  PartyDocument,
  PartyEventsDocument,
  ReactDocument,
  RefreshSessionDocument,
  ScheduleDocument,
  SendChatMessageDocument,
  SignInDocument,
  SignUpDocument,
} from '@frontrow/sdk/src/generated/graphql';
import { gql, type GqlReply, type Loose } from '@frontrow/kit/testing';
import { print, type DocumentNode } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

/**
 * The soak's mixed workload against one platform, with the web portal's own documents
 * (the SDK's): visitors browsing, new fans buying a pass, parties watching together
 * with chat, reactions and playback, players' telemetry beacons, and members dropping
 * off and coming back. Every request's time and outcome is kept by operation; every
 * party event is followed to every member who should receive it.
 */

const docs = new Map<DocumentNode, string>();
const text = (d: DocumentNode) => docs.get(d) ?? docs.set(d, print(d)).get(d)!;

/** One finished operation. */
export interface OpRecord {
  op: string;
  /** When it finished (ms since the epoch); for a delivery, when the event was sent. */
  at: number;
  ms: number;
  error?: string;
}

export interface WorkloadShape {
  parties: number;
  membersPerParty: number;
  /** New anonymous visitors per second (each reads the schedule, then an event page). */
  visitorsPerSecond: number;
  /** New fans per second who sign up and buy a pass. */
  buyersPerSecond: number;
  /** Chat messages per second, over all parties. */
  chatPerSecond: number;
  reactionsPerSecond: number;
  /** Playback changes per second, over all parties (each by a party's host). */
  playbackPerSecond: number;
  /** Telemetry beacons per second, over all members (five heartbeats each). */
  beaconsPerSecond: number;
  /** A member who drops off and comes back, this often (ms). */
  churnEveryMs: number;
}

interface Fan {
  ip: string;
  token: string;
  refreshToken: string;
  expiresAt: number;
  userId: string;
}

interface Member {
  fan: Fan;
  party: PartyState;
  client?: Client;
  /** Counted up each time its connection goes, so an event sent before is not expected of it. */
  epoch: number;
  ready: boolean;
  /** Party events received, by key, with when. */
  seen: Map<string, number>;
  /** When it sent its last chat messages (a fan does not type faster than the party's chat limit). */
  chats: number[];
}

interface PartyState {
  id: string;
  host: Member;
  members: Member[];
  version: number;
  playing: boolean;
  /** A playback change of its host is under way. */
  busy: boolean;
}

interface Expectation {
  key: string;
  kind: 'chat delivered' | 'playback delivered';
  sentAt: number;
  /** The same moment, on the wall clock (what the report's windows use). */
  sentWall: number;
  members: Array<{ member: Member; epoch: number }>;
}

/** How long a party event may take to reach a member before it counts as late (a failure). */
export const DELIVERY_DEADLINE_MS = 10_000;
/** How long before a party event that has not reached a member counts as lost. */
export const LOSS_DEADLINE_MS = 60_000;

function describe(reason: unknown): string {
  if (reason instanceof Error) return reason.message;
  if (Array.isArray(reason)) return JSON.stringify(reason).slice(0, 200);
  const close = reason as { code?: number; reason?: string } | undefined;
  if (close && typeof close === 'object' && 'code' in close) return `socket closed ${close.code} ${close.reason ?? ''}`.trim();
  return String(reason);
}

export class Workload {
  readonly records: OpRecord[] = [];
  delivered = 0;
  lost = 0;
  /** Events that were never expected of a member because it was away (not a loss). */
  excused = 0;
  private readonly expectations: Expectation[] = [];
  private readonly parties: PartyState[] = [];
  private eventIds: string[] = [];
  private productId = '';
  private passEventId = '';
  private readonly loops: Array<Promise<void>> = [];
  private running = false;
  private counter = 0;
  private ipCounter = 0;

  constructor(
    readonly name: string,
    private readonly url: string,
    private readonly wsUrl: string,
    private readonly shape: WorkloadShape,
  ) {}

  /** A visitor's address, as the proxy in front of the gateway reports it. */
  private nextIp(): string {
    const n = this.ipCounter++;
    return `198.18.${(n >> 8) & 255}.${n & 255}`;
  }

  private async call<T = Loose>(doc: DocumentNode, variables: Record<string, unknown>, ip: string, token?: string): Promise<GqlReply<T>> {
    return gql<T>(this.url, text(doc), variables, { token, headers: { 'x-forwarded-for': ip } });
  }

  /** Runs and records one operation; resolves to its data, or undefined when it failed. */
  private async op<T = Loose>(op: string, doc: DocumentNode, variables: Record<string, unknown>, ip: string, token?: string): Promise<T | undefined> {
    const started = performance.now();
    let error: string | undefined;
    let data: T | undefined;
    try {
      const r = await this.call<T>(doc, variables, ip, token);
      if (r.status >= 500) error = `HTTP ${r.status}`;
      else if (r.errors?.length) error = `${r.errors[0].extensions?.code ?? 'no code'}: ${r.errors[0].message}`;
      else data = r.data ?? undefined;
    } catch (err) {
      error = (err as Error).message;
    }
    this.records.push({ op, at: Date.now(), ms: performance.now() - started, error });
    return data;
  }

  private timed(op: string, started: number, error?: string): void {
    this.records.push({ op, at: Date.now(), ms: performance.now() - started, error });
  }

  private async signUp(name: string): Promise<Fan> {
    const ip = this.nextIp();
    const email = `${name.toLowerCase().replace(/[^a-z0-9]+/g, "-")}-${randomUUID()}@soak.example`;
    const data = await this.op<{ signUp: Loose }>('SignUp', SignUpDocument, { input: { email, password: 'soak password 1234', displayName: name } }, ip);
    if (!data) throw new Error(`${this.name}: a sign-up failed: ${this.records.at(-1)?.error}`);
    return this.fanOf(data.signUp, ip);
  }

  private fanOf(session: Loose, ip: string): Fan {
    return { ip, token: session.accessToken, refreshToken: session.refreshToken, expiresAt: Date.parse(session.expiresAt), userId: session.user.id };
  }

  /** A fresh access token when this one has less than two minutes left. */
  private async fresh(fan: Fan): Promise<void> {
    if (fan.expiresAt - Date.now() > 120_000) return;
    const data = await this.op<{ refreshSession: Loose }>('RefreshSession', RefreshSessionDocument, { refreshToken: fan.refreshToken }, fan.ip);
    if (data) Object.assign(fan, this.fanOf(data.refreshSession, fan.ip));
  }

  /** The demo data's events, a pass without a stock limit, and the parties with every member following them. */
  async setUp(admin: { email: string; password: string }): Promise<void> {
    const schedule = await this.op<{ events: { edges: Array<{ node: { id: string } }> } }>('Schedule', ScheduleDocument, { first: 50 }, this.nextIp());
    this.eventIds = schedule?.events.edges.map((e) => e.node.id) ?? [];
    if (!this.eventIds.length) throw new Error(`${this.name}: the demo schedule is empty`);
    this.passEventId = this.eventIds[0];
    const adminIp = this.nextIp();
    const signedIn = await this.op<{ signIn: Loose }>('SignIn', SignInDocument, { input: admin }, adminIp);
    if (!signedIn) throw new Error(`${this.name}: the admin could not sign in: ${this.records.at(-1)?.error}`);
    const product = await gql(
      this.url,
      `mutation($i: ProductInput!) { createProduct(input: $i) { id } }`,
      { i: { kind: 'EVENT_PASS', name: 'Soak pass', eventId: this.passEventId, amount: 900, currency: 'EUR' } },
      { token: signedIn.signIn.accessToken, headers: { 'x-forwarded-for': adminIp } },
    );
    if (!product.data) throw new Error(`${this.name}: createProduct: ${JSON.stringify(product.errors)}`);
    this.productId = product.data.createProduct.id;

    for (let p = 0; p < this.shape.parties; p++) {
      const hostFan = await this.signUp(`Host ${p}`);
      const created = await this.op<{ createParty: { id: string; inviteCode: string } }>('CreateParty', CreatePartyDocument, { eventId: this.eventIds[p % this.eventIds.length] }, hostFan.ip, hostFan.token);
      if (!created) throw new Error(`${this.name}: createParty: ${this.records.at(-1)?.error}`);
      const party: PartyState = { id: created.createParty.id, host: undefined as unknown as Member, members: [], version: 0, playing: false, busy: false };
      const host: Member = { fan: hostFan, party, epoch: 0, ready: false, seen: new Map(), chats: [] };
      party.host = host;
      party.members.push(host);
      for (let m = 1; m < this.shape.membersPerParty; m++) {
        const fan = await this.signUp(`Member ${p}.${m}`);
        const joined = await this.op('JoinParty', JoinPartyDocument, { inviteCode: created.createParty.inviteCode }, fan.ip, fan.token);
        if (!joined) throw new Error(`${this.name}: joinParty: ${this.records.at(-1)?.error}`);
        party.members.push({ fan, party, epoch: 0, ready: false, seen: new Map(), chats: [] });
      }
      this.parties.push(party);
    }
    for (const party of this.parties) {
      const s = await this.op<{ party: { playback: { version: number; playing: boolean } } }>('Party', PartyDocument, { id: party.id }, party.host.fan.ip, party.host.fan.token);
      if (!s) throw new Error(`${this.name}: party: ${this.records.at(-1)?.error}`);
      party.version = s.party.playback.version;
      party.playing = s.party.playback.playing;
    }
    await Promise.all(this.parties.flatMap((p) => p.members.map((m) => this.follow(m))));
  }

  /** Connects a member, follows its party's events, and waits until it sees its own message. */
  private async follow(member: Member): Promise<void> {
    const started = performance.now();
    await this.fresh(member.fan);
    const client = createClient({
      url: this.wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: () => ({ authorization: `Bearer ${member.fan.token}` }),
      retryAttempts: 0,
      lazy: true,
    });
    member.client = client;
    const dropped = (reason?: unknown) => {
      if (member.client !== client) return;
      member.client = undefined;
      member.ready = false;
      member.epoch++;
      // The gateway closes a socket whose access token expired (4401): the SDK comes back
      // with a fresh one, as this does. Any other end of the stream is a failure.
      const code = (reason as { code?: number } | undefined)?.code;
      if (code !== 4401) this.records.push({ op: 'party stream', at: Date.now(), ms: 0, error: `ended: ${describe(reason)}` });
      // A refusal (no longer a member) is final: the fan would see it, not retry.
      const refused = Array.isArray(reason) && reason.some((e: { extensions?: { code?: string } }) => e.extensions?.code === 'FORBIDDEN');
      if (this.running && !refused) void this.follow(member).catch(() => undefined);
    };
    client.subscribe<Loose>(
      { query: text(PartyEventsDocument), variables: { partyId: member.party.id } },
      {
        next: (value) => {
          const e = value.data?.partyEvents;
          if (!e) return;
          if (e.__typename === 'ChatPosted') member.seen.set(`chat:${e.message.body}`, performance.now());
          else if (e.__typename === 'PlaybackChanged') member.seen.set(`play:${member.party.id}:${e.state.version}`, performance.now());
        },
        error: (err) => dropped(err),
        complete: () => dropped('completed by the server'),
      },
    );
    // Back in the party: it says so until it sees its own words, and is following from
    // then on. (Nothing tells a client when the gateway has admitted its subscription: a
    // message sent before that is not for this socket.)
    const deadline = Date.now() + DELIVERY_DEADLINE_MS;
    let sentAny = false;
    while (Date.now() < deadline && member.client === client) {
      const body = `back ${this.counter++} ${randomUUID()}`;
      if (await this.chatAs(member, body)) sentAny = true;
      const until = Math.min(deadline, Date.now() + 3_000);
      while (!member.seen.has(`chat:${body}`) && Date.now() < until && member.client === client) await new Promise((r) => setTimeout(r, 20));
      if (member.seen.has(`chat:${body}`)) {
        this.timed('follow (connect, subscribe, see own message)', started);
        member.ready = true;
        return;
      }
    }
    if (member.client !== client) return;
    this.timed('follow (connect, subscribe, see own message)', started, sentAny ? 'did not see its own messages' : 'could not send its message');
    // As a fan would: leave and come back.
    member.client = undefined;
    member.epoch++;
    await client.dispose();
    if (this.running) await this.follow(member);
  }

  /** Sends a chat message as `member` and expects it at every member following the party. */
  private async chatAs(member: Member, body: string): Promise<boolean> {
    const now = Date.now();
    member.chats = member.chats.filter((t) => now - t < 10_000);
    member.chats.push(now);
    const key = `chat:${body}`;
    const expectation = this.expect(key, 'chat delivered', member.party);
    const sent = await this.op('SendChatMessage', SendChatMessageDocument, { partyId: member.party.id, body }, member.fan.ip, member.fan.token);
    if (!sent) this.expectations.splice(this.expectations.indexOf(expectation), 1);
    return sent !== undefined;
  }

  private expect(key: string, kind: Expectation['kind'], party: PartyState): Expectation {
    const members = party.members.filter((m) => m.ready).map((member) => ({ member, epoch: member.epoch }));
    const e: Expectation = { key, kind, sentAt: performance.now(), sentWall: Date.now(), members };
    this.expectations.push(e);
    return e;
  }

  /** Settles the expectations older than the loss deadline (all of them with `all`). */
  settle(all = false): void {
    const now = performance.now();
    while (this.expectations.length && (all || now - this.expectations[0].sentAt > LOSS_DEADLINE_MS)) {
      const e = this.expectations.shift()!;
      for (const { member, epoch } of e.members) {
        const seenAt = member.seen.get(e.key);
        if (seenAt !== undefined) {
          this.delivered++;
          const ms = Math.max(0, seenAt - e.sentAt);
          this.records.push({ op: e.kind, at: e.sentWall, ms, error: ms > DELIVERY_DEADLINE_MS ? `late (over ${DELIVERY_DEADLINE_MS / 1000} s)` : undefined });
        } else if (member.epoch !== epoch) {
          this.excused++;
        } else {
          this.lost++;
          this.records.push({ op: e.kind, at: e.sentWall, ms: LOSS_DEADLINE_MS, error: 'lost' });
        }
      }
      for (const m of e.members) m.member.seen.delete(e.key);
    }
    // Events nobody waits for any more (received before they were expected) are forgotten.
    for (const p of this.parties) for (const m of p.members) if (m.seen.size > 1000) m.seen.clear();
  }

  private pick<T>(items: T[]): T {
    return items[Math.floor(Math.random() * items.length)];
  }

  private readyMembers(): Member[] {
    return this.parties.flatMap((p) => p.members.filter((m) => m.ready));
  }

  /** Calls `f` `perSecond` times a second (each in flight on its own), until stopped. */
  private every(perSecond: number, f: () => Promise<void>): void {
    if (perSecond <= 0) return;
    const period = 1000 / perSecond;
    this.loops.push(
      (async () => {
        const inFlight = new Set<Promise<void>>();
        let next = performance.now() + Math.random() * period;
        while (this.running) {
          const wait = next - performance.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
          if (!this.running) break;
          next += period;
          const task = f().catch(() => undefined);
          inFlight.add(task);
          void task.finally(() => inFlight.delete(task));
        }
        await Promise.all(inFlight);
      })(),
    );
  }

  private async visit(): Promise<void> {
    const ip = this.nextIp();
    const schedule = await this.op<{ events: { edges: Array<{ node: { id: string } }> } }>('Schedule (anonymous)', ScheduleDocument, { first: 20 }, ip);
    const ids = schedule?.events.edges.map((e) => e.node.id) ?? this.eventIds;
    await this.op('EventPage (anonymous)', EventPageDocument, { id: this.pick(ids) }, ip);
  }

  private async buy(): Promise<void> {
    const fan = await this.signUp('Buyer');
    await this.op('EventPage (fan)', EventPageDocument, { id: this.passEventId }, fan.ip, fan.token);
    const order = await this.op<{ checkout: { id: string } }>('Checkout', CheckoutDocument, { input: { productId: this.productId, quantity: 1, idempotencyKey: randomUUID() } }, fan.ip, fan.token);
    if (!order) return;
    const started = performance.now();
    let status = '';
    while (performance.now() - started < 30_000) {
      const r = await this.call<{ order: { status: string } }>(OrderDocument, { id: order.checkout.id }, fan.ip, fan.token);
      status = r.data?.order.status ?? `error ${JSON.stringify(r.errors)}`;
      if (status !== 'PENDING') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    this.timed('paid (checkout to PAID)', started, status === 'PAID' ? undefined : `order ${status}`);
    const owned = await this.op<{ myEntitlements: Array<{ event: { id: string } | null }> }>('MyEntitlements', MyEntitlementsDocument, {}, fan.ip, fan.token);
    if (owned && !owned.myEntitlements.some((e) => e.event?.id === this.passEventId)) {
      this.records.push({ op: 'MyEntitlements', at: Date.now(), ms: 0, error: 'the paid pass is not among the entitlements' });
    }
  }

  private async chat(): Promise<void> {
    // Someone who has said fewer than three things in the last ten seconds.
    const now = Date.now();
    const member = this.pick(this.readyMembers().filter((m) => m.chats.filter((t) => now - t < 10_000).length < 3));
    if (!member) return;
    await this.fresh(member.fan);
    await this.chatAs(member, `soak ${this.counter++} ${randomUUID()}`);
  }

  private async react(): Promise<void> {
    const member = this.pick(this.readyMembers());
    if (!member) return;
    await this.fresh(member.fan);
    await this.op('React', ReactDocument, { partyId: member.party.id, emoji: this.pick(['🔥', '👏', '⚽', '😮']) }, member.fan.ip, member.fan.token);
  }

  private playbackTurn = 0;
  private async playback(): Promise<void> {
    const party = this.parties[this.playbackTurn++ % this.parties.length];
    if (party.busy) return;
    party.busy = true;
    try {
      const host = party.host;
      await this.fresh(host.fan);
      const command = party.playing ? { action: 'PAUSE' } : { action: 'PLAY' };
      const expectation = this.expect(`play:${party.id}:${party.version + 1}`, 'playback delivered', party);
      const r = await this.op<{ controlPlayback: { version: number; playing: boolean } }>(
        'ControlPlayback',
        ControlPlaybackDocument,
        { partyId: party.id, command, expectedVersion: party.version },
        host.fan.ip,
        host.fan.token,
      );
      if (r) {
        party.version = r.controlPlayback.version;
        party.playing = r.controlPlayback.playing;
      } else {
        this.expectations.splice(this.expectations.indexOf(expectation), 1);
      }
    } finally {
      party.busy = false;
    }
  }

  private async beacon(): Promise<void> {
    const member = this.pick(this.readyMembers());
    if (!member) return;
    await this.fresh(member.fan);
    const sessionId = `soak-${member.fan.userId}`;
    const now = Date.now();
    const events = Array.from({ length: 5 }, (_, i) => ({ kind: 'HEARTBEAT', eventId: this.passEventId, sessionId, at: new Date(now - 1000 - i * 200).toISOString() }));
    const started = performance.now();
    let error: string | undefined;
    try {
      const res = await fetch(this.url.replace(/\/graphql$/, '/telemetry'), {
        method: 'POST',
        headers: { 'content-type': 'text/plain;charset=UTF-8', 'x-forwarded-for': member.fan.ip },
        body: JSON.stringify({ events, accessToken: member.fan.token }),
      });
      const body = (await res.json()) as { accepted?: number };
      if (res.status !== 200 || body.accepted !== 5) error = `HTTP ${res.status} ${JSON.stringify(body)}`;
    } catch (err) {
      error = (err as Error).message;
    }
    this.timed('telemetry beacon', started, error);
  }

  /** A member drops off (closes the app) and comes back: connects, subscribes, reads the party. */
  private async churn(): Promise<void> {
    const member = this.pick(this.readyMembers());
    if (!member?.client) return;
    const client = member.client;
    member.client = undefined;
    member.ready = false;
    member.epoch++;
    await client.dispose();
    await this.op('Party (coming back)', PartyDocument, { id: member.party.id }, member.fan.ip, member.fan.token);
    await this.follow(member);
  }

  start(): void {
    this.running = true;
    const s = this.shape;
    this.every(s.visitorsPerSecond, () => this.visit());
    this.every(s.buyersPerSecond, () => this.buy());
    this.every(s.chatPerSecond, () => this.chat());
    this.every(s.reactionsPerSecond, () => this.react());
    this.every(s.playbackPerSecond, () => this.playback());
    this.every(s.beaconsPerSecond, () => this.beacon());
    this.every(1000 / s.churnEveryMs, () => this.churn());
  }

  /** Stops the load, waits for what is in flight, and settles every event (members stay). */
  async pause(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops.splice(0));
    const deadline = performance.now() + LOSS_DEADLINE_MS;
    // Events sent last get the same time to arrive as the others.
    while (this.expectations.some((e) => e.members.some((m) => !m.member.seen.has(e.key) && m.member.epoch === m.epoch)) && performance.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    this.settle(true);
  }

  /** Stops at once, waiting for nothing (a failed soak): no member follows again, and every member leaves. */
  async halt(): Promise<void> {
    this.running = false;
    await this.disconnect();
  }

  /** Every member leaves the app. */
  async disconnect(): Promise<void> {
    for (const p of this.parties) {
      for (const m of p.members) {
        const c = m.client;
        m.client = undefined;
        m.ready = false;
        await c?.dispose();
      }
    }
  }
}
