import type { Logger, Principal } from '@frontrow/kit';
import { GraphQLError, type ExecutionResult, type FormattedExecutionResult } from 'graphql';
import type { GatewayContext } from '../datasource';
import type { EventCompleter } from './completion';
import { asGraphQLError, type PreparedSubscription } from './operations';
import type { UpstreamPool } from './upstream';

export interface StreamSettings {
  /** Events queued for a client that reads slower than they come; beyond it the client is dropped. */
  maxQueuedEvents: number;
  /** Longest wait between attempts to re-open an upstream stream after its subgraph went away. */
  maxRetryDelayMs: number;
}

interface StreamDeps {
  upstream: UpstreamPool;
  completer: EventCompleter;
  settings: StreamSettings;
  logger: Logger;
}

/**
 * Identical subscriptions of one caller (same document, coerced variables and
 * principal) share one upstream stream; subscriptions of different callers never do
 * (authorization and presence are per member in the owning subgraph, and entity
 * fetches run with each caller's identity).
 */
export class SharedStreams {
  private readonly streams = new Map<string, SharedStream>();

  constructor(private readonly deps: StreamDeps) {}

  join(prepared: PreparedSubscription, variables: Record<string, unknown>, caller: GatewayContext): AsyncIterableIterator<ExecutionResult> {
    const variablesKey = stableJson(variables);
    const key = [principalKey(caller.principal), prepared.key, variablesKey].join('\n');
    let stream = this.streams.get(key);
    if (!stream) {
      const created = new SharedStream(this.deps, prepared, variables, variablesKey, caller, () => {
        if (this.streams.get(key) === created) this.streams.delete(key);
      });
      this.streams.set(key, created);
      created.open();
      stream = created;
    }
    return stream.join();
  }

  /** Client subscriptions open now, and the upstream streams that serve them. */
  stats(): { subscriptions: number; upstreamStreams: number } {
    let subscriptions = 0;
    for (const s of this.streams.values()) subscriptions += s.size;
    return { subscriptions, upstreamStreams: this.streams.size };
  }

  endAll(): void {
    for (const s of [...this.streams.values()]) s.end();
  }
}

/** A client's end of a shared stream: events queued until the client reads them. */
class Subscriber implements AsyncIterableIterator<ExecutionResult> {
  private readonly queue: ExecutionResult[] = [];
  private waiting?: (r: IteratorResult<ExecutionResult>) => void;
  private done = false;

  constructor(
    private readonly limit: number,
    private readonly onLeave: (s: Subscriber) => void,
  ) {}

  push(result: ExecutionResult): void {
    if (this.done) return;
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = undefined;
      w({ value: result, done: false });
      return;
    }
    if (this.queue.length >= this.limit) {
      // A client this far behind is gone or hopeless; it resubscribes and reads a snapshot.
      this.queue.length = 0;
      this.queue.push({ errors: [new GraphQLError('Too many undelivered events: the subscription ended.', { extensions: { code: 'RATE_LIMITED' } })] });
      this.finish();
      return;
    }
    this.queue.push(result);
  }

  /** Ends after what is queued has been read. */
  finish(): void {
    if (this.done) return;
    this.done = true;
    this.onLeave(this);
    if (this.waiting && !this.queue.length) {
      const w = this.waiting;
      this.waiting = undefined;
      w({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<ExecutionResult>> {
    if (this.queue.length) return Promise.resolve({ value: this.queue.shift()!, done: false });
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
}

/** One upstream subscription and the clients it serves. */
class SharedStream {
  private readonly subscribers = new Set<Subscriber>();
  private stopUpstream?: () => void;
  private chain: Promise<void> = Promise.resolve();
  private attempts = 0;
  private retry?: NodeJS.Timeout;
  private ended = false;

  constructor(
    private readonly deps: StreamDeps,
    private readonly prepared: PreparedSubscription,
    private readonly variables: Record<string, unknown>,
    private readonly variablesKey: string,
    private readonly caller: GatewayContext,
    private readonly onEnd: () => void,
  ) {}

  get size(): number {
    return this.subscribers.size;
  }

  join(): Subscriber {
    const s = new Subscriber(this.deps.settings.maxQueuedEvents, (gone) => this.leave(gone));
    this.subscribers.add(s);
    return s;
  }

  private leave(s: Subscriber): void {
    this.subscribers.delete(s);
    if (!this.subscribers.size) this.end();
  }

  open(): void {
    if (this.ended) return;
    const { primary } = this.prepared;
    const variables: Record<string, unknown> = {};
    for (const name of primary.variableUsages ?? []) if (name in this.variables) variables[name] = this.variables[name];
    const request = { query: primary.operation, operationName: primary.operationName, variables };
    const caller = { principal: this.caller.principal, clientIp: this.caller.clientIp };
    this.deps.upstream
      .subscribe(primary.serviceName, request, caller, {
        next: (result) => {
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
          // The subgraph ended it (a kicked member, a deleted party): so do the clients, after what is on its way.
          this.chain = this.chain.then(() => this.end());
        },
      })
      .then(
        (stop) => {
          if (this.ended) stop();
          else this.stopUpstream = stop;
        },
        (e: unknown) => this.failAll(asGraphQLError(e)),
      );
  }

  private async deliver(result: FormattedExecutionResult<Record<string, unknown>>): Promise<void> {
    const errors = (result.errors ?? []).map((e) => new GraphQLError(e.message, { path: e.path, extensions: e.extensions }));
    let out: ExecutionResult;
    if (!result.data) {
      out = { errors };
    } else {
      const completed = await this.deps.completer.complete(this.prepared, result.data, this.variables, this.variablesKey, this.caller);
      out = errors.length ? { ...completed, errors: [...errors, ...(completed.errors ?? [])] } : completed;
    }
    for (const s of this.subscribers) s.push(out);
  }

  private upstreamFailed(err: unknown): void {
    if (this.ended) return;
    if (Array.isArray(err)) {
      // The subgraph refused the operation itself: tell the clients and stop.
      this.failAll(...err.map((e: { message: string; extensions?: Record<string, unknown> }) => new GraphQLError(e.message, { extensions: e.extensions })));
      return;
    }
    // The connection went away (a subgraph restart): open the stream again, backing off.
    this.stopUpstream = undefined;
    const delay = Math.min(this.deps.settings.maxRetryDelayMs, 100 * 2 ** this.attempts++);
    this.deps.logger.warn({ operationName: this.prepared.operationName, delay }, 'upstream subscription lost; re-opening');
    this.retry = setTimeout(() => this.open(), delay);
  }

  private failAll(...errors: GraphQLError[]): void {
    for (const s of this.subscribers) s.push({ errors });
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

function principalKey(p: Principal | null): string {
  if (!p) return 'anonymous';
  return `${p.kind}:${p.apiKeyId ?? p.userId}:${[...p.roles].sort().join(',')}:${[...p.scopes].sort().join(',')}`;
}

function stableJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b))) : v,
  );
}
