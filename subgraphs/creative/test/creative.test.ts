import { randomUUID } from 'node:crypto';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { eventually } from '@frontrow/kit/testing';
import { encodePng } from '../src/png';
import {
  APPROVE,
  CREATE_PLACEMENT,
  CREATE_SPONSOR,
  NEXT_AD,
  REJECT,
  REQUEST_UPLOAD,
  SUBMIT,
  TestCreative,
  admin,
  apiKey,
  fan,
  sponsorOwner,
  upload,
  type Data,
} from './helpers';

/**
 * Creative against its own service: sponsors, uploads through presigned URLs to the
 * embedded S3-compatible storage (signatures checked), the checks of submitAsset,
 * review, placements, rotation and caps, the manifest, and the rules of who may do what.
 */
const svc = new TestCreative();
const boss = admin();
const png = encodePng(64, 32, (x, y) => [x * 4, y * 8, 128]);

beforeAll(async () => {
  await svc.start();
});
afterAll(async () => {
  await svc.stop();
});

async function newSponsor(owner = sponsorOwner()): Promise<{ id: string; owner: typeof owner }> {
  const d = await svc.ok(CREATE_SPONSOR, { i: { name: `Acme ${randomUUID().slice(0, 6)}`, ownerId: owner.userId } }, boss);
  return { id: d.createSponsor.id, owner };
}

async function requestUpload(sponsor: { id: string; owner: ReturnType<typeof sponsorOwner> }, input: Partial<Record<string, unknown>> = {}): Promise<Data> {
  const d = await svc.ok(
    REQUEST_UPLOAD,
    { i: { sponsorId: sponsor.id, name: 'Banner', kind: 'IMAGE', contentType: 'image/png', bytes: png.length, ...input } },
    sponsor.owner,
  );
  return d.requestAssetUpload;
}

/** A sponsor's image uploaded, submitted and approved. */
async function approvedAsset(sponsor?: { id: string; owner: ReturnType<typeof sponsorOwner> }): Promise<string> {
  const s = sponsor ?? (await newSponsor());
  const u = await requestUpload(s);
  expect((await upload(u, png)).status).toBe(200);
  await svc.ok(SUBMIT, { id: u.asset.id }, s.owner);
  await svc.ok(APPROVE, { id: u.asset.id }, boss);
  return u.asset.id;
}

async function place(assetId: string, eventId: string, surface: string, extra: Record<string, unknown> = {}): Promise<string> {
  const d = await svc.ok(
    CREATE_PLACEMENT,
    { i: { eventId, assetId, surface, startsAt: new Date(Date.now() - 60_000).toISOString(), endsAt: new Date(Date.now() + 3_600_000).toISOString(), ...extra } },
    boss,
  );
  return d.createPlacement.id;
}

describe('sponsors', () => {
  test('an admin creates a sponsor; identity hears of it to grant the SPONSOR role', async () => {
    const owner = sponsorOwner();
    const s = await newSponsor(owner);
    await eventually(() => svc.published('creative.sponsor.created', (p: Data) => p.sponsorId === s.id).length === 1);
    const msg = svc.published<Data>('creative.sponsor.created', (p) => p.sponsorId === s.id)[0];
    expect(msg.payload).toMatchObject({ ownerId: owner.userId, createdBy: boss.userId });
    await eventually(() => svc.published('creative.audit.recorded', (p: Data) => p.targetId === s.id).length === 1);
    const mine = await svc.ok(`{ mySponsors { id } }`, {}, owner);
    expect(mine.mySponsors).toEqual([{ id: s.id }]);
  });

  test('only an admin creates sponsors; an owner id that is no id is BAD_USER_INPUT', async () => {
    const byFan = await svc.call(CREATE_SPONSOR, { i: { name: 'Mine', ownerId: randomUUID() } }, fan());
    expect(byFan.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const bySponsor = await svc.call(CREATE_SPONSOR, { i: { name: 'Mine', ownerId: randomUUID() } }, sponsorOwner());
    expect(bySponsor.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const anonymous = await svc.call(CREATE_SPONSOR, { i: { name: 'Mine', ownerId: randomUUID() } }, null);
    expect(anonymous.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    const bad = await svc.call(CREATE_SPONSOR, { i: { name: 'Mine', ownerId: 'nope' } }, boss);
    expect(bad.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'ownerId' });
  });
});

describe('uploads to object storage', () => {
  test('upload through the presigned URL, submit: size, type and dimensions are read from the stored file', async () => {
    const s = await newSponsor();
    const u = await requestUpload(s);
    expect(u.method).toBe('PUT');
    expect(u.headers).toEqual([
      { name: 'Content-Type', value: 'image/png' },
      { name: 'Content-Length', value: String(png.length) },
    ]);
    expect(new Date(u.expiresAt).getTime() - Date.now()).toBeGreaterThan(14 * 60_000);
    expect(new Date(u.expiresAt).getTime() - Date.now()).toBeLessThanOrEqual(15 * 60_000);
    expect(u.asset).toMatchObject({ status: 'AWAITING_UPLOAD', url: null });
    expect((await upload(u, png)).status).toBe(200);
    const d = await svc.ok(SUBMIT, { id: u.asset.id }, s.owner);
    expect(d.submitAsset).toMatchObject({ status: 'IN_REVIEW', bytes: png.length, width: 64, height: 32 });
    // The download URL is presigned and serves the bytes.
    const got = await fetch(d.submitAsset.url);
    expect(got.status).toBe(200);
    expect(Buffer.from(await got.arrayBuffer()).equals(png)).toBe(true);
    expect(new URL(d.submitAsset.url).searchParams.get('X-Amz-Expires')).toBe('3600');
    // Asked again within half its life, the same signed URL (one URL per image for caches).
    const read = await svc.ok(`query($id: ID!) { creativeAsset(id: $id) { url } }`, { id: u.asset.id }, s.owner);
    expect(read.creativeAsset.url).toBe(d.submitAsset.url);
    // Submitting twice is a conflict.
    const again = await svc.call(SUBMIT, { id: u.asset.id }, s.owner);
    expect(again.errors?.[0].extensions?.code).toBe('CONFLICT');
  });

  test('storage refuses a tampered signature, no signature, another content type and a longer body', async () => {
    const s = await newSponsor();
    const u = await requestUpload(s);
    const url = new URL(u.uploadUrl);
    const sig = url.searchParams.get('X-Amz-Signature')!;
    url.searchParams.set('X-Amz-Signature', `${sig[0] === 'a' ? 'b' : 'a'}${sig.slice(1)}`);
    const tampered = await upload({ ...u, uploadUrl: url.toString() }, png);
    expect(tampered.status).toBe(403);
    expect(tampered.text).toContain('SignatureDoesNotMatch');
    // Another object key under the same signature.
    const otherKey = new URL(u.uploadUrl);
    otherKey.pathname = `${otherKey.pathname}x`;
    expect((await upload({ ...u, uploadUrl: otherKey.toString() }, png)).status).toBe(403);
    const unsigned = new URL(u.uploadUrl);
    for (const k of [...unsigned.searchParams.keys()]) unsigned.searchParams.delete(k);
    expect((await upload({ ...u, uploadUrl: unsigned.toString() }, png)).status).toBe(403);
    const wrongType = await upload(u, png, { 'Content-Type': 'image/jpeg' });
    expect(wrongType.status).toBe(403);
    const longer = await upload(u, Buffer.concat([png, Buffer.from('and then some')]));
    expect(longer.status).toBe(403);
    // None of them stored anything: submit finds nothing.
    const submit = await svc.call(SUBMIT, { id: u.asset.id }, s.owner);
    expect(submit.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(await svc.handle.store.head(`assets/${s.id}/${u.asset.id}`)).toBeNull();
  });

  test('storage refuses an expired presigned URL', async () => {
    const { settings } = svc.handle.store;
    const client = new S3Client({
      endpoint: settings.endpoint,
      region: settings.region,
      forcePathStyle: true,
      credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey },
    });
    const command = new PutObjectCommand({ Bucket: settings.bucket, Key: 'expired-test', ContentType: 'image/png', ContentLength: png.length });
    const sign = (signingDate: Date) =>
      getSignedUrl(client, command, { expiresIn: 900, signingDate, signableHeaders: new Set(['content-type', 'content-length']) });
    const headers = [{ name: 'Content-Type', value: 'image/png' }];
    // Signed 16 minutes ago for 15: expired. The same request signed now: accepted.
    const expired = await upload({ uploadUrl: await sign(new Date(Date.now() - 16 * 60_000)), headers }, png);
    expect(expired.status).toBe(403);
    expect(expired.text).toContain('Request has expired');
    expect((await upload({ uploadUrl: await sign(new Date()), headers }, png)).status).toBe(200);
    client.destroy();
  });

  test.each([
    ['a PNG declared as JPEG', { contentType: 'image/jpeg' }, png, 'is a image/png file, not image/jpeg'],
    ['a script declared as PNG', {}, Buffer.from('#!/bin/sh\necho pwned\n'.padEnd(png.length, '#')), 'not a image/png file'],
    ['a truncated PNG', {}, png.subarray(0, png.length - 20), 'truncated'],
  ])('%s is refused at submit and deleted', async (_name, input, body, message) => {
    const s = await newSponsor();
    const u = await requestUpload(s, { ...input, bytes: body.length });
    expect((await upload(u, body)).status).toBe(200);
    const key = `assets/${s.id}/${u.asset.id}`;
    expect(await svc.handle.store.head(key)).not.toBeNull();
    const r = await svc.call(SUBMIT, { id: u.asset.id }, s.owner);
    expect(r.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'assetId' });
    expect(r.errors?.[0].message).toContain(message);
    expect(await svc.handle.store.head(key)).toBeNull();
    const after = await svc.ok(`query($id: ID!) { creativeAsset(id: $id) { status } }`, { id: u.asset.id }, s.owner);
    expect(after.creativeAsset.status).toBe('AWAITING_UPLOAD');
  });

  test('kind, content type and declared size are checked before any URL is signed', async () => {
    const s = await newSponsor();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ contentType: 'image/gif' }, 'contentType'],
      [{ kind: 'VIDEO', contentType: 'image/png' }, 'contentType'],
      [{ kind: 'IMAGE', contentType: 'video/mp4' }, 'contentType'],
      [{ bytes: 10 * 1024 * 1024 + 1 }, 'bytes'],
      [{ kind: 'VIDEO', contentType: 'video/mp4', bytes: 200 * 1024 * 1024 + 1 }, 'bytes'],
      [{ bytes: 0 }, 'bytes'],
      [{ name: '  ' }, 'name'],
    ];
    for (const [input, field] of cases) {
      const r = await svc.call(REQUEST_UPLOAD, { i: { sponsorId: s.id, name: 'B', kind: 'IMAGE', contentType: 'image/png', bytes: 10, ...input } }, s.owner);
      expect(r.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
    const video = await svc.ok(REQUEST_UPLOAD, { i: { sponsorId: s.id, name: 'Clip', kind: 'VIDEO', contentType: 'video/webm', bytes: 200 * 1024 * 1024 } }, s.owner);
    expect(video.requestAssetUpload.asset.contentType).toBe('video/webm');
  });
});

describe('who may do what', () => {
  test("a sponsor reading or uploading for another sponsor's assets gets NOT_FOUND, as for an unknown id", async () => {
    const a = await newSponsor();
    const b = await newSponsor();
    const u = await requestUpload(a);
    for (const id of [u.asset.id, randomUUID(), 'not-an-id']) {
      const r = await svc.call(`query($id: ID!) { creativeAsset(id: $id) { id } }`, { id }, b.owner);
      expect(r.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    }
    expect((await svc.call(`query($id: ID!) { sponsor(id: $id) { id } }`, { id: a.id }, b.owner)).errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect((await svc.call(SUBMIT, { id: u.asset.id }, b.owner)).errors?.[0].extensions?.code).toBe('NOT_FOUND');
    const upForA = await svc.call(REQUEST_UPLOAD, { i: { sponsorId: a.id, name: 'X', kind: 'IMAGE', contentType: 'image/png', bytes: 10 } }, b.owner);
    expect(upForA.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    // The owner and an admin see it.
    expect((await svc.ok(`query($id: ID!) { creativeAsset(id: $id) { id } }`, { id: u.asset.id }, a.owner)).creativeAsset.id).toBe(u.asset.id);
    expect((await svc.ok(`query($id: ID!) { sponsor(id: $id) { assets { edges { node { id } } } } }`, { id: a.id }, boss)).sponsor.assets.edges).toHaveLength(1);
  });

  test('a fan calling approveAsset, rejectAsset, assetsInReview or createPlacement is FORBIDDEN; so is the sponsor', async () => {
    const s = await newSponsor();
    const u = await requestUpload(s);
    await upload(u, png);
    await svc.ok(SUBMIT, { id: u.asset.id }, s.owner);
    for (const who of [fan(), s.owner, apiKey(s.owner.userId, ['creative:write', 'reports:read'])]) {
      expect((await svc.call(APPROVE, { id: u.asset.id }, who)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
      expect((await svc.call(REJECT, { id: u.asset.id, r: 'no' }, who)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
      expect((await svc.call(`{ assetsInReview { edges { node { id } } } }`, {}, who)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    }
    const placement = await svc.call(
      CREATE_PLACEMENT,
      { i: { eventId: randomUUID(), assetId: u.asset.id, surface: 'HUD', startsAt: new Date().toISOString(), endsAt: new Date(Date.now() + 1000).toISOString() } },
      fan(),
    );
    expect(placement.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const still = await svc.ok(`query($id: ID!) { creativeAsset(id: $id) { status } }`, { id: u.asset.id }, s.owner);
    expect(still.creativeAsset.status).toBe('IN_REVIEW');
  });

  test("a sponsor's API key works with creative:write only; a fan is not a sponsor; nextAd needs a signed-in person", async () => {
    const s = await newSponsor();
    const withScope = await svc.call(`query($id: ID!) { sponsor(id: $id) { id } }`, { id: s.id }, apiKey(s.owner.userId, ['creative:write']));
    expect(withScope.data?.sponsor.id).toBe(s.id);
    const without = await svc.call(`query($id: ID!) { sponsor(id: $id) { id } }`, { id: s.id }, apiKey(s.owner.userId, ['reports:read']));
    expect(without.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    // The key lists its owner's sponsors, as its rule says (the authorization matrix found it refused).
    const listed = await svc.call(`{ mySponsors { id } }`, {}, apiKey(s.owner.userId, ['creative:write']));
    expect(listed.data?.mySponsors).toEqual([{ id: s.id }]);
    expect((await svc.call(`{ mySponsors { id } }`, {}, apiKey(s.owner.userId, ['reports:read']))).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const notSponsor = await svc.call(`{ mySponsors { id } }`, {}, fan(s.owner.userId));
    expect(notSponsor.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const keyNextAd = await svc.call(NEXT_AD, { e: randomUUID(), s: 'HUD' }, apiKey(s.owner.userId, ['creative:write']));
    expect(keyNextAd.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await svc.call(NEXT_AD, { e: randomUUID(), s: 'HUD' }, null)).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('review', () => {
  test('assets in review are listed oldest first; approve and reject publish their events and audit entries', async () => {
    const s = await newSponsor();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const u = await requestUpload(s);
      await upload(u, png);
      await svc.ok(SUBMIT, { id: u.asset.id }, s.owner);
      ids.push(u.asset.id);
    }
    const pages: string[] = [];
    let after: string | null = null;
    for (;;) {
      const d = await svc.ok(`query($a: String) { assetsInReview(first: 2, after: $a) { edges { node { id } } pageInfo { hasNextPage endCursor } } }`, { a: after }, boss);
      pages.push(...d.assetsInReview.edges.map((e: Data) => e.node.id));
      if (!d.assetsInReview.pageInfo.hasNextPage) break;
      after = d.assetsInReview.pageInfo.endCursor;
    }
    expect(pages.filter((id) => ids.includes(id))).toEqual(ids);

    const approved = await svc.ok(APPROVE, { id: ids[0] }, boss);
    expect(approved.approveAsset.status).toBe('APPROVED');
    const rejected = await svc.ok(REJECT, { id: ids[1], r: 'The logo is cut off.' }, boss);
    expect(rejected.rejectAsset).toMatchObject({ status: 'REJECTED', rejectionReason: 'The logo is cut off.' });
    expect((await svc.call(APPROVE, { id: ids[1] }, boss)).errors?.[0].extensions?.code).toBe('CONFLICT');
    expect((await svc.call(REJECT, { id: ids[2], r: ' ' }, boss)).errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'reason' });
    expect((await svc.call(APPROVE, { id: randomUUID() }, boss)).errors?.[0].extensions?.code).toBe('NOT_FOUND');

    await eventually(() => svc.published('creative.asset.approved', (p: Data) => p.assetId === ids[0]).length === 1);
    await eventually(() => svc.published('creative.asset.rejected', (p: Data) => p.assetId === ids[1] && p.reason === 'The logo is cut off.').length === 1);
    await eventually(
      () =>
        svc.published('creative.audit.recorded', (p: Data) => p.targetId === ids[0] && p.action === 'creative.asset.approved' && p.actorId === boss.userId).length === 1 &&
        svc.published('creative.audit.recorded', (p: Data) => p.targetId === ids[1] && p.action === 'creative.asset.rejected').length === 1,
    );
    const queue = await svc.ok(`{ assetsInReview(first: 100) { edges { node { id } } } }`, {}, boss);
    const still = queue.assetsInReview.edges.map((e: Data) => e.node.id);
    expect(still).toContain(ids[2]);
    expect(still).not.toContain(ids[0]);
    expect(still).not.toContain(ids[1]);
  });
});

describe('placements and rotation', () => {
  test('only APPROVED assets are placed, within a valid window and weights', async () => {
    const s = await newSponsor();
    const u = await requestUpload(s);
    const eventId = randomUUID();
    const base = { eventId, assetId: u.asset.id, surface: 'JUMBOTRON', startsAt: new Date().toISOString(), endsAt: new Date(Date.now() + 60_000).toISOString() };
    const notApproved = await svc.call(CREATE_PLACEMENT, { i: base }, boss);
    expect(notApproved.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'assetId' });
    const assetId = await approvedAsset(s);
    for (const [extra, field] of [
      [{ endsAt: base.startsAt }, 'endsAt'],
      [{ weight: 0 }, 'weight'],
      [{ weight: 1001 }, 'weight'],
      [{ frequencyCapPerHour: 0 }, 'frequencyCapPerHour'],
      [{ eventId: 'nope' }, 'eventId'],
    ] as const) {
      const r = await svc.call(CREATE_PLACEMENT, { i: { ...base, assetId, ...extra } }, boss);
      expect(r.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
    const ok = await svc.ok(CREATE_PLACEMENT, { i: { ...base, assetId, weight: 5, frequencyCapPerHour: 2 } }, boss);
    expect(ok.createPlacement).toMatchObject({ weight: 5, frequencyCapPerHour: 2, asset: { id: assetId }, event: { id: eventId } });
    await eventually(() => svc.published('creative.audit.recorded', (p: Data) => p.targetId === ok.createPlacement.id).length === 1);
  });

  test('rotation by weight over 1,000 calls is within 5 % of the weights', async () => {
    const eventId = randomUUID();
    const s = await newSponsor();
    const weights = [1, 3, 6];
    const ids: string[] = [];
    for (const weight of weights) ids.push(await place(await approvedAsset(s), eventId, 'BOARD_NORTH', { weight }));
    // Not live: ended, and not yet begun; another surface.
    await place(await approvedAsset(s), eventId, 'BOARD_NORTH', { startsAt: new Date(Date.now() + 3_600_000).toISOString(), endsAt: new Date(Date.now() + 7_200_000).toISOString() });
    await place(await approvedAsset(s), eventId, 'BOARD_SOUTH');
    const viewer = fan();
    const counts = new Map<string, number>();
    const calls = 1000;
    for (let i = 0; i < calls; i++) {
      const d = await svc.ok(NEXT_AD, { e: eventId, s: 'BOARD_NORTH' }, viewer);
      counts.set(d.nextAd.id, (counts.get(d.nextAd.id) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual([...ids].sort());
    const total = weights.reduce((a, b) => a + b, 0);
    ids.forEach((id, i) => {
      const expected = (calls * weights[i]) / total;
      expect(Math.abs((counts.get(id) ?? 0) - expected)).toBeLessThanOrEqual(expected * 0.05);
    });
  }, 120_000);

  test('a cap of 3 per hour gives the fan 3, then the other placement, then (alone) null; another fan is not affected', async () => {
    const eventId = randomUUID();
    const s = await newSponsor();
    const capped = await place(await approvedAsset(s), eventId, 'HUD', { frequencyCapPerHour: 3, weight: 1000 });
    const viewer = fan();
    const seen: string[] = [];
    for (let i = 0; i < 3; i++) seen.push((await svc.ok(NEXT_AD, { e: eventId, s: 'HUD' }, viewer)).nextAd?.id);
    expect(seen).toEqual([capped, capped, capped]);
    expect((await svc.ok(NEXT_AD, { e: eventId, s: 'HUD' }, viewer)).nextAd).toBeNull();
    const other = await place(await approvedAsset(s), eventId, 'HUD', { weight: 1 });
    for (let i = 0; i < 5; i++) expect((await svc.ok(NEXT_AD, { e: eventId, s: 'HUD' }, viewer)).nextAd.id).toBe(other);
    expect((await svc.ok(NEXT_AD, { e: eventId, s: 'HUD' }, fan())).nextAd.id).toBe(capped);
    expect((await svc.ok(NEXT_AD, { e: randomUUID(), s: 'HUD' }, viewer)).nextAd).toBeNull();
  });

  test('two creative instances on one Redis (and database) respect one cap', async () => {
    const eventId = randomUUID();
    const s = await newSponsor();
    const capped = await place(await approvedAsset(s), eventId, 'JUMBOTRON', { frequencyCapPerHour: 3 });
    const second = new TestCreative({ secret: svc.secret, kv: svc.kv });
    await second.start({ databaseSchema: svc.handle.orm.config.get('schema'), dropSchemaOnStop: false });
    try {
      const viewer = fan();
      // Both at once, twice over: exactly three get the capped placement.
      const answers = await Promise.all(
        Array.from({ length: 8 }, (_, i) => (i % 2 ? second : svc).ok(NEXT_AD, { e: eventId, s: 'JUMBOTRON' }, viewer)),
      );
      expect(answers.filter((d) => d.nextAd?.id === capped)).toHaveLength(3);
      expect(answers.filter((d) => d.nextAd === null)).toHaveLength(5);
    } finally {
      await second.stop();
    }
  });

  test("Event.placements and the manifest: its version changes when a placement is added, and its URL serves the JSON", async () => {
    const eventId = randomUUID();
    const manifestOf = async () =>
      (
        await svc.ok(
          `query($r: [_Any!]!) { _entities(representations: $r) { ... on Event { placements { id surface } adManifest { eventId version url expiresAt placements { id } } } } }`,
          { r: [{ __typename: 'Event', id: eventId }] },
          null,
        )
      )._entities[0];
    const empty = await manifestOf();
    expect(empty.placements).toEqual([]);
    expect(empty.adManifest).toMatchObject({ eventId, version: 0, placements: [] });
    const s = await newSponsor();
    const first = await place(await approvedAsset(s), eventId, 'JUMBOTRON');
    const one = await manifestOf();
    expect(one.adManifest.version).toBeGreaterThan(empty.adManifest.version);
    expect(one.placements).toEqual([{ id: first, surface: 'JUMBOTRON' }]);
    const again = await manifestOf();
    expect(again.adManifest.version).toBe(one.adManifest.version);
    const second = await place(await approvedAsset(s), eventId, 'BOARD_EAST');
    const two = await manifestOf();
    expect(two.adManifest.version).toBeGreaterThan(one.adManifest.version);
    const doc = (await (await fetch(two.adManifest.url)).json()) as Data;
    expect(doc).toMatchObject({ eventId, version: two.adManifest.version });
    expect(doc.placements.map((p: Data) => p.id).sort()).toEqual([first, second].sort());
    expect(doc.placements[0].asset).toMatchObject({ contentType: 'image/png', width: 64, height: 32 });
    // The older version's document is still what it was.
    const old = (await (await fetch(one.adManifest.url)).json()) as Data;
    expect(old.placements.map((p: Data) => p.id)).toEqual([first]);
  });
});
