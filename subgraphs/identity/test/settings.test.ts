import { ConfigError } from '@frontrow/kit';
import { testSecret } from '@frontrow/kit/testing';
import { readIdentityConfig } from '../src/config';
import { DEFAULT_SETTINGS } from '../src/server';
import { codeOf, retryAfter, startTestIdentity, type TestIdentity } from './helpers';

const env = (more: Record<string, string> = {}) => ({ PRINCIPAL_SECRET: testSecret(), ...more });

describe('identity settings read from the environment', () => {
  it('has defaults that let a crowd behind one address in', () => {
    expect(readIdentityConfig(env()).settings).toEqual({
      publicWebUrl: 'http://localhost:3000',
      signupsPerAddressPerHour: 1000,
      pairingStartsPerAddressPerHour: 1000,
      pairingApprovalsPerUserPerMinute: 10,
      apiKeysPerUserPerHour: 20,
      signInFreeFailures: 5,
      signInBaseDelaySeconds: 1,
      signInMaxDelaySeconds: 900,
      signInAccountFailuresPerHour: 100,
      signInAddressFailuresPerHour: 2000,
      signInKnownAddressDays: 30,
      signInAlertFailuresPerHour: 20,
    });
  });

  it('takes every limit from its setting', () => {
    const { settings } = readIdentityConfig(
      env({
        PUBLIC_WEB_URL: 'https://fans.example.com/',
        SIGNUP_RATE_LIMIT_PER_HOUR: '5000',
        PAIRING_RATE_LIMIT_PER_HOUR: '4000',
        PAIRING_APPROVE_RATE_LIMIT_PER_MINUTE: '3',
        API_KEY_RATE_LIMIT_PER_HOUR: '7',
        SIGNIN_FREE_FAILURES: '3',
        SIGNIN_BASE_DELAY_SECONDS: '2',
        SIGNIN_MAX_DELAY_SECONDS: '600',
        SIGNIN_ACCOUNT_FAILURES_PER_HOUR: '50',
        SIGNIN_ADDRESS_FAILURES_PER_HOUR: '9000',
        SIGNIN_KNOWN_ADDRESS_DAYS: '90',
        SIGNIN_ALERT_FAILURES_PER_HOUR: '10',
      }),
    );
    expect(settings).toEqual({
      publicWebUrl: 'https://fans.example.com/',
      signupsPerAddressPerHour: 5000,
      pairingStartsPerAddressPerHour: 4000,
      pairingApprovalsPerUserPerMinute: 3,
      apiKeysPerUserPerHour: 7,
      signInFreeFailures: 3,
      signInBaseDelaySeconds: 2,
      signInMaxDelaySeconds: 600,
      signInAccountFailuresPerHour: 50,
      signInAddressFailuresPerHour: 9000,
      signInKnownAddressDays: 90,
      signInAlertFailuresPerHour: 10,
    });
  });

  it('stops with the name of a malformed setting', () => {
    expect(() => readIdentityConfig(env({ SIGNUP_RATE_LIMIT_PER_HOUR: 'lots' }))).toThrow(/SIGNUP_RATE_LIMIT_PER_HOUR/);
    expect(() => readIdentityConfig(env({ SIGNIN_FREE_FAILURES: '0' }))).toThrow(/SIGNIN_FREE_FAILURES must be at least 1/);
    expect(() => readIdentityConfig(env({ SIGNIN_MAX_DELAY_SECONDS: '100000' }))).toThrow(/SIGNIN_MAX_DELAY_SECONDS must be at most 86400/);
    expect(() => readIdentityConfig(env({ PUBLIC_WEB_URL: 'fans.example.com' }))).toThrow(ConfigError);
    expect(() => readIdentityConfig(env({ PUBLIC_WEB_URL: 'ftp://fans.example.com' }))).toThrow(/PUBLIC_WEB_URL/);
    expect(() => readIdentityConfig({})).toThrow(/PRINCIPAL_SECRET/);
  });

  it('keeps the defaults of start() and of the environment the same', () => {
    expect({ ...DEFAULT_SETTINGS, ...readIdentityConfig(env()).settings }).toEqual(DEFAULT_SETTINGS);
  });
});

describe('limits given to start()', () => {
  let t: TestIdentity;

  beforeAll(async () => {
    t = await startTestIdentity({
      settings: { signupsPerAddressPerHour: 3, pairingStartsPerAddressPerHour: 2, publicWebUrl: 'https://fans.example.com/' },
    });
  });

  afterAll(async () => {
    await t.stop();
  });

  const SIGN_UP = `mutation($e: String!) { signUp(input: { email: $e, password: "a long password", displayName: "Fan" }) { user { id } } }`;
  const START = `mutation { startDevicePairing(input: { deviceName: "Quest 3", platform: "quest" }) { verificationUri } }`;

  it('applies the sign-up limit it was given, per address', async () => {
    for (let i = 0; i < 3; i++) expect(codeOf(await t.call(SIGN_UP, { e: `fan${i}-${Date.now()}@example.com` }, { ip: '192.0.2.10' }))).toBeUndefined();
    const refused = await t.call(SIGN_UP, { e: `late-${Date.now()}@example.com` }, { ip: '192.0.2.10' });
    expect(codeOf(refused)).toBe('RATE_LIMITED');
    expect(retryAfter(refused)).toBeGreaterThan(0);
    expect(codeOf(await t.call(SIGN_UP, { e: `elsewhere-${Date.now()}@example.com` }, { ip: '192.0.2.11' }))).toBeUndefined();
  });

  it('applies the pairing limit it was given, and links to the portal without a double slash', async () => {
    for (let i = 0; i < 2; i++) {
      const r = await t.call<{ startDevicePairing: { verificationUri: string } }>(START, {}, { ip: '192.0.2.20' });
      expect(r.data?.startDevicePairing.verificationUri).toBe('https://fans.example.com/pair');
    }
    expect(codeOf(await t.call(START, {}, { ip: '192.0.2.20' }))).toBe('RATE_LIMITED');
    expect(codeOf(await t.call(START, {}, { ip: '192.0.2.21' }))).toBeUndefined();
  });
});
