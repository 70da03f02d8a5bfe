import { randomUUID } from 'node:crypto';
import { freePort, type BusTransport } from '@frontrow/kit';
import { eventually, testSecret, testTransport, uniqueName } from '@frontrow/kit/testing';
import { launchJanus, type RunningJanus } from '@frontrow/media-plane/src/janus';
import type { MediaHandle } from '../src/server';
import {
  FEED,
  PLAYBACK,
  START,
  STOP,
  adminPrincipal,
  deleteQueues,
  fanPrincipal as fan,
  gql,
  publish,
  startMedia,
  tokenWorks,
  withJanus,
} from './helpers';

const admin = adminPrincipal();

withJanus.describe('media over a real Janus', () => {
  let janus: RunningJanus;
  let media: MediaHandle;
  let transport: BusTransport;
  let secret: string;
  const prefix = uniqueName('media');
  const keys = { adminSecret: testSecret(), streamingAdminKey: testSecret() };

  beforeAll(async () => {
    janus = await launchJanus({ httpPort: await freePort(), adminPort: await freePort(), wsPort: await freePort(), ...keys, debugLevel: 2 });
    secret = testSecret();
    transport = testTransport();
    media = await startMedia(transport, prefix, secret, janus, keys, { settings: { grantTtlSeconds: 60 } });
  });

  afterAll(async () => {
    await media?.stop();
    if (transport) await deleteQueues(transport, prefix);
    await transport?.close();
    await janus?.stop();
  });

  async function newFeed(opts: { preview?: boolean; eventId?: string } = {}) {
    const feed = { feedId: randomUUID(), eventId: opts.eventId ?? randomUUID(), label: 'Center court', projection: 'EQUIRECT_MONO', isDefault: true, preview: Boolean(opts.preview) };
    await publish(transport, 'events.feed.added', feed);
    await eventually(async () => {
      const r = await gql(media, secret, FEED, { id: feed.feedId }, admin);
      // Known feeds can be started; until the event arrives, startIngest says NOT_FOUND.
      const probe = await gql(media, secret, `mutation($f: ID!) { stopIngest(feedId: $f) { status } }`, { f: feed.feedId }, admin);
      return !probe.errors && r.data ? true : undefined;
    });
    return feed;
  }

  it('lists encoder presets to anyone', async () => {
    const r = await gql(media, secret, `{ encoderPresets { id codec width height fps bitrateKbps projection } }`);
    const presets = r.data?.encoderPresets as Array<{ id: string; codec: string }>;
    expect(presets.map((p) => p.id)).toEqual(expect.arrayContaining(['equirect-2k-vp8', 'equirect-4k-h264', 'test-pattern-vp8']));
    expect(new Set(presets.map((p) => p.codec))).toEqual(new Set(['vp8', 'h264']));
  });

  it('starts and stops ingest for admins only, with the ports Janus gave', async () => {
    const feed = await newFeed();
    const denied = await gql(media, secret, START, { f: feed.feedId, p: 'equirect-2k-vp8' }, fan());
    expect(denied.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await gql(media, secret, START, { f: feed.feedId, p: 'equirect-2k-vp8' })).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');

    const started = await gql(media, secret, START, { f: feed.feedId, p: 'equirect-2k-vp8' }, admin);
    const ingest = started.data?.startIngest as { status: string; videoPort: number; audioPort: number; rtpHost: string };
    expect(ingest).toMatchObject({ status: 'LIVE', rtpHost: '127.0.0.1' });
    expect(ingest.videoPort).toBeGreaterThan(0);
    expect(ingest.audioPort).toBeGreaterThan(0);
    // Starting again with the same preset changes nothing; another preset conflicts.
    expect((await gql(media, secret, START, { f: feed.feedId, p: 'equirect-2k-vp8' }, admin)).data?.startIngest).toEqual(ingest);
    expect((await gql(media, secret, START, { f: feed.feedId, p: 'flat-1080p-h264' }, admin)).errors?.[0].extensions?.code).toBe('CONFLICT');
    expect((await gql(media, secret, START, { f: feed.feedId, p: 'no-such-preset' }, admin)).errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    const viewIngest = await gql(media, secret, FEED, { id: feed.feedId }, fan());
    expect(viewIngest.errors?.[0].extensions?.code).toBe('FORBIDDEN');

    const stopped = await gql(media, secret, STOP, { f: feed.feedId }, admin);
    expect(stopped.data?.stopIngest).toEqual({ status: 'STOPPED', videoPort: null });
    // The mountpoint is gone from Janus: starting again creates it anew with H.264.
    const again = await gql(media, secret, START, { f: feed.feedId, p: 'flat-1080p-h264' }, admin);
    expect((again.data?.startIngest as { status: string }).status).toBe('LIVE');
    expect((await gql(media, secret, START, { f: randomUUID(), p: 'equirect-2k-vp8' }, admin)).errors?.[0].extensions?.code).toBe('NOT_FOUND');
  });

  it('grants playback only with an entitlement, renews it, and revokes it with the entitlement', async () => {
    const feed = await newFeed();
    const viewer = fan();
    // Not live yet: no grant, but no error either for an entitled viewer.
    await publish(transport, 'commerce.entitlement.granted', { entitlementId: randomUUID(), userId: randomUUID(), eventId: feed.eventId });
    const denied = await gql(media, secret, PLAYBACK, { id: feed.feedId }, viewer);
    expect(denied.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((denied.data?._entities as Array<{ playback: unknown }>)[0].playback).toBeNull();
    await gql(media, secret, START, { f: feed.feedId, p: 'equirect-2k-vp8' }, admin);

    const entitlementId = randomUUID();
    await publish(transport, 'commerce.entitlement.granted', { entitlementId, userId: viewer.userId, eventId: feed.eventId });
    const grant = await eventually(async () => {
      const r = await gql(media, secret, PLAYBACK, { id: feed.feedId }, viewer);
      return (r.data?._entities as Array<{ playback: { token: string; mountpointId: string; expiresAt: string; janusUrl: string; hlsUrl: null } | null }> | undefined)?.[0]?.playback ?? undefined;
    });
    expect(grant.janusUrl).toBe(janus.url);
    expect(Number(grant.mountpointId)).toBeGreaterThan(0);
    expect(await tokenWorks(janus.url, grant.token)).toBe(true);
    expect(await tokenWorks(janus.url, 'made-up-token')).toBe(false);

    const renewed = (await gql(media, secret, PLAYBACK, { id: feed.feedId }, viewer)).data?._entities as Array<{ playback: { token: string; expiresAt: string } }>;
    expect(renewed[0].playback.token).toBe(grant.token);
    expect(Date.parse(renewed[0].playback.expiresAt)).toBeGreaterThanOrEqual(Date.parse(grant.expiresAt));

    await publish(transport, 'commerce.entitlement.revoked', { entitlementId, userId: viewer.userId, eventId: feed.eventId });
    await eventually(async () => !(await tokenWorks(janus.url, grant.token)));
    expect((await gql(media, secret, PLAYBACK, { id: feed.feedId }, viewer)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });

  it('lets admins and anyone on a preview feed watch without a pass, and a season pass covers every event', async () => {
    const preview = await newFeed({ preview: true });
    expect((await gql(media, secret, START, { f: preview.feedId, p: 'test-pattern-vp8' }, admin)).errors).toBeUndefined();
    const r = await gql(media, secret, PLAYBACK, { id: preview.feedId }, fan());
    expect(r.errors).toBeUndefined();
    expect((r.data?._entities as Array<{ playback: { token: string } }>)[0].playback.token).toBeTruthy();

    const paid = await newFeed();
    expect((await gql(media, secret, START, { f: paid.feedId, p: 'test-pattern-vp8' }, admin)).errors).toBeUndefined();
    expect((await gql(media, secret, PLAYBACK, { id: paid.feedId }, admin)).errors).toBeUndefined();
    const seasoned = fan();
    await publish(transport, 'commerce.entitlement.granted', { entitlementId: randomUUID(), userId: seasoned.userId, eventId: null });
    await eventually(async () => {
      const g = await gql(media, secret, PLAYBACK, { id: paid.feedId }, seasoned);
      return !g.errors;
    });
  });

  it('removes an unrenewed grant from Janus when it expires', async () => {
    const shortPrefix = uniqueName('media');
    const short = await startMedia(transport, shortPrefix, secret, janus, keys, { settings: { grantTtlSeconds: 1 } });
    try {
      const feed = { feedId: randomUUID(), eventId: randomUUID(), label: 'Baseline', projection: 'EQUIRECT_MONO', preview: true };
      await publish(transport, 'events.feed.added', feed);
      await eventually(async () => !(await gql(short, secret, START, { f: feed.feedId, p: 'test-pattern-vp8' }, admin)).errors);
      const g = (await gql(short, secret, PLAYBACK, { id: feed.feedId }, fan())).data?._entities as Array<{ playback: { token: string } }>;
      expect(await tokenWorks(janus.url, g[0].playback.token)).toBe(true);
      await eventually(async () => !(await tokenWorks(janus.url, g[0].playback.token)), 10_000, 100);
    } finally {
      await short.stop();
      await deleteQueues(transport, shortPrefix);
    }
  });

  it('starts and stops the feeds of an event that goes live and ends, without an admin', async () => {
    const eventId = randomUUID();
    const feeds = [
      { feedId: randomUUID(), eventId, label: 'Midfield', projection: 'EQUIRECT_MONO', isDefault: true, preview: false },
      { feedId: randomUUID(), eventId, label: 'Behind the goal', projection: 'EQUIRECT_MONO', isDefault: false, preview: false },
    ];
    await publish(transport, 'events.event.live', { eventId, status: 'LIVE', feeds });
    for (const f of feeds) {
      await eventually(async () => {
        const r = await gql(media, secret, FEED, { id: f.feedId }, admin);
        return (r.data?._entities as Array<{ ingest: { status: string } }> | undefined)?.[0]?.ingest.status === 'LIVE';
      });
    }
    await publish(transport, 'events.event.ended', { eventId, status: 'ENDED', feeds });
    for (const f of feeds) {
      await eventually(async () => {
        const r = await gql(media, secret, FEED, { id: f.feedId }, admin);
        return (r.data?._entities as Array<{ ingest: { status: string } }> | undefined)?.[0]?.ingest.status === 'STOPPED';
      });
    }
  });
});

describe('media without Janus', () => {
  it('says media is unavailable for ingest and playback, and keeps serving the rest', async () => {
    const transport = testTransport();
    const prefix = uniqueName('media');
    const secret = testSecret();
    const down = { url: `http://127.0.0.1:${await freePort()}/janus`, adminUrl: `http://127.0.0.1:${await freePort()}/admin` };
    const media = await startMedia(transport, prefix, secret, null, undefined, { janus: { ...down, adminSecret: 'x', streamingAdminKey: 'y' } });
    try {
      const feed = { feedId: randomUUID(), eventId: randomUUID(), label: 'Center', projection: 'EQUIRECT_MONO', preview: true };
      await publish(transport, 'events.feed.added', feed);
      const r = await eventually(async () => {
        const res = await gql(media, secret, START, { f: feed.feedId, p: 'equirect-2k-vp8' }, admin);
        return res.errors?.[0].extensions?.code === 'NOT_FOUND' ? undefined : res;
      });
      expect(r.errors?.[0].extensions).toMatchObject({ code: 'INTERNAL_SERVER_ERROR', reason: 'MEDIA_UNAVAILABLE' });
      expect(r.errors?.[0].message).toMatch(/media server is unavailable/);
      const presets = await gql(media, secret, `{ encoderPresets { id } }`);
      expect((presets.data?.encoderPresets as unknown[]).length).toBeGreaterThan(0);
      const ingest = await gql(media, secret, FEED, { id: feed.feedId }, admin);
      expect((ingest.data?._entities as Array<{ ingest: { status: string } }>)[0].ingest.status).toBe('FAILED');
    } finally {
      await media.stop();
      await deleteQueues(transport, prefix);
      await transport.close();
    }
  });
});
