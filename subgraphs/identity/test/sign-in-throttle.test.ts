import { eventually, uniqueName } from '@frontrow/kit/testing';
import { PASSWORD, codeOf, retryAfter, startTestIdentity, type GqlResult, type TestIdentity } from './helpers';

/**
 * Sign-in throttling (docs/decisions/0010): an attacker slows down only their own
 * (account, address) pair; the owner at an address they signed in from before is
 * never kept out. Time passes through the injected clock, never by sleeping.
 */
let t: TestIdentity;
// An hour boundary, so the hourly budgets of a test start empty.
let now = Date.UTC(2030, 0, 1);
const HOUR = 3_600_000;

beforeAll(async () => {
  t = await startTestIdentity({
    clock: () => now,
    settings: {
      signInFreeFailures: 5,
      signInBaseDelaySeconds: 1,
      signInMaxDelaySeconds: 900,
      signInAccountFailuresPerHour: 30,
      signInAddressFailuresPerHour: 30,
      signInAlertFailuresPerHour: 20,
    },
  });
});

afterAll(async () => {
  await t.stop();
});

/** Moves the clock to the start of the next hour. */
function nextHour(): void {
  now = (Math.floor(now / HOUR) + 1) * HOUR;
}

type SignedIn = { signIn: { user: { id: string } } };
const SIGN_IN = `mutation($e: String!, $p: String!) { signIn(input: { email: $e, password: $p }) { accessToken user { id } } }`;
const signIn = (email: string, password: string, ip: string) => t.call<SignedIn>(SIGN_IN, { e: email, p: password }, { ip });
const ghost = () => `${uniqueName('ghost')}@example.com`;

function signedInAs(r: GqlResult<SignedIn>): string | undefined {
  if (r.errors) throw new Error(`expected a sign-in, got ${JSON.stringify(r.errors)}`);
  return r.data?.signIn.user.id;
}

describe('sign-in throttling per (account, address)', () => {
  it('keeps the owner in from a known address while another address guesses and waits ever longer; alerts once', async () => {
    nextHour();
    const owner = await t.makeUser();
    const [A, B, C, D] = ['203.0.113.66', '198.51.100.20', '192.0.2.33', '203.0.113.99'];
    expect(signedInAs(await signIn(owner.email, PASSWORD, B))).toBe(owner.id);

    // Two attacking addresses; each has five free failures.
    for (const ip of [A, D]) {
      for (let i = 0; i < 5; i++) expect(codeOf(await signIn(owner.email, `guess ${ip} ${i}`, ip))).toBe('UNAUTHENTICATED');
    }
    // A keeps going, waiting out each refusal; the waits double up to the cap.
    const waits: number[] = [];
    let failures = 5;
    for (let round = 0; failures < 20 && round < 100; round++) {
      const r = await signIn(owner.email, `guess ${failures}`, A);
      if (codeOf(r) === 'RATE_LIMITED') {
        waits.push(retryAfter(r)!);
        // The right password is refused as well while the pair waits.
        expect(retryAfter(await signIn(owner.email, PASSWORD, A))).toBe(retryAfter(r));
        now += retryAfter(r)! * 1000;
        continue;
      }
      expect(codeOf(r)).toBe('UNAUTHENTICATED');
      failures++;
    }
    expect(failures).toBe(20);
    expect(waits).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900, 900, 900]);
    const refused = await signIn(owner.email, PASSWORD, A);
    expect(codeOf(refused)).toBe('RATE_LIMITED');
    expect(retryAfter(refused)).toBe(900);
    now += 899_000;
    expect(retryAfter(await signIn(owner.email, PASSWORD, A))).toBe(1);

    // The owner, at once, from the address they used before; and from a new one too
    // (the account's budget for unknown addresses, 30 an hour, is not spent).
    expect(signedInAs(await signIn(owner.email, PASSWORD, B))).toBe(owner.id);
    expect(signedInAs(await signIn(owner.email, PASSWORD, C))).toBe(owner.id);

    // One alert, although two addresses crossed the threshold and 25 failures came in.
    const audits = await t.audits('identity.signin.throttled', owner.id);
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({ actorId: null, targetId: owner.id, details: { reason: 'address', failures: 5, address: A } });
    const published = await eventually(() =>
      t.bus.find((m) => m.type === 'identity.audit.recorded' && (m.payload as { targetId: string }).targetId === owner.id),
    );
    expect(published.payload).toMatchObject({ actorId: null, actorRoles: [], action: 'identity.signin.throttled', targetType: 'User' });
  });

  it('answers for an account that does not exist exactly as for one that does', async () => {
    nextHour();
    const real = await t.makeUser();
    const E = '192.0.2.77';
    const trace = async (email: string) => {
      const out: unknown[] = [];
      for (let i = 0; i < 7; i++) {
        const r = await signIn(email, `guess ${i}`, E);
        out.push({ message: r.errors?.[0].message, extensions: r.errors?.[0].extensions });
        if (i === 5) now += 1000;
      }
      return out;
    };
    const forReal = await trace(real.email);
    now -= 1000; // the same moments for the second account
    const forGhost = await trace(ghost());
    expect(forGhost).toEqual(forReal);
    expect(forReal.map((r) => (r as { extensions: { code: string } }).extensions.code)).toEqual([
      ...Array(5).fill('UNAUTHENTICATED'),
      'RATE_LIMITED',
      'UNAUTHENTICATED',
    ]);
  });

  it('lets one of many simultaneous guesses from one pair through, not all of them', async () => {
    nextHour();
    const owner = await t.makeUser();
    const G = '198.51.100.201';
    for (let i = 0; i < 5; i++) await signIn(owner.email, `guess ${i}`, G);
    now += 1000;
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => signIn(owner.email, `parallel ${i}`, G)));
    expect(results.map(codeOf).filter((c) => c === 'UNAUTHENTICATED')).toHaveLength(1);
    expect(results.map(codeOf).filter((c) => c === 'RATE_LIMITED')).toHaveLength(7);
  });

  it('counts an IPv6 /64 as one address', async () => {
    nextHour();
    const owner = await t.makeUser();
    for (let i = 1; i <= 5; i++) expect(codeOf(await signIn(owner.email, `guess ${i}`, `2001:db8:1:2::${i}`))).toBe('UNAUTHENTICATED');
    expect(codeOf(await signIn(owner.email, 'guess 6', '2001:db8:1:2:ffff:ffff:ffff:9'))).toBe('RATE_LIMITED');
    expect(codeOf(await signIn(owner.email, 'guess 7', '::ffff:192.0.2.5'))).toBe('UNAUTHENTICATED');
  });
});

describe('budgets for unknown addresses', () => {
  it('slows a distributed attack on one account without keeping its owner out of a known address; alerts once', async () => {
    nextHour();
    // The address the owner signed up from is known to the account.
    const known = '198.51.100.30';
    const email = `${uniqueName('owner')}@example.com`;
    const signedUp = await t.call<{ signUp: { user: { id: string } } }>(
      `mutation($e: String!, $p: String!) { signUp(input: { email: $e, password: $p, displayName: "Owner" }) { user { id } } }`,
      { e: email, p: PASSWORD },
      { ip: known },
    );
    const owner = { id: signedUp.data!.signUp.user.id, email };
    for (let i = 0; i < 30; i++) expect(codeOf(await signIn(owner.email, `guess ${i}`, `10.20.0.${i + 1}`))).toBe('UNAUTHENTICATED');

    // The account's budget for unknown addresses (30 an hour) is spent: a new
    // address is refused until the hour ends, even with the right password.
    const fresh = '192.0.2.150';
    const refused = await signIn(owner.email, PASSWORD, fresh);
    expect(codeOf(refused)).toBe('RATE_LIMITED');
    expect(retryAfter(refused)).toBe(3600);
    // The owner's own address is never refused for it.
    expect(signedInAs(await signIn(owner.email, PASSWORD, known))).toBe(owner.id);

    const audits = await t.audits('identity.signin.throttled', owner.id);
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({ actorId: null, details: { reason: 'addresses', failures: 20 } });

    nextHour();
    expect(signedInAs(await signIn(owner.email, PASSWORD, fresh))).toBe(owner.id);
  });

  it('limits failures per address across accounts, but not for an account that knows the address', async () => {
    nextHour();
    const regular = await t.makeUser();
    const venue = '192.0.2.200';
    expect(signedInAs(await signIn(regular.email, PASSWORD, venue))).toBe(regular.id);
    for (let i = 0; i < 30; i++) expect(codeOf(await signIn(ghost(), 'a guess', venue))).toBe('UNAUTHENTICATED');
    expect(codeOf(await signIn(ghost(), 'a guess', venue))).toBe('RATE_LIMITED');
    expect(signedInAs(await signIn(regular.email, PASSWORD, venue))).toBe(regular.id);
    expect(codeOf(await signIn(ghost(), 'a guess', '192.0.2.201'))).toBe('UNAUTHENTICATED');
  });
});
