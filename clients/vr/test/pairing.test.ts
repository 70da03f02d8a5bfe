import { OFFLINE_RETRY_MS, abortableSleep, SLOW_DOWN_SECONDS, deviceName, runPairing, type PairingCode, type PairingDeps, type PairingState } from '../src/pairing';

/** A GraphQL error as Apollo Client reports it: the code in the first error's extensions. */
class GqlError extends Error {
  constructor(readonly code: string, readonly errors = [{ extensions: { code } }]) {
    super(code);
  }
}

/** A headset against a scripted API, on a clock that sleeps take forward. */
function harness(script: { complete: Array<'pending' | 'ok' | GqlError>; start?: Array<'ok' | GqlError>; ttlSeconds?: number }) {
  let now = 0;
  let codes = 0;
  const sleeps: number[] = [];
  const polls: Array<{ at: number; code: string }> = [];
  const states: PairingState[] = [];
  const deps: PairingDeps<{ token: string }> = {
    start: async () => {
      const next = script.start?.shift() ?? 'ok';
      if (next instanceof GqlError) throw next;
      codes++;
      const code: PairingCode = { userCode: `CODE-000${codes}`, deviceCode: `device-${codes}`, verificationUri: 'http://web.test/pair', expiresAt: new Date(now + (script.ttlSeconds ?? 600) * 1000).toISOString(), interval: 5 };
      return code;
    },
    complete: async (deviceCode) => {
      polls.push({ at: now, code: deviceCode });
      const next = script.complete.shift();
      if (next === undefined) throw new Error('the script ran out');
      if (next instanceof GqlError) throw next;
      return next === 'ok' ? { token: `session-for-${deviceCode}` } : null;
    },
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
  };
  const run = () => runPairing(deps, (s) => states.push(s), new AbortController().signal);
  return { run, sleeps, polls, states };
}

describe('pairing a headset (RFC 8628 as FrontRow speaks it)', () => {
  it('polls at the interval until the code is approved, and keeps the session it gets', async () => {
    const h = harness({ complete: ['pending', 'pending', 'ok'] });
    await expect(h.run()).resolves.toEqual({ token: 'session-for-device-1' });
    expect(h.polls.map((p) => p.at)).toEqual([5000, 10_000, 15_000]);
    expect(h.states[1]).toMatchObject({ phase: 'waiting', code: { userCode: 'CODE-0001' }, intervalSeconds: 5 });
  });

  it('slows down by 5 seconds each time it is told to (RATE_LIMITED)', async () => {
    const h = harness({ complete: ['pending', new GqlError('RATE_LIMITED'), 'pending', new GqlError('RATE_LIMITED'), 'ok'] });
    await h.run();
    expect(h.sleeps).toEqual([5000, 5000, 5000 + SLOW_DOWN_SECONDS * 1000, 10_000 + SLOW_DOWN_SECONDS * 1000 - 5000, 15_000]);
    expect(h.states.filter((s) => s.phase === 'waiting').map((s) => (s as { intervalSeconds: number }).intervalSeconds)).toEqual([5, 10, 15]);
  });

  it('starts over with a new code when the code expires, or the API says it is expired or used', async () => {
    const byClock = harness({ complete: ['pending', 'pending', 'ok'], ttlSeconds: 12 });
    // Two polls (5 s, 10 s), then 15 s is past the 12 s the code lives: a new code, polled from its start.
    await expect(byClock.run()).resolves.toEqual({ token: 'session-for-device-2' });
    expect(byClock.polls.map((p) => p.code)).toEqual(['device-1', 'device-1', 'device-2']);

    const byServer = harness({ complete: ['pending', new GqlError('BAD_USER_INPUT'), 'ok'] });
    await expect(byServer.run()).resolves.toEqual({ token: 'session-for-device-2' });
    expect(byServer.states.filter((s) => s.phase === 'waiting').map((s) => (s as { code: PairingCode }).code.userCode)).toEqual(['CODE-0001', 'CODE-0002']);
  });

  it('waits and goes on when FrontRow cannot be reached', async () => {
    const h = harness({ start: [new GqlError('NETWORK')], complete: [new GqlError('NETWORK'), 'ok'] });
    await expect(h.run()).resolves.toEqual({ token: 'session-for-device-1' });
    expect(h.sleeps[0]).toBe(OFFLINE_RETRY_MS);
    expect(h.states[1]).toMatchObject({ phase: 'retrying' });
    // An unreachable poll keeps the code and the interval.
    expect(h.polls.map((p) => p.code)).toEqual(['device-1', 'device-1']);
  });

  it('stops when the page is left', async () => {
    const abort = new AbortController();
    const pending = runPairing(
      {
        start: async () => ({ userCode: 'A', deviceCode: 'd', verificationUri: 'u', expiresAt: new Date(Date.now() + 60_000).toISOString(), interval: 5 }),
        complete: async () => null,
        now: () => Date.now(),
        sleep: abortableSleep,
      },
      () => undefined,
      abort.signal,
    );
    abort.abort(new Error('left'));
    await expect(pending).rejects.toThrow('left');
  });

  it('names the headset by its browser', () => {
    expect(deviceName('Mozilla/5.0 (X11; Linux x86_64; Quest 3) OculusBrowser/35.0')).toEqual({ deviceName: 'Meta Quest headset', platform: 'quest' });
    expect(deviceName('Mozilla/5.0 (X11; Linux x86_64) Chrome/140')).toEqual({ deviceName: 'VR browser', platform: 'webxr' });
  });
});

describe('a pairing run that was ended', () => {
  it('shows nothing of a code that arrives after it ended, and keeps no session it gets', async () => {
    const states: PairingState[] = [];
    const abort = new AbortController();
    let answer!: (code: PairingCode) => void;
    const deps: PairingDeps<{ token: string }> = {
      start: () => new Promise<PairingCode>((resolve) => (answer = resolve)),
      complete: async () => ({ token: 'late' }),
      now: () => 0,
      sleep: abortableSleep,
    };
    const run = runPairing(deps, (s) => states.push(s), abort.signal);
    // The page leaves (or a second run replaces this one) while the code is on its way.
    abort.abort(new Error('left'));
    answer({ userCode: 'STAL-ECOD', deviceCode: 'device-stale', verificationUri: 'http://web.test/pair', expiresAt: new Date(600_000).toISOString(), interval: 5 });
    await expect(run).rejects.toThrow('left');
    expect(states).toEqual([{ phase: 'starting' }]);
  });
});
