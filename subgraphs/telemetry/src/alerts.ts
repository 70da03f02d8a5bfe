import { Loop, emit, type KeyValueStore, type Logger } from '@frontrow/kit';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AlertRule } from './entities/alert-rule.entity';
import { Alert } from './entities/alert.entity';
import { figuresOf, minutesOf, WINDOWS, windowStart, type QosFigures } from './qos';

/** The figures a rule may watch: QosSummary's. */
export const METRICS = ['viewers', 'startupTimeP50Ms', 'startupTimeP95Ms', 'rebufferRatio', 'bitrateKbpsP50', 'errors'] as const;
export type Metric = (typeof METRICS)[number];

/** bitrate alerts when it falls; every other figure when it rises. */
export function crosses(metric: Metric, value: number | null, threshold: number): boolean {
  if (value === null) return false;
  return metric === 'bitrateKbpsP50' ? value < threshold : value > threshold;
}

/** An event is live, for alerting, while it had a viewer within the last few minutes. */
const LIVE_WITHIN_MINUTES = 3;
const CHANNEL = 'telemetry:alerts';
export const ALERT_FIRED = 'telemetry.alert.fired';

/** What travels to subscribers: the alert, its dates as ISO strings. */
interface AlertMessage {
  id: string;
  ruleId: string;
  eventId: string | null;
  value: number;
  firedAt: string;
}

/**
 * The `alerts` subscription's streams on this instance. A fired alert is published on
 * the key-value store's pub/sub (Redis in production), so every instance's
 * subscribers get it whichever instance evaluated; each instance fans it out to its own
 * streams. The bus carries the same alert durably as `telemetry.alert.fired`.
 */
export class AlertHub {
  private readonly streams = new Set<{ push(a: Alert): void }>();
  private unsubscribe?: () => Promise<void>;

  constructor(
    private readonly kv: KeyValueStore,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    this.unsubscribe = await this.kv.subscribe(CHANNEL, (raw) => {
      try {
        const m = JSON.parse(raw) as AlertMessage;
        const alert = Object.assign(new Alert(), { id: m.id, ruleId: m.ruleId, eventId: m.eventId, value: m.value, firedAt: new Date(m.firedAt) });
        for (const s of this.streams) s.push(alert);
      } catch (err) {
        this.logger.warn({ err }, 'an alert message could not be read');
      }
    });
  }

  publish(alert: Alert): Promise<void> {
    const m: AlertMessage = { id: alert.id, ruleId: alert.ruleId, eventId: alert.eventId, value: alert.value, firedAt: alert.firedAt.toISOString() };
    return this.kv.publish(CHANNEL, JSON.stringify(m));
  }

  /** A stream of the alerts fired from now on; ends when the subscriber leaves. */
  stream(): AsyncIterableIterator<Alert> {
    const queue: Alert[] = [];
    let wake: (() => void) | undefined;
    let done = false;
    const entry = {
      push: (a: Alert) => {
        // A subscriber that does not read is not allowed to hold memory without bound.
        if (queue.length < 1000) queue.push(a);
        wake?.();
      },
    };
    this.streams.add(entry);
    const end = () => {
      done = true;
      this.streams.delete(entry);
      wake?.();
    };
    const it: AsyncIterableIterator<Alert> = {
      next: async () => {
        while (!queue.length && !done) await new Promise<void>((r) => (wake = r));
        wake = undefined;
        if (done) return { value: undefined, done: true };
        return { value: queue.shift()!, done: false };
      },
      return: async () => {
        end();
        return { value: undefined, done: true };
      },
      throw: async (e: unknown) => {
        end();
        throw e;
      },
      [Symbol.asyncIterator]: () => it,
    };
    return it;
  }

  get subscribers(): number {
    return this.streams.size;
  }

  async stop(): Promise<void> {
    await this.unsubscribe?.();
  }
}

/**
 * Evaluates every active rule against every live event (one with a viewer in the last
 * few minutes, or one a rule is firing for, so that its recovery is seen), from the
 * rollups. An alert fires when the figure crosses the threshold, once: the rule and
 * event are then `firing` (alert_state) until the figure is back on the right side,
 * and only a new crossing fires again. The alert, its state and its bus event commit
 * together; one instance evaluates at a time (an advisory lock).
 */
export class AlertEvaluator {
  private readonly loop: Loop;

  constructor(
    private readonly em: EntityManager,
    private readonly hub: AlertHub,
    private readonly logger: Logger,
    intervalMs: number,
  ) {
    this.loop = new Loop('alert evaluation', intervalMs, async () => void (await this.runOnce()), logger);
  }

  /** One evaluation; resolves with the alerts it fired (none when another instance holds the turn). */
  async runOnce(now = Date.now()): Promise<Alert[]> {
    const fired = await this.em.fork().transactional(async (tx) => {
      const conn = tx.getConnection();
      const ctx = tx.getTransactionContext();
      // Per schema: the lock is the server's, and another deployment (or test suite) on
      // the same PostgreSQL must not make this one skip its evaluation.
      const [lock] = await conn.execute<Array<{ ok: boolean }>>(`select pg_try_advisory_xact_lock(hashtext('telemetry_alerts:' || current_schema())) as ok`, [], 'all', ctx);
      if (!lock.ok) return [];
      const rules = await tx.find(AlertRule, { active: true });
      if (!rules.length) return [];
      const states = await conn.execute<Array<{ rule_id: string; event_id: string; firing: boolean }>>(`select rule_id, event_id, firing from alert_state`, [], 'all', ctx);
      const firing = new Set(states.filter((s) => s.firing).map((s) => `${s.rule_id}/${s.event_id}`));
      const live = await conn.execute<Array<{ event_id: string }>>(
        `select distinct event_id from qos_minute where minute >= ? and viewers > 0`,
        [new Date(Math.floor(now / 60_000) * 60_000 - (LIVE_WITHIN_MINUTES - 1) * 60_000)],
        'all',
        ctx,
      );
      const events = new Set([...live.map((l) => l.event_id), ...states.filter((s) => s.firing).map((s) => s.event_id)]);
      const longest = Math.max(...rules.map((r) => WINDOWS[r.window]?.minutes ?? 0));
      const out: Alert[] = [];
      for (const eventId of events) {
        const minutes = await minutesOf(tx, eventId, windowStart(longest, now));
        for (const rule of rules) {
          const w = WINDOWS[rule.window];
          if (!w) continue;
          const from = windowStart(w.minutes, now).getTime();
          const figures = figuresOf(minutes.filter((m) => m.minute.getTime() >= from));
          const value = figures[rule.metric as keyof QosFigures];
          const above = crosses(rule.metric as Metric, value, rule.threshold);
          const key = `${rule.id}/${eventId}`;
          if (above === firing.has(key)) continue;
          await conn.execute(
            `insert into alert_state (rule_id, event_id, firing, changed_at) values (?, ?, ?, now())
             on conflict (rule_id, event_id) do update set firing = excluded.firing, changed_at = excluded.changed_at`,
            [rule.id, eventId, above],
            'run',
            ctx,
          );
          if (!above) continue;
          const alert = tx.create(Alert, { ruleId: rule.id, eventId, value: value as number, firedAt: new Date(now) });
          emit(tx, ALERT_FIRED, {
            alertId: alert.id,
            ruleId: rule.id,
            metric: rule.metric,
            threshold: rule.threshold,
            window: rule.window,
            eventId,
            value: alert.value,
            firedAt: alert.firedAt.toISOString(),
          });
          out.push(alert);
        }
      }
      return out;
    });
    for (const alert of fired) {
      this.logger.info({ alertId: alert.id, ruleId: alert.ruleId, eventId: alert.eventId, value: alert.value }, 'alert fired');
      // After the commit; a subscriber that misses it (this process died) still has the bus event.
      await this.hub.publish(alert).catch((err: unknown) => this.logger.warn({ err, alertId: alert.id }, 'an alert could not be sent to subscribers'));
    }
    return fired;
  }

  start(): void {
    this.loop.start();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
  }
}
