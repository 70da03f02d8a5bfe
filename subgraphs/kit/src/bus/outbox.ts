import { randomUUID } from 'node:crypto';
import { Entity, PrimaryKey, Property, type EntityManager, type EventSubscriber, type FlushEventArgs, type TransactionEventArgs } from '@mikro-orm/core';
import { Migration } from '@mikro-orm/migrations';
import type { Logger } from '../logger';
import { SpanKind, contextOf, currentTraceparent, inSpan, tracerFor } from '../tracing';
import type { BusTransport, QueueSpec } from './types';

/** An event waiting to be published; written in the same transaction as the change. */
@Entity({ tableName: 'outbox_message' })
export class OutboxMessage {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'text' })
  type!: string;

  @Property({ type: 'int' })
  version: number = 1;

  @Property({ type: 'json' })
  payload!: unknown;

  @Property({ type: 'timestamptz' })
  occurredAt: Date = new Date();

  @Property({ type: 'timestamptz', nullable: true })
  sentAt?: Date;

  @Property({ type: 'int' })
  attempts: number = 0;

  /** The trace the change was made in: the publish continues it. */
  @Property({ type: 'text', nullable: true })
  traceParent?: string;
}

/** A message id this service's consumer has handled: a redelivery changes nothing. */
@Entity({ tableName: 'handled_message' })
export class HandledMessage {
  @PrimaryKey({ type: 'text' })
  consumer!: string;

  @PrimaryKey({ type: 'uuid' })
  messageId!: string;

  @Property({ type: 'timestamptz' })
  handledAt: Date = new Date();
}

/** The kit's own tables; every subgraph lists this migration first. */
export class KitBusMigration extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table outbox_message (
      id uuid primary key,
      type text not null,
      version int not null default 1,
      payload jsonb not null,
      occurred_at timestamptz not null,
      sent_at timestamptz null,
      attempts int not null default 0
    )`);
    this.addSql(`create index outbox_message_unsent on outbox_message (occurred_at) where sent_at is null`);
    this.addSql(`create table handled_message (
      consumer text not null,
      message_id uuid not null,
      handled_at timestamptz not null,
      primary key (consumer, message_id)
    )`);
  }
}

/** The outbox remembers the trace of the change, so the publish and its consumers join it. */
export class KitBusTraceMigration extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table outbox_message add column trace_parent text null`);
  }
}

export const KIT_ENTITIES = [OutboxMessage, HandledMessage];
export const KIT_MIGRATIONS = [
  { name: '0000_kit_bus', class: KitBusMigration },
  { name: '0000_kit_bus_trace', class: KitBusTraceMigration },
];

/**
 * Adds an event to the outbox in the caller's unit of work: it is saved by the same
 * flush (and transaction) that saves the change it describes.
 */
export function emit<P>(em: EntityManager, type: string, payload: P, version = 1): OutboxMessage {
  const msg = em.create(OutboxMessage, { type, payload: payload as unknown, version, occurredAt: new Date(), attempts: 0, traceParent: currentTraceparent() });
  em.persist(msg);
  return msg;
}

interface OutboxRow {
  id: string;
  type: string;
  version: number;
  payload: unknown;
  occurred_at: Date | string;
  trace_parent: string | null;
}

/**
 * Publishes what the outbox holds, in order, with broker confirms, and marks each
 * message sent. A broker that is down delays messages; it never loses one. Several
 * relays may run against one database: rows are claimed with SKIP LOCKED.
 */
export class OutboxRelay {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopped = false;
  private backoffMs = 0;

  private readonly tracer;

  constructor(
    private readonly em: EntityManager,
    private readonly transport: BusTransport,
    private readonly logger: Logger,
    private readonly pollMs = 1000,
    options: {
      batch?: number;
      service?: string;
      /**
       * The platform's consumer queues, declared before the first message goes out (and
       * again after a failed declaration), so that none is published where no queue
       * would keep it. Absent: nothing is declared (a test of one service).
       */
      topology?: QueueSpec[];
    } = {},
  ) {
    this.batch = options.batch ?? 100;
    this.tracer = tracerFor(options.service ?? 'outbox');
    this.topology = options.topology;
  }

  private readonly batch: number;
  private readonly topology?: QueueSpec[];
  private declared?: Promise<void>;

  /** Declares the topology once; a declaration that failed is tried again by the next pass. */
  private declareTopology(): Promise<void> {
    if (!this.topology?.length) return Promise.resolve();
    this.declared ??= this.transport.declare(this.topology).catch((err: unknown) => {
      this.declared = undefined;
      throw err;
    });
    return this.declared;
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** Ask for a pass soon (called after a commit that emitted events). */
  notify(): void {
    if (this.stopped) return;
    if (this.running) this.again = true;
    else this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), ms);
    this.timer.unref?.();
  }

  private async tick(): Promise<void> {
    if (this.running || this.stopped) return;
    this.running = (async () => {
      let more = true;
      try {
        while (more && !this.stopped) more = await this.pass();
        this.backoffMs = 0;
      } catch (err) {
        this.backoffMs = Math.min(this.backoffMs ? this.backoffMs * 2 : 250, 5000);
        this.logger.warn({ err, retryInMs: this.backoffMs }, 'outbox relay could not publish; will retry');
      }
    })();
    await this.running;
    this.running = undefined;
    const next = this.again ? 0 : this.backoffMs || this.pollMs;
    this.again = false;
    this.schedule(next);
  }

  /** One batch; true when a full batch went out and more may wait. */
  async pass(): Promise<boolean> {
    const em = this.em.fork();
    let failure: unknown;
    const full = await em.transactional(async (tx) => {
      const conn = tx.getConnection();
      const ctx = tx.getTransactionContext();
      const rows = await conn.execute<OutboxRow[]>(
        `select id, type, version, payload, occurred_at, trace_parent from outbox_message
         where sent_at is null order by occurred_at, id limit ? for update skip locked`,
        [this.batch],
        'all',
        ctx,
      );
      const sent: string[] = [];
      if (rows.length) await this.declareTopology();
      for (const row of rows) {
        try {
          // A PRODUCER span in the trace of the change (a new trace when it had none).
          await inSpan(
            this.tracer,
            `publish ${row.type}`,
            { kind: SpanKind.PRODUCER, parent: contextOf(row.trace_parent), attributes: { 'messaging.system': this.transport.kind, 'messaging.message.id': row.id } },
            () =>
              this.transport.publish({
                id: row.id,
                type: row.type,
                version: row.version,
                occurredAt: new Date(row.occurred_at).toISOString(),
                payload: typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload,
                traceparent: currentTraceparent(),
              }),
          );
        } catch (err) {
          failure = err;
          break;
        }
        sent.push(row.id);
      }
      if (sent.length) {
        // What the broker confirmed is marked sent even when a later one failed.
        await conn.execute(
          `update outbox_message set sent_at = now(), attempts = attempts + 1 where id in (${sent.map(() => '?').join(',')})`,
          sent,
          'run',
          ctx,
        );
      }
      return rows.length === this.batch;
    });
    if (failure) throw failure;
    return full;
  }

  /** Publishes everything unsent now (tests, shutdown). */
  async drain(): Promise<void> {
    while (await this.pass()) {
      /* keep going */
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }
}

/** What every admin or moderator action leaves behind; telemetry keeps the log. */
export interface AuditPayload {
  /** Null for what the system itself decided (a throttled sign-in). */
  actorId: string | null;
  actorRoles: string[];
  action: string;
  targetType: string;
  targetId: string;
  details?: Record<string, unknown>;
}

/** Emits `<service>.audit.recorded` in the caller's unit of work. */
export function emitAudit(em: EntityManager, service: string, audit: AuditPayload): OutboxMessage {
  return emit(em, `${service}.audit.recorded`, { ...audit, details: audit.details ?? {} });
}

/**
 * Tells the relay to publish as soon as a change that emitted events is committed, so
 * no call site has to remember: after a flush outside a transaction, or when the
 * transaction that flushed an outbox row commits (a rolled-back one publishes nothing).
 */
export function notifyRelayAfterCommit(em: EntityManager, relay: OutboxRelay): void {
  const pending = new WeakSet<object>();
  const subscriber: EventSubscriber = {
    afterFlush({ uow, em: flushed }: FlushEventArgs) {
      if (!uow.getChangeSets().some((cs) => cs.entity instanceof OutboxMessage)) return;
      if (flushed.isInTransaction()) pending.add(flushed.getTransactionContext() as object);
      else relay.notify();
    },
    afterTransactionCommit({ transaction }: TransactionEventArgs) {
      if (transaction && pending.has(transaction as object)) {
        pending.delete(transaction as object);
        relay.notify();
      }
    },
  };
  em.getEventManager().registerSubscriber(subscriber);
}
