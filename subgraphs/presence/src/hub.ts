import { randomUUID } from 'node:crypto';
import { DeliveryNoticeEvent, ForbiddenError, NotFoundError, type KeyValueStore, type Logger } from '@frontrow/kit';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { PresenceSettings } from './context';
import { Party } from './entities/party.entity';
import { PartyRole, type PartyMember } from './entities/party-member.entity';
import { decodeEvent, encodeEvent, memberData, partyChannel, type MemberData, type PartyEventPayload } from './events';

/** What a stream yields: an event, or (on an admission stream) a notice about the caller's own stream. */
export type StreamItem = PartyEventPayload | DeliveryNoticeEvent;
import { ensureHost } from './membership';
import { playbackState } from './playback';

/**
 * One subscriber's events: a queue that the GraphQL subscription reads. `finish()`
 * ends it after what is queued has been delivered (a kicked member sees the kick);
 * `return()` (the client went away) ends it at once. Either way `onClose` runs once.
 */
class EventStream implements AsyncIterableIterator<StreamItem> {
  private readonly queue: StreamItem[] = [];
  private waiter?: (result: IteratorResult<StreamItem>) => void;
  private ending = false;
  private closed = false;

  constructor(
    private readonly onClose: () => void,
    private readonly maxQueued = 1000,
  ) {}

  push(event: StreamItem): void {
    if (this.closed || this.ending) return;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w({ value: event, done: false });
      return;
    }
    this.queue.push(event);
    // A consumer this far behind is gone or hopeless: end its stream; it resubscribes and re-reads the party.
    if (this.queue.length > this.maxQueued) {
      this.queue.length = 0;
      this.finish();
    }
  }

  finish(): void {
    if (this.closed || this.ending) return;
    this.ending = true;
    if (this.queue.length === 0) this.close();
  }

  next(): Promise<IteratorResult<StreamItem>> {
    const event = this.queue.shift();
    if (event) return Promise.resolve({ value: event, done: false });
    if (this.ending || this.closed) {
      this.close();
      return Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  return(): Promise<IteratorResult<StreamItem>> {
    this.close();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(): Promise<IteratorResult<StreamItem>> {
    return this.return();
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<StreamItem> {
    return this;
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    const w = this.waiter;
    this.waiter = undefined;
    w?.({ value: undefined, done: true });
    this.onClose();
  }
}

interface Session {
  id: string;
  partyId: string;
  userId: string;
  registered: boolean;
  unsubscribe?: () => Promise<void>;
}

interface MemberRow {
  max_members?: number;
  party_id: string;
  user_id: string;
  role: PartyRole;
  muted: boolean;
  joined_at: Date | string;
}

function rowMember(r: MemberRow, online: boolean) {
  return memberData({ userId: r.user_id, role: r.role, muted: r.muted, joinedAt: new Date(r.joined_at) }, online);
}

/**
 * Real time for parties on one presence instance. Events go through the key-value
 * store's pub/sub (Redis in production) on `party:<id>`, so every instance's
 * subscribers see what any instance published. Who is online is kept in the
 * database (one row per open stream, refreshed by a heartbeat), so it is shared too.
 */
export class PartyHub {
  readonly instanceId: string;
  private readonly pending = new Set<Promise<unknown>>();
  private readonly streams = new Set<EventStream>();
  private readonly reactionTimers = new Set<NodeJS.Timeout>();
  private heartbeatTimer?: NodeJS.Timeout;
  private sweepTimer?: NodeJS.Timeout;
  private sweeping = false;
  private stopped = false;

  constructor(
    private readonly em: EntityManager,
    private readonly kv: KeyValueStore,
    private readonly settings: PresenceSettings,
    private readonly logger: Logger,
    instanceId?: string,
  ) {
    this.instanceId = instanceId ?? randomUUID();
  }

  start(): void {
    this.stopped = false;
    this.heartbeatTimer = setInterval(() => void this.track(this.heartbeat()), this.settings.heartbeatMs);
    this.heartbeatTimer.unref?.();
    const sweepEvery = Math.min(5000, Math.max(50, Math.floor(this.settings.graceMs / 2)));
    this.sweepTimer = setInterval(() => void this.track(this.sweep()), sweepEvery);
    this.sweepTimer.unref?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.heartbeatTimer);
    clearInterval(this.sweepTimer);
    for (const t of this.reactionTimers) clearTimeout(t);
    this.reactionTimers.clear();
    for (const s of [...this.streams]) await s.return();
    while (this.pending.size) await Promise.allSettled([...this.pending]);
    try {
      const em = this.em.fork();
      const rows = await em
        .getConnection()
        .execute<Array<{ party_id: string; user_id: string }>>(
          'delete from presence_session where instance_id = ? returning party_id, user_id',
          [this.instanceId],
          'all',
        );
      for (const r of rows) await this.markOfflineIfIdle(em, r.party_id, r.user_id);
    } catch (err) {
      this.logger.warn({ err }, 'could not clear this instance\'s presence sessions');
    }
  }

  /** The moment a session without a heartbeat since is considered gone. */
  private staleBefore(nowMs = Date.now()): Date {
    return new Date(nowMs - 3 * this.settings.heartbeatMs);
  }

  private track<T>(p: Promise<T>): Promise<T> {
    const guarded = p.catch((err: unknown) => {
      this.logger.warn({ err }, 'presence background task failed');
      return undefined as T;
    });
    this.pending.add(guarded);
    void guarded.finally(() => this.pending.delete(guarded));
    return guarded;
  }

  private lastMessage?: string;
  private lastDecoded: ReturnType<typeof decodeEvent> = null;

  /**
   * Every stream of a party hears each message; it is decoded once, and all of them get
   * the same event object (the subscription layer computes each event's result once).
   */
  private decode(message: string): ReturnType<typeof decodeEvent> {
    if (message !== this.lastMessage) {
      this.lastMessage = message;
      this.lastDecoded = decodeEvent(message);
    }
    return this.lastDecoded;
  }

  async publish(partyId: string, event: PartyEventPayload): Promise<void> {
    await this.kv.publish(partyChannel(partyId), encodeEvent(partyId, event));
  }

  /**
   * Opens a member's event stream. It listens before it checks membership, so a
   * kick that lands in between still ends it. Only active members get one.
   *
   * An admission stream (`admissionOnly`, kit delivery.ts) is the same check and the
   * same session (the member is online while it is open), but it carries no events:
   * the gateway delivers those from one shared stream. It yields `{ admitted }` once
   * the member may listen, and `{ endsAfter }` with the id of the event that removed
   * the member (kicked, or left), then ends.
   */
  async openStream(partyId: string, userId: string, admissionOnly = false): Promise<AsyncIterableIterator<StreamItem>> {
    if (this.stopped) throw new Error('presence is shutting down');
    const session: Session = { id: randomUUID(), partyId, userId, registered: false };
    const stream: EventStream = new EventStream(() => {
      this.streams.delete(stream);
      void this.track(this.closeSession(session));
    });
    session.unsubscribe = await this.kv.subscribe(partyChannel(partyId), (message) => {
      const decoded = this.decode(message);
      if (!decoded || decoded.partyId !== partyId) return;
      const event = decoded.event;
      const ends = (event.__typename === 'MemberKicked' || event.__typename === 'MemberLeft') && event.member.userId === userId;
      if (!admissionOnly) stream.push(event);
      else if (ends) stream.push(new DeliveryNoticeEvent({ endsAfter: decoded.id }));
      if (ends) stream.finish();
    });
    try {
      const now = new Date();
      const opened = await this.openSession(session, now);
      if (!opened) throw new NotFoundError('Party');
      if (!opened.member) throw new ForbiddenError('Only members of this party may follow its events.');
      if (admissionOnly) stream.push(new DeliveryNoticeEvent({ admitted: true }));
      if (opened.others === 0 && this.announcesPresence(opened.maxMembers)) {
        await this.publish(partyId, { __typename: 'MemberUpdated', member: memberData(opened.member, true) });
      }
    } catch (err) {
      await stream.return();
      throw err;
    }
    this.streams.add(stream);
    return stream;
  }

  /**
   * A party's events for the gateway to deliver to the members it admitted (kit
   * delivery.ts): every event, once, for as long as the party exists. No member is
   * checked here and no session is opened: each member's admission stream does that.
   *
   * `resumed`: the gateway lost this stream (this instance or the last one went away)
   * and opens it again. What was published meanwhile reached nobody, so the stream
   * begins with the playback state as it is now, as a PlaybackChanged by whoever made
   * the last change. It may repeat a version the members have; they apply only newer
   * ones. Chat and member events of that time are not replayed: `party(id)` has them.
   */
  async openSharedStream(partyId: string, resumed = false): Promise<AsyncIterableIterator<StreamItem>> {
    if (this.stopped) throw new Error('presence is shutting down');
    const stream: EventStream = new EventStream(() => {
      this.streams.delete(stream);
      void this.track(unsubscribe.then((stop) => stop()));
    });
    const unsubscribe = this.kv.subscribe(partyChannel(partyId), (message) => {
      const decoded = this.decode(message);
      if (decoded?.partyId === partyId) stream.push(decoded.event);
    });
    try {
      await unsubscribe;
      // Read after listening: an event published in between is queued before the state, which is as new or newer.
      const party = await this.em.fork().findOne(Party, { id: partyId });
      if (!party) throw new NotFoundError('Party');
      if (resumed) stream.push({ __typename: 'PlaybackChanged', state: playbackState(party), by: { id: party.playbackUpdatedBy ?? party.hostId } });
    } catch (err) {
      await stream.return();
      throw err;
    }
    this.streams.add(stream);
    return stream;
  }

  /**
   * Checks the member and opens their session in one statement: the party, the active
   * membership, how many live sessions they already had, the new session and their
   * return from a disconnection. One round trip, so one connection for one query: when
   * a gateway goes away and hundreds of members are admitted again at once, each
   * admission queues for the pool once, not five times. Null when the party does not
   * exist; `member` null when the caller is not an active member (nothing is written).
   */
  private async openSession(session: Session, now: Date): Promise<{ maxMembers: number; others: number; member: MemberData | null } | null> {
    const rows = await this.em.fork().getConnection().execute<Array<Partial<MemberRow> & { max_members: number; others: string | number }>>(
      `with p as (select id, max_members from party where id = ?),
         m as (select id, party_id, user_id, role, muted, joined_at from party_member
               where party_id = (select id from p) and user_id = ? and status = 'ACTIVE'),
         others as (select count(*) as n from presence_session where party_id = ? and user_id = ? and heartbeat_at > ?),
         opened as (insert into presence_session (id, party_id, user_id, instance_id, opened_at, heartbeat_at)
                    select ?, m.party_id, m.user_id, ?, ?, ? from m returning id),
         back as (update party_member set disconnected_at = null
                  where id = (select id from m) and disconnected_at is not null returning id)
       select p.max_members, m.party_id, m.user_id, m.role, m.muted, m.joined_at, (select n from others) as others
       from p left join m on true`,
      [session.partyId, session.userId, session.partyId, session.userId, this.staleBefore(now.getTime()), session.id, this.instanceId, now, now],
      'all',
    );
    const row = rows[0];
    if (!row) return null;
    if (!row.user_id) return { maxMembers: Number(row.max_members), others: 0, member: null };
    session.registered = true;
    return { maxMembers: Number(row.max_members), others: Number(row.others), member: rowMember(row as MemberRow, true) };
  }

  private async closeSession(session: Session): Promise<void> {
    await session.unsubscribe?.();
    if (!session.registered) return;
    const em = this.em.fork();
    await em.getConnection().execute('delete from presence_session where id = ?', [session.id], 'run');
    await this.markOfflineIfIdle(em, session.partyId, session.userId);
  }

  private async liveSessions(em: EntityManager, partyId: string, userId: string, nowMs = Date.now()): Promise<number> {
    const rows = await em
      .getConnection()
      .execute<Array<{ n: string | number }>>(
        'select count(*) as n from presence_session where party_id = ? and user_id = ? and heartbeat_at > ?',
        [partyId, userId, this.staleBefore(nowMs)],
        'all',
      );
    return Number(rows[0]?.n ?? 0);
  }

  async isOnline(em: EntityManager, partyId: string, userId: string): Promise<boolean> {
    return (await this.liveSessions(em, partyId, userId)) > 0;
  }

  /** Users with a live stream, per party. */
  async onlineUsers(em: EntityManager, partyIds: string[]): Promise<Map<string, Set<string>>> {
    const out = new Map<string, Set<string>>();
    if (partyIds.length === 0) return out;
    const rows = await em
      .getConnection()
      .execute<Array<{ party_id: string; user_id: string }>>(
        `select distinct party_id, user_id from presence_session
         where party_id in (${partyIds.map(() => '?').join(', ')}) and heartbeat_at > ?`,
        [...partyIds, this.staleBefore()],
        'all',
      );
    for (const r of rows) {
      const set = out.get(r.party_id) ?? new Set<string>();
      set.add(r.user_id);
      out.set(r.party_id, set);
    }
    return out;
  }

  /**
   * The active members of each party, oldest first, each with whether they are online,
   * in one query: plain rows, not entities, and nothing left to look up per member. A
   * party of 1,000 read by each of its members as they reconnect (the web party page
   * does, decision 0029) used to build 1,000 entities and wait on 1,000 `online`
   * lookups per read, which kept presence's event loop too busy to serve its own
   * database connections (docs/reliability.md, the gateway kill).
   */
  async activeMembers(em: EntityManager, partyIds: readonly string[]): Promise<Map<string, MemberData[]>> {
    const out = new Map<string, MemberData[]>(partyIds.map((id) => [id, []]));
    if (partyIds.length === 0) return out;
    const rows = await em.getConnection().execute<Array<MemberRow & { online: boolean }>>(
      `select m.party_id, m.user_id, m.role, m.muted, m.joined_at,
              exists (select 1 from presence_session s
                      where s.party_id = m.party_id and s.user_id = m.user_id and s.heartbeat_at > ?) as online
       from party_member m
       where m.party_id in (${partyIds.map(() => '?').join(', ')}) and m.status = 'ACTIVE'
       order by m.joined_at, m.id`,
      [this.staleBefore(), ...partyIds],
      'all',
    );
    for (const r of rows) out.get(r.party_id)?.push(rowMember(r, r.online === true));
    return out;
  }

  /** Which of these parties `userId` is an active member of: one indexed row per party, never the member list. */
  async memberOf(em: EntityManager, userId: string, partyIds: readonly string[]): Promise<Set<string>> {
    if (partyIds.length === 0) return new Set();
    const rows = await em.getConnection().execute<Array<{ party_id: string }>>(
      `select party_id from party_member
       where user_id = ? and status = 'ACTIVE' and party_id in (${partyIds.map(() => '?').join(', ')})`,
      [userId, ...partyIds],
      'all',
    );
    return new Set(rows.map((r) => r.party_id));
  }

  /** A member with no live stream left is marked disconnected (the grace period starts) and reported offline. */
  /**
   * Whether members coming online and going offline are announced to the party: in a
   * party of thousands (a creator's watch-along), everyone hearing of everyone's every
   * reconnect would cost N² messages; members read who is online from `party(id)`.
   */
  private announcesPresence(maxMembers: number): boolean {
    return maxMembers <= this.settings.onlineEventsUpToMembers;
  }

  private async markOfflineIfIdle(em: EntityManager, partyId: string, userId: string): Promise<void> {
    const now = Date.now();
    const rows = await em.getConnection().execute<MemberRow[]>(
      `update party_member m set disconnected_at = ?
       where m.party_id = ? and m.user_id = ? and m.status = 'ACTIVE' and m.disconnected_at is null
         and not exists (select 1 from presence_session s
                         where s.party_id = m.party_id and s.user_id = m.user_id and s.heartbeat_at > ?)
       returning m.party_id, m.user_id, m.role, m.muted, m.joined_at, (select p.max_members from party p where p.id = m.party_id) as max_members`,
      [new Date(now), partyId, userId, this.staleBefore(now)],
      'all',
    );
    for (const r of rows) {
      if (this.announcesPresence(Number(r.max_members))) await this.publish(partyId, { __typename: 'MemberUpdated', member: rowMember(r, false) });
    }
  }

  private async heartbeat(): Promise<void> {
    if (this.stopped) return;
    await this.em
      .fork()
      .getConnection()
      .execute('update presence_session set heartbeat_at = ? where instance_id = ?', [new Date(), this.instanceId], 'run');
  }

  /**
   * Forgets the streams of instances that stopped beating, and removes members who
   * have been offline for longer than the grace period (MemberLeft). Safe to run on
   * every instance at once: each row changes once.
   */
  async sweep(): Promise<void> {
    if (this.sweeping || this.stopped) return;
    this.sweeping = true;
    try {
      const em = this.em.fork();
      const conn = em.getConnection();
      const now = Date.now();
      const gone = await conn.execute<Array<{ party_id: string; user_id: string }>>(
        'delete from presence_session where heartbeat_at <= ? returning party_id, user_id',
        [this.staleBefore(now)],
        'all',
      );
      const pairs = new Set(gone.map((r) => `${r.party_id} ${r.user_id}`));
      for (const pair of pairs) {
        const [partyId, userId] = pair.split(' ');
        await this.markOfflineIfIdle(em, partyId, userId);
      }
      const removed = await conn.execute<MemberRow[]>(
        `update party_member m set status = 'LEFT', left_at = ?, disconnected_at = null
         where m.status = 'ACTIVE' and m.disconnected_at is not null and m.disconnected_at <= ?
           and not exists (select 1 from presence_session s
                           where s.party_id = m.party_id and s.user_id = m.user_id and s.heartbeat_at > ?)
         returning m.party_id, m.user_id, m.role, m.muted, m.joined_at`,
        [new Date(now), new Date(now - this.settings.graceMs), this.staleBefore(now)],
        'all',
      );
      for (const r of removed) {
        await this.publish(r.party_id, { __typename: 'MemberLeft', member: rowMember(r, false) });
        if (r.role === PartyRole.HOST) await this.announceNewHost(r.party_id);
      }
    } finally {
      this.sweeping = false;
    }
  }

  /** After the host left: promotes the earliest member and tells the party. */
  async announceNewHost(partyId: string): Promise<PartyMember | null> {
    const promoted = await ensureHost(this.em, partyId);
    if (promoted) {
      const online = await this.isOnline(this.em.fork(), partyId, promoted.userId);
      await this.publish(partyId, { __typename: 'MemberUpdated', member: memberData(promoted, online) });
    }
    return promoted;
  }

  /**
   * Counts a reaction. Reactions with one emoji in one window (a second by default)
   * are published once, when the window closes, with their count; the counter lives
   * in the key-value store, so reactions through every instance add up.
   */
  async react(partyId: string, emoji: string, userId: string): Promise<void> {
    const windowMs = this.settings.reactionWindowMs;
    const now = Date.now();
    const window = Math.floor(now / windowMs);
    const key = `reactions:${partyId}:${window}:${Buffer.from(emoji).toString('base64url')}`;
    const ttlSeconds = Math.ceil(windowMs / 1000) + 10;
    const n = await this.kv.incr(key, ttlSeconds);
    if (n !== 1) return;
    await this.kv.set(`${key}:by`, userId, ttlSeconds);
    // A little after the window closes, so that reactions counted at its very end are in.
    const delay = (window + 1) * windowMs - now + Math.min(100, windowMs / 10);
    const timer = setTimeout(() => {
      this.reactionTimers.delete(timer);
      void this.track(
        (async () => {
          const count = Number((await this.kv.get(key)) ?? '1');
          const by = (await this.kv.get(`${key}:by`)) ?? userId;
          await this.publish(partyId, { __typename: 'ReactionSent', emoji, by: { id: by }, count });
        })(),
      );
    }, delay);
    this.reactionTimers.add(timer);
  }
}
