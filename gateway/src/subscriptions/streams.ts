import { DELIVERY_EXTENSION, EVENT_ID_EXTENSION, writeNext, type DeliveryNotice, type Logger, type Principal } from '@frontrow/kit';
import { GraphQLError, type ExecutionResult, type FormattedExecutionResult } from 'graphql';
import type { GatewayContext } from '../datasource';
import type { EventCompleter } from './completion';
import { asGraphQLError, type PreparedSubscription } from './operations';
import type { UpstreamPool, UpstreamRequest } from './upstream';
import WebSocket from 'ws';
import type { UpstreamSink } from './connection';
import { SLOW_CONSUMER_CLOSE } from './socket';

export interface StreamSettings {
  /** Events queued for a client that reads slower than they come; beyond it the client is dropped. */
  maxQueuedEvents: number;
  /** Longest wait between attempts to re-open an upstream stream after its subgraph went away. */
  maxRetryDelayMs: number;
  /** How long a subscriber whose stream the subgraph ended waits for the event it ends after (shared delivery). */
  endAfterWaitMs: number;
}

interface StreamDeps {
  upstream: UpstreamPool;
  completer: EventCompleter;
  settings: StreamSettings;
  logger: Logger;
}

type UpstreamResult = FormattedExecutionResult<Record<string, unknown>>;

/**
 * The upstream streams behind the gateway's subscriptions.
 *
 * A subscription whose root field is `@callerIndependent` (party events) is delivered
 * from one upstream stream per document and variables, whoever subscribed: the
 * gateway opens it as itself, and each subscriber is admitted, and later ended, by an
 * admission stream of its own with its own identity (kit delivery.ts). Every other
 * subscription is shared only by identical subscriptions of one caller (same
 * document, coerced variables and principal).
 */
export class SharedStreams {
  private readonly streams = new Map<string, SharedStream>();
  /** Events written straight to a client's socket, serialized once for many (`Subscriber.pushShared`). */
  private readonly written = { count: 0 };

  constructor(private readonly deps: StreamDeps) {}

  join(prepared: PreparedSubscription, variables: Record<string, unknown>, caller: GatewayContext): AsyncIterableIterator<ExecutionResult> {
    const variablesKey = stableJson(variables);
    const key = [prepared.shared ? '(shared)' : principalKey(caller.principal), prepared.key, variablesKey].join('\n');
    let stream = this.streams.get(key);
    if (!stream) {
      const created = new SharedStream(this.deps, this.written, prepared, variables, variablesKey, prepared.shared ? null : caller, () => {
        if (this.streams.get(key) === created) this.streams.delete(key);
      });
      this.streams.set(key, created);
      created.open();
      stream = created;
    }
    return stream.join(caller);
  }

  /** Client subscriptions open now, the upstream event streams that serve them, and the admission streams of shared ones. */
  stats(): { subscriptions: number; upstreamStreams: number; admissions: number; awaitingAdmission: number; writtenStraight: number } {
    let subscriptions = 0;
    let admissions = 0;
    let awaitingAdmission = 0;
    for (const s of this.streams.values()) {
      subscriptions += s.size;
      admissions += s.admissions;
      awaitingAdmission += s.awaitingAdmission();
    }
    return { subscriptions, upstreamStreams: this.streams.size, admissions, awaitingAdmission, writtenStraight: this.written.count };
  }

  endAll(): void {
    for (const s of [...this.streams.values()]) s.end();
  }
}

/**
 * A client's end of a stream: events queued until the client reads them. A
 * subscriber of a shared stream is held until its admission arrives: what comes
 * before waits in the queue, and is dropped if the subgraph refuses it.
 */
class Subscriber implements AsyncIterableIterator<ExecutionResult> {
  private readonly queue: ExecutionResult[] = [];
  private waiting?: (r: IteratorResult<ExecutionResult>) => void;
  private done = false;
  /** Shared delivery: the admission stream (or the wait before asking again), and the event id after which this subscriber ends. */
  stopAdmission?: { stop(): void };
  endsAfter?: string;
  endTimer?: NodeJS.Timeout;

  constructor(
    readonly caller: GatewayContext,
    private readonly limit: number,
    private held: boolean,
    private readonly onLeave: (s: Subscriber) => void,
  ) {}

  get admitted(): boolean {
    return !this.held;
  }

  push(result: ExecutionResult): void {
    if (this.done) return;
    if (this.queue.length >= this.limit) {
      const direct = this.caller.socket;
      if (direct && !this.held) {
        // The client's socket is this far behind, so it is for every subscription on it:
        // closed with a code that says so, and what waited for it let go. It reconnects
        // and reads a snapshot.
        this.queue.length = 0;
        if (direct.socket.readyState === WebSocket.OPEN) direct.socket.close(SLOW_CONSUMER_CLOSE, 'Too many undelivered events');
        this.finish();
        return;
      }
      // Held for its admission (or not on a socket of the gateway's): only this subscription ends.
      this.fail(new GraphQLError('Too many undelivered events: the subscription ended.', { extensions: { code: 'RATE_LIMITED' } }));
      return;
    }
    this.queue.push(result);
    this.flush();
  }

  /**
   * A result that goes to many subscribers, serialized once (`json`): written straight to
   * the client's socket when graphql-ws is waiting for this subscription's next event
   * (everything before it has gone out, so the order holds) and the socket keeps up;
   * otherwise queued as any other. True when it was written straight.
   */
  pushShared(result: ExecutionResult, json: () => string): boolean {
    if (this.done) return false;
    const direct = this.caller.socket;
    if (direct && this.waiting && !this.held && !this.queue.length && writeNext(direct.socket, direct.id, json())) return true;
    this.push(result);
    return false;
  }

  /** The admission is being asked for again (its connection was lost): events wait until it is answered. */
  hold(): void {
    if (!this.done) this.held = true;
  }

  /** The subgraph admitted the caller: what was held goes out. */
  admit(): void {
    if (!this.held) return;
    this.held = false;
    this.flush();
  }

  /** Ends with these errors as the last thing the client reads, whatever was held or queued. */
  fail(...errors: GraphQLError[]): void {
    if (this.done) return;
    this.queue.length = 0;
    this.queue.push({ errors });
    this.held = false;
    this.finish();
  }

  /** Ends after what is queued has been read (what is still held is dropped). */
  finish(): void {
    if (this.done) return;
    this.done = true;
    if (this.endTimer) clearTimeout(this.endTimer);
    this.stopAdmission?.stop();
    this.onLeave(this);
    if (this.held) this.queue.length = 0;
    this.flush();
  }

  next(): Promise<IteratorResult<ExecutionResult>> {
    if (this.queue.length && !this.held) return Promise.resolve({ value: this.queue.shift()!, done: false });
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiting = resolve));
  }

  return(): Promise<IteratorResult<ExecutionResult>> {
    this.queue.length = 0;
    this.finish();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<ExecutionResult> {
    return this;
  }

  /** Hands a reader that is waiting what it may have now: the next event, or the end. */
  private flush(): void {
    const w = this.waiting;
    if (!w) return;
    if (this.queue.length && !this.held) {
      this.waiting = undefined;
      w({ value: this.queue.shift()!, done: false });
    } else if (this.done) {
      this.waiting = undefined;
      w({ value: undefined, done: true });
    }
  }
}

/** Event ids a shared stream remembers having delivered, for subscribers told to end after one. */
const RECENT_EVENTS = 64;

/**
 * One upstream subscription and the clients it serves. `owner` is the caller the
 * stream is opened for; null for a shared stream, which the gateway opens as itself.
 */
class SharedStream {
  private readonly subscribers = new Set<Subscriber>();
  private stopUpstream?: () => void;
  private chain: Promise<void> = Promise.resolve();
  private attempts = 0;
  private retry?: NodeJS.Timeout;
  private ended = false;
  private readonly recent: string[] = [];
  private readonly request: UpstreamRequest;
  /** Lost once already: the next open asks the subgraph to begin with what was missed. */
  private lost = false;
  admissions = 0;

  constructor(
    private readonly deps: StreamDeps,
    private readonly written: { count: number },
    private readonly prepared: PreparedSubscription,
    private readonly variables: Record<string, unknown>,
    private readonly variablesKey: string,
    private readonly owner: GatewayContext | null,
    private readonly onEnd: () => void,
  ) {
    const { primary } = prepared;
    const upstreamVariables: Record<string, unknown> = {};
    for (const name of primary.variableUsages ?? []) if (name in variables) upstreamVariables[name] = variables[name];
    this.request = { query: primary.operation, operationName: primary.operationName, variables: upstreamVariables };
  }

  get size(): number {
    return this.subscribers.size;
  }

  awaitingAdmission(): number {
    let n = 0;
    for (const s of this.subscribers) if (!s.admitted) n++;
    return n;
  }

  join(caller: GatewayContext): Subscriber {
    const s = new Subscriber(caller, this.deps.settings.maxQueuedEvents, !this.owner, (gone) => this.leave(gone));
    this.subscribers.add(s);
    if (!this.owner) this.admit(s, 0);
    return s;
  }

  private leave(s: Subscriber): void {
    this.subscribers.delete(s);
    if (!this.subscribers.size) this.end();
  }

  open(): void {
    if (this.ended) return;
    const caller = this.owner ? { principal: this.owner.principal, clientIp: this.owner.clientIp } : { principal: null };
    // Refused for now (the subgraph is up but cannot serve yet, e.g. its database is busy): open it again later.
    let unavailable = false;
    this.deps.upstream
      .subscribe(this.prepared.primary.serviceName, this.request, caller, {
        next: (result) => {
          if (!result.data && isUnavailable(result.errors) && result.extensions?.[EVENT_ID_EXTENSION] === undefined) {
            unavailable = true;
            return;
          }
          this.attempts = 0;
          this.chain = this.chain
            .then(() => this.deliver(result))
            .catch((err: unknown) => {
              // Every subscriber hears of every event: when one cannot be completed it
              // arrives as an error, never as silence.
              this.deps.logger.error({ err }, 'could not complete a subscription event');
              const error = new GraphQLError('This event could not be completed; it was skipped.', { extensions: { code: 'INTERNAL_SERVER_ERROR' } });
              for (const s of this.subscribers) s.push({ errors: [error] });
            });
        },
        error: (err) => this.upstreamFailed(err),
        complete: () => {
          if (unavailable) return this.reopenLater();
          // The subgraph ended it (a kicked member, a deleted party): so do the clients, after what is on its way.
          this.chain = this.chain.then(() => this.end());
        },
      }, this.owner ? undefined : 'shared', this.lost)
      .then(
        (stop) => {
          if (this.ended) stop();
          else this.stopUpstream = stop;
        },
        (e: unknown) => this.failAll(asGraphQLError(e)),
      );
  }

  /**
   * Opens a subscriber's admission stream (shared delivery; `Admission`). Not private:
   * an admission asks again through it.
   */
  admit(s: Subscriber, attempt: number): void {
    if (this.ended) return;
    this.admissions++;
    const admission = new Admission(this, s, attempt);
    s.stopAdmission = admission;
    this.deps.upstream
      .subscribe(this.prepared.primary.serviceName, this.request, { principal: s.caller.principal, clientIp: s.caller.clientIp }, admission, 'admission')
      .then(
        (stop) => admission.started(stop),
        (e: unknown) => admission.failedToStart(e),
      );
  }

  /**
   * Asks for the admission again later, with jitter: every subscriber of the stream asks at
   * once after a restart. Until it is answered, events wait: a member removed meanwhile must
   * not hear them.
   */
  admitLater(s: Subscriber, attempt: number): void {
    s.hold();
    const delay = Math.min(this.deps.settings.maxRetryDelayMs, 100 * 2 ** attempt) * (0.5 + Math.random());
    const retry = setTimeout(() => {
      if (this.subscribers.has(s)) this.admit(s, attempt + 1);
    }, delay);
    s.stopAdmission = { stop: () => clearTimeout(retry) };
  }

  /** After what is on its way to the subscribers, `f`. */
  then(f: () => void): void {
    this.chain = this.chain.then(f);
  }

  /** The subscriber ends once the event `eventId` has reached it (at once if it already has). */
  endAfter(s: Subscriber, eventId: string): void {
    if (this.recent.includes(eventId)) {
      this.chain = this.chain.then(() => s.finish());
      return;
    }
    s.endsAfter = eventId;
    // The event may never come (the shared stream was re-opening when it was sent).
    s.endTimer = setTimeout(() => s.finish(), this.deps.settings.endAfterWaitMs);
    s.endTimer.unref();
  }

  private async deliver(result: UpstreamResult): Promise<void> {
    const eventId = result.extensions?.[EVENT_ID_EXTENSION];
    const errors = (result.errors ?? []).map((e) => new GraphQLError(e.message, { path: e.path, extensions: e.extensions }));
    if (!result.data) {
      for (const s of this.subscribers) s.push({ errors });
    } else {
      // One completion per group of subscribers it can serve (operations.ts, sharing.ts).
      const groups = new Map<string, Subscriber[]>();
      for (const s of this.subscribers) {
        const key = this.prepared.completion === 'event' ? '' : this.prepared.completion === 'access' ? accessKey(s.caller.principal) : principalKey(s.caller.principal);
        const group = groups.get(key);
        if (group) group.push(s);
        else groups.set(key, [s]);
      }
      await Promise.all(
        [...groups.values()].map(async (group) => {
          const caller = this.owner ?? group[0].caller;
          const completed = await this.deps.completer.complete(this.prepared, result.data!, this.variables, this.variablesKey, caller);
          const out = errors.length ? { ...completed, errors: [...errors, ...(completed.errors ?? [])] } : completed;
          if (out.errors?.length) {
            // Errors are formatted for each client on the way out (socket.ts, onNext).
            for (const s of group) s.push(out);
          } else {
            // Serialized once for the whole group, and only if some subscriber can take it straight.
            let json: string | undefined;
            const serialized = () => (json ??= JSON.stringify(out));
            for (const s of group) if (s.pushShared(out, serialized)) this.written.count++;
          }
        }),
      );
    }
    if (typeof eventId === 'string') {
      this.recent.push(eventId);
      if (this.recent.length > RECENT_EVENTS) this.recent.shift();
      for (const s of this.subscribers) if (s.endsAfter === eventId) s.finish();
    }
  }

  private upstreamFailed(err: unknown): void {
    if (this.ended) return;
    if (Array.isArray(err) && !isUnavailable(err)) {
      // The subgraph refused the operation itself: tell the clients and stop.
      this.failAll(...err.map((e: { message: string; extensions?: Record<string, unknown> }) => new GraphQLError(e.message, { extensions: e.extensions })));
      return;
    }
    // The connection went away (a subgraph restart): open the stream again, backing off.
    this.reopenLater();
  }

  /** Opens the stream again after a back-off; the subscribers stay subscribed, and the subgraph is told it was lost. */
  private reopenLater(): void {
    if (this.ended) return;
    this.stopUpstream = undefined;
    this.lost = true;
    const delay = Math.min(this.deps.settings.maxRetryDelayMs, 100 * 2 ** this.attempts++);
    this.deps.logger.warn({ operationName: this.prepared.operationName, delay }, 'upstream subscription lost; re-opening');
    this.retry = setTimeout(() => this.open(), delay);
  }

  private failAll(...errors: GraphQLError[]): void {
    for (const s of [...this.subscribers]) s.fail(...errors);
    this.end();
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.retry) clearTimeout(this.retry);
    this.stopUpstream?.();
    this.onEnd();
    for (const s of [...this.subscribers]) s.finish();
    this.subscribers.clear();
  }
}

/**
 * A subscriber's admission stream (shared delivery): the subgraph checks the caller as
 * for any subscription, then sends notices only. A lost connection asks again (the
 * caller stays subscribed); a refusal ends the subscriber with the refusal. The sink of
 * its upstream stream, as one object: 10,000 of them are open at once for one party.
 */
class Admission implements UpstreamSink {
  private open = true;
  private stopUpstream?: () => void;

  constructor(
    private readonly stream: SharedStream,
    private readonly s: Subscriber,
    private readonly attempt: number,
  ) {}

  started(stop: () => void): void {
    this.stopUpstream = stop;
    if (!this.open) stop();
  }

  failedToStart(e: unknown): void {
    if (this.close()) this.s.fail(asGraphQLError(e));
  }

  stop(): void {
    if (this.close()) this.stopUpstream?.();
  }

  next(result: UpstreamResult): void {
    const notice = result.extensions?.[DELIVERY_EXTENSION] as DeliveryNotice | undefined;
    if (!notice && result.errors?.length) {
      // Refused where it subscribes (not a member, not signed in): graphql-ws sends that as a result, then completes.
      // Unavailable (the subgraph is back but busy, e.g. every admission after a restart at once): not a refusal.
      if (!this.close()) return;
      if (isUnavailable(result.errors)) this.stream.admitLater(this.s, this.attempt);
      else this.s.fail(...result.errors.map((e) => new GraphQLError(e.message, { path: e.path, extensions: e.extensions })));
      return;
    }
    if (notice?.admitted) this.s.admit();
    if (notice?.endsAfter) {
      this.s.admit();
      this.stream.endAfter(this.s, notice.endsAfter);
    }
  }

  error(err: unknown): void {
    if (!this.close()) return;
    if (Array.isArray(err) && !isUnavailable(err)) {
      this.s.fail(...err.map((e: { message: string; extensions?: Record<string, unknown> }) => new GraphQLError(e.message, { extensions: e.extensions })));
      return;
    }
    // The subgraph went away: ask again.
    this.stream.admitLater(this.s, this.attempt);
  }

  complete(): void {
    if (!this.close()) return;
    // The subgraph ended this caller's stream: after the event it named, or after what is on its way.
    if (!this.s.endsAfter) this.stream.then(() => this.s.finish());
  }

  /** True the first time: the stream is no longer open, and no longer counted. */
  private close(): boolean {
    if (!this.open) return false;
    this.open = false;
    this.stream.admissions--;
    return true;
  }
}

/** Errors that say "not now" (SERVICE_UNAVAILABLE: the subgraph or what it needs is overloaded or away), not "no". */
function isUnavailable(errors: ReadonlyArray<{ extensions?: Record<string, unknown> }> | undefined): boolean {
  return !!errors?.length && errors.every((e) => e.extensions?.code === 'SERVICE_UNAVAILABLE');
}

function principalKey(p: Principal | null): string {
  if (!p) return 'anonymous';
  return `${p.kind}:${p.apiKeyId ?? p.userId}:${accessKey(p)}`;
}

/** What decides whether a caller may read a `@callerIndependent` field: its kind, roles and scopes, not who it is. */
function accessKey(p: Principal | null): string {
  if (!p) return 'anonymous';
  return `${p.kind}:${[...p.roles].sort().join(',')}:${[...p.scopes].sort().join(',')}`;
}

function stableJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b))) : v,
  );
}
