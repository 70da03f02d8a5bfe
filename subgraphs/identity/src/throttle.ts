import { createHmac } from 'node:crypto';
import { RateLimitedError, type KeyValueStore } from '@frontrow/kit';
import { addressNetwork } from './address';
import type { IdentitySettings } from './context';

const HOUR_MS = 60 * 60 * 1000;
/** A pair's failures are forgotten a day after its last one. */
const PAIR_MEMORY_SECONDS = 24 * 60 * 60;
/** The longest one attempt may hold its pair's turn; it gives it back when decided. */
const TURN_SECONDS = 30;

export type SignInLimits = Pick<
  IdentitySettings,
  | 'signInFreeFailures'
  | 'signInBaseDelaySeconds'
  | 'signInMaxDelaySeconds'
  | 'signInAccountFailuresPerHour'
  | 'signInAddressFailuresPerHour'
  | 'signInKnownAddressDays'
  | 'signInAlertFailuresPerHour'
>;

/** Why an account deserves an administrator's attention. */
export interface SignInAlert {
  /** 'address': one address reached the failures after which it must wait; 'addresses': unknown addresses failed many times. */
  reason: 'address' | 'addresses';
  failures: number;
}

interface PairState {
  /** Failures since the last success. */
  n: number;
  /** When the last one happened (clock milliseconds). */
  last: number;
}

interface Keys {
  account: string;
  address: string;
  pair: string;
}

/**
 * Sign-in throttling after OWASP's authentication guidance (docs/decisions/0010):
 * growing waits per (account, address) pair instead of a lockout; addresses an
 * account signed in from before are exempt from the account-wide and address-wide
 * budgets. Every key is an HMAC, so the store holds no email or address in clear,
 * and every key exists whether or not the account does.
 */
export class SignInThrottle {
  private readonly hashKey: Buffer;

  constructor(
    private readonly kv: KeyValueStore,
    private readonly limits: SignInLimits,
    secret: string,
    private readonly clock: () => number,
  ) {
    this.hashKey = createHmac('sha256', secret).update('frontrow-identity sign-in throttle').digest();
  }

  private digest(...parts: string[]): string {
    return createHmac('sha256', this.hashKey).update(parts.join('\n')).digest('base64url');
  }

  /**
   * Decides whether this attempt may have its password checked; throws RATE_LIMITED
   * when not. The turn it returns must be ended (in a `finally`).
   */
  async begin(email: string, clientIp: string): Promise<SignInTurn> {
    const network = addressNetwork(clientIp);
    const keys: Keys = {
      account: this.digest('account', email),
      address: this.digest('address', network),
      pair: this.digest('pair', email, network),
    };
    const known = (await this.kv.get(`signin:known:${keys.pair}`)) !== null;
    if (!known) {
      const now = this.clock();
      const hour = Math.floor(now / HOUR_MS);
      const [byAccount, byAddress] = await Promise.all([
        this.kv.get(`signin:account:${keys.account}:${hour}`),
        this.kv.get(`signin:address:${keys.address}:${hour}`),
      ]);
      if (Number(byAccount) >= this.limits.signInAccountFailuresPerHour || Number(byAddress) >= this.limits.signInAddressFailuresPerHour) {
        throw new RateLimitedError(secondsUntil((hour + 1) * HOUR_MS, now));
      }
    }
    // One attempt at a time per pair, so guesses sent in parallel cannot slip past a wait.
    if (!(await this.kv.setIfAbsent(`signin:turn:${keys.pair}`, '1', TURN_SECONDS))) throw new RateLimitedError(1);
    const turn = new SignInTurn(this.kv, this.limits, this.clock, keys, known);
    try {
      await turn.check();
    } catch (e) {
      await turn.end();
      throw e;
    }
    return turn;
  }

  /** Makes the address known to the account (a sign-up: its owner is evidently there). */
  async remember(email: string, clientIp: string): Promise<void> {
    const pair = this.digest('pair', email, addressNetwork(clientIp));
    await this.kv.set(`signin:known:${pair}`, '1', this.limits.signInKnownAddressDays * 24 * 60 * 60);
  }
}

/** One attempt's hold on its (account, address) pair. */
export class SignInTurn {
  private state: PairState | null = null;

  constructor(
    private readonly kv: KeyValueStore,
    private readonly limits: SignInLimits,
    private readonly clock: () => number,
    private readonly keys: Keys,
    /** The account signed in from this address before. */
    readonly known: boolean,
  ) {}

  /** Throws RATE_LIMITED while the pair must still wait. */
  async check(): Promise<void> {
    const raw = await this.kv.get(`signin:pair:${this.keys.pair}`);
    const now = this.clock();
    const state = raw ? (JSON.parse(raw) as PairState) : null;
    this.state = state && now - state.last < PAIR_MEMORY_SECONDS * 1000 ? state : null;
    if (!this.state) return;
    const readyAt = this.state.last + delayMs(this.limits, this.state.n);
    if (readyAt > now) throw new RateLimitedError(secondsUntil(readyAt, now));
  }

  /** Counts a wrong password; returns an alert when this failure is the first of its hour to warrant one. */
  async failed(): Promise<SignInAlert | null> {
    const now = this.clock();
    const hour = Math.floor(now / HOUR_MS);
    const n = (this.state?.n ?? 0) + 1;
    await this.kv.set(`signin:pair:${this.keys.pair}`, JSON.stringify({ n, last: now } satisfies PairState), PAIR_MEMORY_SECONDS);
    let alert: SignInAlert | null = n === this.limits.signInFreeFailures ? { reason: 'address', failures: n } : null;
    if (!this.known) {
      const ttl = HOUR_MS / 1000 + 60;
      const [byAccount] = await Promise.all([
        this.kv.incr(`signin:account:${this.keys.account}:${hour}`, ttl),
        this.kv.incr(`signin:address:${this.keys.address}:${hour}`, ttl),
      ]);
      if (byAccount === this.limits.signInAlertFailuresPerHour) alert ??= { reason: 'addresses', failures: byAccount };
    }
    if (!alert) return null;
    // At most one alert per account per hour, however many addresses take part.
    const first = await this.kv.setIfAbsent(`signin:alerted:${this.keys.account}:${hour}`, '1', HOUR_MS / 1000 + 60);
    return first ? alert : null;
  }

  /** The right password: the pair starts afresh and its address becomes known to the account. */
  async succeeded(): Promise<void> {
    await Promise.all([
      this.kv.del(`signin:pair:${this.keys.pair}`),
      this.kv.set(`signin:known:${this.keys.pair}`, '1', this.limits.signInKnownAddressDays * 24 * 60 * 60),
    ]);
  }

  async end(): Promise<void> {
    await this.kv.del(`signin:turn:${this.keys.pair}`);
  }
}

function delayMs(limits: SignInLimits, failures: number): number {
  if (failures < limits.signInFreeFailures) return 0;
  return Math.min(limits.signInMaxDelaySeconds, limits.signInBaseDelaySeconds * 2 ** (failures - limits.signInFreeFailures)) * 1000;
}

function secondsUntil(at: number, now: number): number {
  return Math.max(1, Math.ceil((at - now) / 1000));
}
