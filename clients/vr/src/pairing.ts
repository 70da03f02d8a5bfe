import { errorCode } from '@frontrow/sdk';

/** What `startDevicePairing` gives the headset. */
export interface PairingCode {
  userCode: string;
  deviceCode: string;
  verificationUri: string;
  expiresAt: string;
  /** Seconds to wait between polls. */
  interval: number;
}

export type PairingState =
  | { phase: 'starting' }
  | { phase: 'waiting'; code: PairingCode; intervalSeconds: number }
  | { phase: 'retrying'; message: string; inMs: number };

export interface PairingDeps<S> {
  start(): Promise<PairingCode>;
  /** null while the fan has not approved the code; the session once they have. */
  complete(deviceCode: string): Promise<S | null>;
  now(): number;
  /** Waits; rejects when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

/** RFC 8628: on slow_down the client adds 5 seconds to its interval, for this code. */
export const SLOW_DOWN_SECONDS = 5;
/** How long to wait before trying again when FrontRow cannot be reached. */
export const OFFLINE_RETRY_MS = 5_000;

function retryAfterMs(error: unknown, fallbackMs: number): number {
  const ext = (error as { errors?: Array<{ extensions?: { retryAfterSeconds?: unknown } }> })?.errors?.[0]?.extensions;
  const s = typeof ext?.retryAfterSeconds === 'number' ? ext.retryAfterSeconds : undefined;
  return s !== undefined && s > 0 ? s * 1000 : fallbackMs;
}

/**
 * The headset's side of the device authorization grant (RFC 8628), as FrontRow's API
 * speaks it: start, show the code, poll `completeDevicePairing` every `interval` seconds
 * until it answers with a session. A RATE_LIMITED answer is slow_down (the interval grows
 * by 5 s); an expired, used or unknown code (BAD_USER_INPUT), or a code past its
 * `expiresAt`, starts over with a new code; when FrontRow cannot be reached, the headset
 * waits and goes on. Resolves with the session; rejects only when `signal` aborts, and
 * once it has, reports no state: an answer that arrives after the abort (a page that
 * left, a run replaced by another) never shows its code over the current run's.
 */
export async function runPairing<S>(deps: PairingDeps<S>, onState: (s: PairingState) => void, signal: AbortSignal): Promise<S> {
  for (;;) {
    onState({ phase: 'starting' });
    let code: PairingCode;
    try {
      code = await deps.start();
      // A run that was ended meanwhile (the page left, or started over) shows nothing more.
      if (signal.aborted) throw signal.reason;
    } catch (e) {
      if (signal.aborted) throw e;
      const inMs = errorCode(e) === 'RATE_LIMITED' ? retryAfterMs(e, 60_000) : OFFLINE_RETRY_MS;
      onState({ phase: 'retrying', message: errorCode(e) === 'RATE_LIMITED' ? 'Too many pairing codes from this network. Waiting before asking for another.' : 'FrontRow cannot be reached. Trying again.', inMs });
      await deps.sleep(inMs, signal);
      continue;
    }
    let interval = Math.max(1, code.interval);
    const expires = Date.parse(code.expiresAt);
    onState({ phase: 'waiting', code, intervalSeconds: interval });
    for (;;) {
      await deps.sleep(interval * 1000, signal);
      if (deps.now() >= expires) break;
      try {
        const session = await deps.complete(code.deviceCode);
        if (signal.aborted) throw signal.reason;
        if (session) return session;
      } catch (e) {
        if (signal.aborted) throw e;
        const c = errorCode(e);
        if (c === 'RATE_LIMITED') {
          interval += SLOW_DOWN_SECONDS;
          onState({ phase: 'waiting', code, intervalSeconds: interval });
        } else if (c === 'BAD_USER_INPUT' || c === 'NOT_FOUND') {
          break;
        }
        // Anything else (offline, a server error): poll again at the interval.
      }
    }
  }
}

/** A sleep that an AbortSignal ends early (with a rejection). */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** How the headset names itself in the fan's devices. */
export function deviceName(userAgent: string): { deviceName: string; platform: string } {
  if (/Quest|OculusBrowser/i.test(userAgent)) return { deviceName: 'Meta Quest headset', platform: 'quest' };
  if (/Pico/i.test(userAgent)) return { deviceName: 'Pico headset', platform: 'pico' };
  if (/Vision|visionOS/i.test(userAgent)) return { deviceName: 'Vision headset', platform: 'visionos' };
  if (/Android|iPhone|iPad/i.test(userAgent)) return { deviceName: 'Phone viewer', platform: 'mobile' };
  return { deviceName: 'VR browser', platform: 'webxr' };
}
