import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { DEFAULT_SETTINGS } from '../src/server';
import { asUser, codeOf, startTestIdentity, type TestIdentity } from './helpers';

/**
 * Headset pairing, the device flow of RFC 8628: the headset shows a code, the fan
 * approves it on the web, the headset polls no faster than its interval. Time passes
 * through the clock identity was given, never by sleeping.
 */
let t: TestIdentity;
let now = Date.UTC(2030, 0, 1, 12);
const { pairingIntervalSeconds: INTERVAL, pairingTtlSeconds: TTL } = DEFAULT_SETTINGS;

beforeAll(async () => {
  t = await startTestIdentity({ clock: () => now });
});

afterAll(async () => {
  await t.stop();
});

/** Lets `ms` pass, as the headset waits between polls. */
function wait(ms: number): void {
  now += ms;
}

const START = `mutation { startDevicePairing(input: { deviceName: "Quest 3", platform: "quest" }) { userCode deviceCode verificationUri expiresAt interval } }`;
const COMPLETE = `mutation($c: String!) { completeDevicePairing(deviceCode: $c) { accessToken refreshToken user { id email } } }`;
const APPROVE = `mutation($u: String!) { approveDevicePairing(userCode: $u) { id name platform } }`;

/** The claims of an access token, verified against identity's published keys as the gateway verifies them. */
async function claimsOf(accessToken: string): Promise<Record<string, unknown>> {
  const jwks = (await (await fetch(new URL('/.well-known/jwks.json', t.handle.url))).json()) as JSONWebKeySet;
  return (await jwtVerify(accessToken, createLocalJWKSet(jwks))).payload;
}

type Pairing = { userCode: string; deviceCode: string; verificationUri: string; expiresAt: string; interval: number };

async function startPairing(): Promise<Pairing> {
  const r = await t.call<{ startDevicePairing: Pairing }>(START);
  if (!r.data) throw new Error(`startDevicePairing failed: ${JSON.stringify(r.errors)}`);
  return r.data.startDevicePairing;
}

describe('headset pairing (device flow)', () => {
  it('pairs a headset: pending, approved by the fan on the web, tokens once', async () => {
    const fan = await t.signUp('headset-owner');
    const pairing = await startPairing();
    expect(pairing.userCode).toMatch(/^[B-Z]{4}-[B-Z]{4}$/);
    expect(pairing.interval).toBe(INTERVAL);
    expect(pairing.verificationUri).toMatch(/\/pair$/);
    expect(Date.parse(pairing.expiresAt)).toBe(now + TTL * 1000);

    expect(await t.call(COMPLETE, { c: pairing.deviceCode })).toMatchObject({ data: { completeDevicePairing: null } });
    // Polling again sooner than the interval is too fast, even by a millisecond.
    wait(INTERVAL * 1000 - 1);
    expect(codeOf(await t.call(COMPLETE, { c: pairing.deviceCode }))).toBe('RATE_LIMITED');
    wait(1);
    expect(await t.call(COMPLETE, { c: pairing.deviceCode })).toMatchObject({ data: { completeDevicePairing: null } });

    // Approval needs a signed-in fan.
    expect(codeOf(await t.call(APPROVE, { u: pairing.userCode }))).toBe('UNAUTHENTICATED');
    const typed = pairing.userCode.toLowerCase().replace('-', ' ');
    const approved = await t.call(APPROVE, { u: typed }, asUser(fan));
    expect(approved.data?.approveDevicePairing).toMatchObject({ name: 'Quest 3', platform: 'quest' });
    expect(codeOf(await t.call(APPROVE, { u: pairing.userCode }, asUser(fan)))).toBe('CONFLICT');

    wait(INTERVAL * 1000);
    const done = await t.call(COMPLETE, { c: pairing.deviceCode });
    expect(done.data?.completeDevicePairing.user).toEqual({ id: fan.user.id, email: fan.user.email });
    expect(await claimsOf(done.data!.completeDevicePairing.accessToken)).toMatchObject({ sub: fan.user.id, roles: ['FAN'] });
    const devices = await t.call(`{ myDevices { name lastSeenAt } }`, {}, asUser(fan));
    expect(devices.data?.myDevices).toEqual([{ name: 'Quest 3', lastSeenAt: new Date(now).toISOString() }]);

    wait(INTERVAL * 1000);
    expect(codeOf(await t.call(COMPLETE, { c: pairing.deviceCode }))).toBe('BAD_USER_INPUT');
  });

  it('refuses an expired pairing on both sides, and an unknown device code', async () => {
    const fan = await t.signUp('late');
    const pairing = await startPairing();
    wait(TTL * 1000 - 1);
    // Still valid a millisecond before it expires: a first poll is answered.
    expect(await t.call(COMPLETE, { c: pairing.deviceCode })).toMatchObject({ data: { completeDevicePairing: null } });
    wait(1);
    const approve = await t.call(APPROVE, { u: pairing.userCode }, asUser(fan));
    expect(approve.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'userCode' });
    const complete = await t.call(COMPLETE, { c: pairing.deviceCode });
    expect(complete.errors?.[0].message).toMatch(/expired/);
    expect(codeOf(await t.call(COMPLETE, { c: 'made-up-device-code' }))).toBe('BAD_USER_INPUT');
  });
});
