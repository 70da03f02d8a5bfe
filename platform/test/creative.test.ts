import { randomUUID } from 'node:crypto';
import { encodePng } from '@frontrow/creative/src/png';
import { eventually, uniqueName } from '@frontrow/kit/testing';
import type { Platform } from '../src/launch';
import { startTestPlatform, type TestPlatform } from './test-platform';

/**
 * Creative through the gateway: an admin makes a user a sponsor (identity grants the
 * role from creative's bus event), the sponsor uploads straight to storage and submits,
 * an admin reviews and places, fans get ads by weight within their caps, and the ways a
 * fan or another sponsor might try to get around the rules.
 */
let platform: Platform;
let world: TestPlatform;
const admin = { email: `${uniqueName('admin')}@example.com`, password: 'creative-admin-password' };

type Gql<T> = { data?: T | null; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };
// Responses are read loosely here; each assertion states the shape it expects.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Data = Record<string, any>;

async function gql<T = Data>(query: string, variables: Record<string, unknown> = {}, auth?: { token?: string; apiKey?: string }): Promise<Gql<T>> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (auth?.token) headers.authorization = `Bearer ${auth.token}`;
  if (auth?.apiKey) headers['x-api-key'] = auth.apiKey;
  const res = await fetch(platform.gateway.url, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  expect(res.status).toBeLessThan(500);
  return (await res.json()) as Gql<T>;
}

async function ok<T = Data>(query: string, variables: Record<string, unknown>, auth?: { token?: string; apiKey?: string }): Promise<T> {
  const r = await gql<T>(query, variables, auth);
  if (r.errors?.length || !r.data) throw new Error(`${query.slice(0, 40)}: ${JSON.stringify(r.errors)}`);
  return r.data;
}

interface Person {
  id: string;
  token: string;
  refreshToken: string;
}

async function signUp(name: string): Promise<Person> {
  const d = await ok(`mutation($i: SignUpInput!) { signUp(input: $i) { accessToken refreshToken user { id } } }`, {
    i: { email: `${uniqueName(name)}@example.com`, password: 'a long password', displayName: name },
  });
  return { id: d.signUp.user.id, token: d.signUp.accessToken, refreshToken: d.signUp.refreshToken };
}

/** Admin makes the person a sponsor; once identity has granted the role, a refreshed token carries it. */
async function makeSponsor(person: Person): Promise<string> {
  const d = await ok(`mutation($i: SponsorInput!) { createSponsor(input: $i) { id owner { id displayName } } }`, { i: { name: `Acme ${person.id.slice(0, 4)}`, ownerId: person.id } }, { token: adminToken });
  expect(d.createSponsor.owner.id).toBe(person.id);
  await eventually(async () => {
    const r = await ok(`mutation($t: String!) { refreshSession(refreshToken: $t) { accessToken refreshToken user { roles } } }`, { t: person.refreshToken });
    person.refreshToken = r.refreshSession.refreshToken;
    person.token = r.refreshSession.accessToken;
    return r.refreshSession.user.roles.includes('SPONSOR');
  });
  return d.createSponsor.id;
}

const png = encodePng(48, 24, (x, y) => [x * 5, 200, y * 10]);
let adminToken: string;
let adminId: string;
let eventId: string;

beforeAll(async () => {
  world = await startTestPlatform('creative', { seedAdmin: admin });
  platform = world.platform;
  const signedIn = (await ok(`mutation($i: SignInInput!) { signIn(input: $i) { accessToken user { id } } }`, { i: admin })).signIn;
  adminToken = signedIn.accessToken;
  adminId = signedIn.user.id;
  const venue = await ok(`mutation { createVenue(input: { name: "Dome", city: "Oslo", country: "NO", timezone: "Europe/Oslo" }) { id } }`, {}, { token: adminToken });
  const event = await ok(
    `mutation($v: ID!) { createEvent(input: { title: "Final", sport: "handball", homeTeam: "A", awayTeam: "B", venueId: $v,
       startsAt: "2031-05-01T18:00:00Z", endsAt: "2031-05-01T20:00:00Z" }) { id } }`,
    { v: venue.createVenue.id },
    { token: adminToken },
  );
  eventId = event.createEvent.id;
});

afterAll(async () => {
  await world?.stop();
});

test('a sponsor uploads to storage, an admin approves and places, fans get ads within their caps, the venue reads its manifest', async () => {
  const owner = await signUp('sponsor');
  const sponsorId = await makeSponsor(owner);
  // The sponsor works with an API key, as an integration does.
  const key = await ok(`mutation { createApiKey(input: { name: "uploads", scopes: ["creative:write", "reports:read"] }) { secret } }`, {}, { token: owner.token });
  const apiKey = key.createApiKey.secret as string;
  const assets: string[] = [];
  for (let i = 0; i < 2; i++) {
    const u = await ok(
      `mutation($i: AssetUploadInput!) { requestAssetUpload(input: $i) { uploadUrl method headers { name value } asset { id status } } }`,
      { i: { sponsorId, name: `Board ${i}`, kind: 'IMAGE', contentType: 'image/png', bytes: png.length } },
      { apiKey },
    );
    const up = u.requestAssetUpload;
    // Straight to storage, never through the gateway.
    expect(new URL(up.uploadUrl).origin).not.toBe(new URL(platform.gateway.url).origin);
    const headers = Object.fromEntries(up.headers.filter((h: Data) => h.name !== 'Content-Length').map((h: Data) => [h.name, h.value]));
    expect((await fetch(up.uploadUrl, { method: up.method, headers, body: new Uint8Array(png) })).status).toBe(200);
    const s = await ok(`mutation($id: ID!) { submitAsset(assetId: $id) { status width height } }`, { id: up.asset.id }, { apiKey });
    expect(s.submitAsset).toEqual({ status: 'IN_REVIEW', width: 48, height: 24 });
    assets.push(up.asset.id);
  }
  const queue = await ok(`{ assetsInReview(first: 50) { edges { node { id sponsor { id name } url } } } }`, {}, { token: adminToken });
  const inQueue = queue.assetsInReview.edges.map((e: Data) => e.node).filter((n: Data) => assets.includes(n.id));
  expect(inQueue).toHaveLength(2);
  expect(inQueue[0].sponsor.id).toBe(sponsorId);
  expect((await fetch(inQueue[0].url)).status).toBe(200);
  for (const id of assets) await ok(`mutation($id: ID!) { approveAsset(assetId: $id) { status } }`, { id }, { token: adminToken });
  // Each approval is in telemetry's audit log, with the admin who approved.
  await eventually(async () => {
    const log = await ok(`query($a: String) { auditLog(filter: { action: $a }, first: 100) { edges { node { targetId actor { id } } } } }`, { a: 'creative.asset.approved' }, { token: adminToken });
    const entries = log.auditLog.edges.map((e: Data) => e.node).filter((n: Data) => assets.includes(n.targetId));
    return entries.length === assets.length && entries.every((n: Data) => n.actor?.id === adminId);
  });

  const before = await ok(`query($id: ID!) { event(id: $id) { title adManifest { version } } }`, { id: eventId });
  const window = { startsAt: new Date(Date.now() - 60_000).toISOString(), endsAt: new Date(Date.now() + 3_600_000).toISOString() };
  const capped = await ok(
    `mutation($i: PlacementInput!) { createPlacement(input: $i) { id impressions event { title } asset { sponsor { name } } } }`,
    { i: { eventId, assetId: assets[0], surface: 'JUMBOTRON', weight: 3, frequencyCapPerHour: 3, ...window } },
    { token: adminToken },
  );
  expect(capped.createPlacement).toMatchObject({ impressions: 0, event: { title: 'Final' } });
  const open = await ok(`mutation($i: PlacementInput!) { createPlacement(input: $i) { id } }`, { i: { eventId, assetId: assets[1], surface: 'JUMBOTRON', weight: 1, ...window } }, { token: adminToken });

  // The event, from events, with creative's fields beside it.
  const venue = await ok(`query($id: ID!) { event(id: $id) { title placements { id weight } adManifest { version url placements { id } } } }`, { id: eventId });
  expect(venue.event.placements.map((p: Data) => p.id).sort()).toEqual([capped.createPlacement.id, open.createPlacement.id].sort());
  expect(venue.event.adManifest.version).toBeGreaterThan(before.event.adManifest.version);
  const doc = (await (await fetch(venue.event.adManifest.url)).json()) as Data;
  expect(doc.placements).toHaveLength(2);

  // A fan sees the capped placement 3 times at most, then only the other.
  const fan = await signUp('fan');
  const served: string[] = [];
  for (let i = 0; i < 12; i++) served.push((await ok(`query($e: ID!) { nextAd(eventId: $e, surface: JUMBOTRON) { id asset { url } } }`, { e: eventId }, { token: fan.token })).nextAd.id);
  expect(served.filter((id) => id === capped.createPlacement.id)).toHaveLength(3);
  expect(served.filter((id) => id === open.createPlacement.id)).toHaveLength(9);
  expect((await ok(`query($e: ID!) { nextAd(eventId: $e, surface: HUD) { id } }`, { e: eventId }, { token: fan.token })).nextAd).toBeNull();

  // The fan's client counts what was in view; the sponsor's report (with its key's
  // reports:read) has it once the hourly rollup settles, placements completed by creative.
  const seen = (placementId: string, n: number) =>
    Array.from({ length: n }, () => ({ kind: 'IMPRESSION', eventId, placementId, sessionId: `s-${fan.id}`, at: new Date().toISOString() }));
  const recorded = await ok(
    `mutation($e: [TelemetryEventInput!]!) { recordTelemetry(events: $e) { accepted rejected } }`,
    { e: [...seen(capped.createPlacement.id, 3), ...seen(open.createPlacement.id, 9)] },
    { token: fan.token },
  );
  expect(recorded.recordTelemetry).toEqual({ accepted: 12, rejected: 0 });
  const range = { s: sponsorId, from: new Date(Date.now() - 3_600_000).toISOString(), to: new Date(Date.now() + 3_600_000).toISOString() };
  const REPORT = `query($s: ID!, $from: DateTime!, $to: DateTime!) { sponsorReport(sponsorId: $s, from: $from, to: $to) {
    impressions uniqueViewers byPlacement { impressions placement { id surface asset { name } } } } }`;
  let report: Data = {};
  await eventually(async () => {
    report = (await ok(REPORT, range, { apiKey })).sponsorReport;
    return report.impressions === 12;
  });
  expect(report.uniqueViewers).toBe(1);
  expect(report.byPlacement).toEqual([
    { impressions: 9, placement: { id: open.createPlacement.id, surface: 'JUMBOTRON', asset: { name: 'Board 1' } } },
    { impressions: 3, placement: { id: capped.createPlacement.id, surface: 'JUMBOTRON', asset: { name: 'Board 0' } } },
  ]);
}, 120_000);

test('the rules hold through the gateway: fans cannot review, sponsors see only their own, keys need their scope', async () => {
  const a = await signUp('sponsor-a');
  const b = await signUp('sponsor-b');
  const sponsorA = await makeSponsor(a);
  await makeSponsor(b);
  const u = await ok(
    `mutation($i: AssetUploadInput!) { requestAssetUpload(input: $i) { uploadUrl headers { name value } asset { id } } }`,
    { i: { sponsorId: sponsorA, name: 'Mine', kind: 'IMAGE', contentType: 'image/png', bytes: png.length } },
    { token: a.token },
  );
  const assetId = u.requestAssetUpload.asset.id;
  const fan = await signUp('fan');
  const code = (r: Gql<unknown>) => r.errors?.[0]?.extensions?.code;

  expect(code(await gql(`mutation($id: ID!) { approveAsset(assetId: $id) { id } }`, { id: assetId }, { token: fan.token }))).toBe('FORBIDDEN');
  expect(code(await gql(`mutation($id: ID!) { approveAsset(assetId: $id) { id } }`, { id: assetId }, { token: a.token }))).toBe('FORBIDDEN');
  expect(code(await gql(`mutation($i: SponsorInput!) { createSponsor(input: $i) { id } }`, { i: { name: 'Me', ownerId: fan.id } }, { token: fan.token }))).toBe('FORBIDDEN');
  expect(code(await gql(`query($id: ID!) { creativeAsset(id: $id) { id } }`, { id: assetId }, { token: b.token }))).toBe('NOT_FOUND');
  expect(code(await gql(`query($id: ID!) { sponsor(id: $id) { id } }`, { id: sponsorA }, { token: b.token }))).toBe('NOT_FOUND');
  expect(code(await gql(`mutation($id: ID!) { submitAsset(assetId: $id) { id } }`, { id: assetId }, { token: b.token }))).toBe('NOT_FOUND');
  expect(code(await gql(`{ mySponsors { id } }`, {}, { token: fan.token }))).toBe('FORBIDDEN');
  const REPORT = `query($s: ID!) { sponsorReport(sponsorId: $s, from: "2030-01-01T00:00:00Z", to: "2030-01-02T00:00:00Z") { impressions } }`;
  expect(code(await gql(REPORT, { s: sponsorA }, { token: fan.token }))).toBe('FORBIDDEN');
  expect(code(await gql(REPORT, { s: sponsorA }, { token: b.token }))).toBe('NOT_FOUND');
  await eventually(async () => !(await gql(REPORT, { s: sponsorA }, { token: a.token })).errors);
  expect(code(await gql(`query($e: ID!) { nextAd(eventId: $e, surface: HUD) { id } }`, { e: eventId }))).toBe('UNAUTHENTICATED');
  // A key without creative:write cannot upload, whatever its owner's roles.
  const reportsOnly = (await ok(`mutation { createApiKey(input: { name: "reports", scopes: ["reports:read"] }) { secret } }`, {}, { token: a.token })).createApiKey.secret;
  const refused = await gql(
    `mutation($i: AssetUploadInput!) { requestAssetUpload(input: $i) { uploadUrl } }`,
    { i: { sponsorId: sponsorA, name: 'X', kind: 'IMAGE', contentType: 'image/png', bytes: 10 } },
    { apiKey: reportsOnly },
  );
  expect(code(refused)).toBe('FORBIDDEN');
  // A fan is no sponsor: refused before any asset is looked up.
  const stranger = await gql(`query($id: ID!) { creativeAsset(id: $id) { url } }`, { id: assetId }, { token: fan.token });
  expect(code(stranger)).toBe('FORBIDDEN');
  expect(code(await gql(`query($id: ID!) { sponsor(id: $id) { id } }`, { id: randomUUID() }, { token: a.token }))).toBe('NOT_FOUND');
});
