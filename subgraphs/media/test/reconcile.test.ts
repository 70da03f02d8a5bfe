import { randomInt, randomUUID } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, type BusTransport, type Principal } from '@frontrow/kit';
import { eventually, testSecret, testTransport, uniqueName } from '@frontrow/kit/testing';
import { PlaybackToken } from '../src/entities/playback-token.entity';
import type { MediaHandle, MediaOptions } from '../src/server';
import {
  FEED,
  PLAYBACK,
  START,
  STOP,
  adminPrincipal,
  deleteQueues,
  fanPrincipal,
  gql,
  publish,
  startMedia,
  tokenWorks,
  RestartableJanus,
  type GqlReply,
  withJanus,
} from './helpers';

/** Binds a UDP port (as another program holding it would). */
function holdUdpPort(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', (e) => {
      socket.close();
      reject(e);
    });
    socket.bind(port, () => resolve(socket));
  });
}

/**
 * Two consecutive UDP ports that nothing holds right now, the first even (Janus takes RTP
 * ports in even-odd pairs), above both Janus' default range and Linux's ephemeral ports.
 */
async function freeUdpPair(): Promise<number> {
  for (;;) {
    const port = 61_000 + 2 * randomInt(0, 2_000);
    const held = await Promise.all([port, port + 1].map((p) => holdUdpPort(p).catch(() => null)));
    for (const s of held) s?.close();
    if (held.every(Boolean)) return port;
  }
}

type Ingest = { status: string; videoPort: number | null; audioPort: number | null };
type Grant = { token: string; mountpointId: string };

withJanus.describe('media reconciling with Janus', () => {
  const janus = new RestartableJanus({ adminSecret: testSecret(), streamingAdminKey: testSecret() });
  const admin = adminPrincipal();
  const secret = testSecret();
  let transport: BusTransport;
  const running: Array<{ media: MediaHandle; prefix: string }> = [];

  beforeAll(() => {
    transport = testTransport();
  });

  // Each test has a Janus of its own and media instances of its own: mountpoint ids
  // start at 1000 in every media database, so two at once on one Janus would meet.
  beforeEach(async () => {
    await janus.stop();
    await janus.start();
  });

  afterEach(async () => {
    for (const r of running.splice(0)) {
      await r.media.stop();
      await deleteQueues(transport, r.prefix);
    }
  });

  afterAll(async () => {
    await transport?.close();
    await janus.stop();
  });

  async function media(extra: Partial<MediaOptions> = {}, prefix = uniqueName('mediarec')): Promise<MediaHandle> {
    const m = await startMedia(transport, prefix, secret, janus.current, janus.keys, extra);
    running.push({ media: m, prefix });
    return m;
  }

  async function liveFeed(m: MediaHandle, opts: { preview?: boolean } = {}): Promise<{ feedId: string; eventId: string; ingest: Ingest; mountpointId: number }> {
    const feed = { feedId: randomUUID(), eventId: randomUUID(), label: 'Center court', projection: 'EQUIRECT_MONO', isDefault: true, preview: Boolean(opts.preview) };
    await publish(transport, 'events.feed.added', feed);
    const ingest = await eventually(async () => {
      const r = await gql(m, secret, START, { f: feed.feedId, p: 'test-pattern-vp8' }, admin);
      return (r.data?.startIngest as Ingest | undefined) ?? undefined;
    });
    expect(ingest.status).toBe('LIVE');
    const grant = await playback(m, feed.feedId, admin);
    return { ...feed, ingest, mountpointId: Number(grant.data!.mountpointId) };
  }

  async function ingestOf(m: MediaHandle, feedId: string): Promise<Ingest> {
    const r = await gql(m, secret, FEED, { id: feedId }, admin);
    return (r.data?._entities as Array<{ ingest: Ingest }>)[0].ingest;
  }

  async function playback(m: MediaHandle, feedId: string, who: Principal): Promise<GqlReply<Grant>> {
    const r = await gql(m, secret, PLAYBACK, { id: feedId }, who);
    return { status: r.status, errors: r.errors, data: (r.data?._entities as Array<{ playback: Grant | null }> | undefined)?.[0]?.playback };
  }

  it('recreates a LIVE mountpoint on its ports when Janus restarts, and the grants given before work again', async () => {
    // Only the probe can notice the restart here: the periodic run is an hour away.
    const m = await media({ reconcile: { intervalMs: 3_600_000, probeIntervalMs: 100 }, settings: { grantTtlSeconds: 600 } });
    const feed = await liveFeed(m);
    const fan = fanPrincipal();
    const late = fanPrincipal();
    for (const who of [fan, late]) await publish(transport, 'commerce.entitlement.granted', { entitlementId: randomUUID(), userId: who.userId, eventId: feed.eventId });
    const grant = await eventually(async () => (await playback(m, feed.feedId, fan)).data ?? undefined);
    expect(await tokenWorks(janus.current.url, grant.token)).toBe(true);
    expect(await janus.mountpoint(feed.mountpointId)).toEqual({ videoPort: feed.ingest.videoPort, audioPort: feed.ingest.audioPort });

    await janus.kill();
    // Janus down: the probe marks the ingest FAILED, and a new grant cannot be given.
    await eventually(async () => (await ingestOf(m, feed.feedId)).status === 'FAILED');
    const refused = await eventually(async () => {
      const r = await playback(m, feed.feedId, late);
      return r.errors?.[0].extensions?.code === 'FORBIDDEN' ? undefined : r;
    });
    expect(refused.errors?.[0].extensions).toMatchObject({ code: 'INTERNAL_SERVER_ERROR', reason: 'MEDIA_UNAVAILABLE' });
    // The viewer who holds a grant renews it all the same (in media's records).
    expect((await playback(m, feed.feedId, fan)).data).toMatchObject({ token: grant.token });

    await janus.start();
    // Janus comes back empty; media puts the mountpoint back with the same id and ports.
    const recreated = await eventually(() => janus.mountpoint(feed.mountpointId).then((mp) => mp ?? undefined));
    expect(recreated).toEqual({ videoPort: feed.ingest.videoPort, audioPort: feed.ingest.audioPort });
    await eventually(() => tokenWorks(janus.current.url, grant.token));
    expect(await ingestOf(m, feed.feedId)).toMatchObject({ status: 'LIVE', videoPort: feed.ingest.videoPort, audioPort: feed.ingest.audioPort });
    // The grant is renewed in place, and new viewers get theirs.
    expect((await playback(m, feed.feedId, fan)).data).toMatchObject({ token: grant.token, mountpointId: String(feed.mountpointId) });
    const fresh = await playback(m, feed.feedId, late);
    expect(fresh.errors).toBeUndefined();
    expect(await tokenWorks(janus.current.url, fresh.data!.token)).toBe(true);
  });

  it('stops an ingest FAILED while Janus is away for good: Janus answering again does not bring it back', async () => {
    const m = await media({ reconcile: { intervalMs: 3_600_000, probeIntervalMs: 100 } });
    const stopping = await liveFeed(m);
    const other = await liveFeed(m);
    await janus.kill();
    await eventually(async () => (await ingestOf(m, stopping.feedId)).status === 'FAILED' && (await ingestOf(m, other.feedId)).status === 'FAILED');
    const stopped = await gql(m, secret, STOP, { f: stopping.feedId }, admin);
    expect(stopped.data?.stopIngest).toEqual({ status: 'STOPPED', videoPort: null });
    await janus.start();
    // The other feed LIVE again means the reconciliation that would have brought the stopped one back has run.
    await eventually(async () => (await ingestOf(m, other.feedId)).status === 'LIVE');
    expect(await janus.mountpoint(other.mountpointId)).not.toBeNull();
    expect(await janus.mountpoint(stopping.mountpointId)).toBeNull();
    expect((await ingestOf(m, stopping.feedId)).status).toBe('STOPPED');
  });

  it('recreates at start-up what Janus lost while media was stopped', async () => {
    const prefix = uniqueName('mediarec');
    // The database outlives the first instance: its schema on a real Postgres, its files embedded.
    const dataDir = mkdtempSync(join(tmpdir(), 'frontrow-media-'));
    try {
      const first = await startMedia(transport, prefix, secret, janus.current, janus.keys, { dropSchemaOnStop: false, embeddedDataDir: dataDir });
      let feed: Awaited<ReturnType<typeof liveFeed>>;
      try {
        feed = await liveFeed(first);
      } finally {
        await first.stop();
      }
      await janus.kill();
      await janus.start();
      expect(await janus.mountpoint(feed.mountpointId)).toBeNull();
      // No probe and no periodic run within the test: only the start-up can do it.
      const m = await media({ reconcile: { intervalMs: 3_600_000, probeIntervalMs: 3_600_000 }, embeddedDataDir: dataDir }, prefix);
      expect(await eventually(() => janus.mountpoint(feed.mountpointId).then((mp) => mp ?? undefined))).toEqual({
        videoPort: feed.ingest.videoPort,
        audioPort: feed.ingest.audioPort,
      });
      expect((await ingestOf(m, feed.feedId)).status).toBe('LIVE');
      await m.stop();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('recreates a mountpoint that Janus lost without restarting, at the next periodic run', async () => {
    const m = await media({ reconcile: { intervalMs: 300, probeIntervalMs: 100 } });
    const feed = await liveFeed(m);
    await janus.destroyMountpoint(feed.mountpointId);
    expect(await janus.mountpoint(feed.mountpointId)).toBeNull();
    expect(await eventually(() => janus.mountpoint(feed.mountpointId).then((mp) => mp ?? undefined))).toEqual({
      videoPort: feed.ingest.videoPort,
      audioPort: feed.ingest.audioPort,
    });
  });

  it('needs no reconciliation after a restart when an admin starts the live ingest again and viewers renew their grants', async () => {
    // Neither the probe nor the periodic run comes within the test.
    const m = await media({ reconcile: { intervalMs: 3_600_000, probeIntervalMs: 3_600_000 } });
    const feed = await liveFeed(m, { preview: true });
    const viewer = fanPrincipal();
    const grant = (await playback(m, feed.feedId, viewer)).data!;
    await janus.kill();
    await janus.start();
    expect(await janus.mountpoint(feed.mountpointId)).toBeNull();
    expect(await tokenWorks(janus.current.url, grant.token)).toBe(false);

    const again = await gql(m, secret, START, { f: feed.feedId, p: 'test-pattern-vp8' }, admin);
    expect(again.data?.startIngest).toMatchObject({ status: 'LIVE', videoPort: feed.ingest.videoPort, audioPort: feed.ingest.audioPort });
    expect(await janus.mountpoint(feed.mountpointId)).toEqual({ videoPort: feed.ingest.videoPort, audioPort: feed.ingest.audioPort });
    const renewed = (await playback(m, feed.feedId, viewer)).data!;
    expect(renewed.token).toBe(grant.token);
    expect(await tokenWorks(janus.current.url, grant.token)).toBe(true);
  });

  it('moves an ingest to free ports when its own are taken, and marks it FAILED when Janus cannot recreate it', async () => {
    const logger = createLogger('media-reconcile-test');
    const errors = jest.spyOn(logger, 'error');
    const m = await media({ reconcile: { intervalMs: 3_600_000, probeIntervalMs: 100 }, logger });
    const moving = await liveFeed(m);
    const failing = await liveFeed(m);
    expect(moving.mountpointId).toBeLessThan(failing.mountpointId);

    await janus.kill();
    // Other programs take both feeds' ports while Janus is down, and Janus comes back
    // with room for one mountpoint only: the first feed moves, the second cannot.
    const held: Socket[] = [];
    try {
      for (const f of [moving, failing]) for (const port of [f.ingest.videoPort!, f.ingest.audioPort!]) held.push(await holdUdpPort(port));
      const range = await freeUdpPair();
      await janus.start({ rtpPortRange: `${range}-${range + 1}` });

      // Moved, and LIVE. A CI run read it FAILED with its new ports: a probe (every 100 ms
      // here) found Janus down just after its restart, and the next one, finding Janus and
      // the mountpoint, made it LIVE again. Why that probe failed is not known yet.
      const moved = await eventually(async () => {
        const i = await ingestOf(m, moving.feedId);
        return i.videoPort !== moving.ingest.videoPort && i.status === 'LIVE' ? i : undefined;
      });
      expect(moved.status).toBe('LIVE');
      expect([moved.videoPort, moved.audioPort].sort()).toEqual([range, range + 1]);
      expect(await janus.mountpoint(moving.mountpointId)).toEqual({ videoPort: moved.videoPort, audioPort: moved.audioPort });

      await eventually(async () => (await ingestOf(m, failing.feedId)).status === 'FAILED');
      expect(await ingestOf(m, failing.feedId)).toMatchObject({ status: 'FAILED', videoPort: null, audioPort: null });
      expect(errors).toHaveBeenCalledWith(expect.objectContaining({ feedId: failing.feedId, mountpointId: failing.mountpointId }), expect.stringMatching(/^ingest FAILED/));
      // A FAILED feed gives no grant; nobody is told to connect to a mountpoint that does not exist.
      expect((await playback(m, failing.feedId, admin)).data).toBeNull();
    } finally {
      for (const s of held) s.close();
    }
    // Once its ports are free again, an admin starts it again, on the ports the encoder knows.
    const restarted = await gql(m, secret, START, { f: failing.feedId, p: 'test-pattern-vp8' }, admin);
    expect(restarted.data?.startIngest).toMatchObject({ status: 'LIVE', videoPort: failing.ingest.videoPort, audioPort: failing.ingest.audioPort });
  });

  it('still removes expired grants from Janus after a restart made it forget some of them', async () => {
    const m = await media({ reconcile: { intervalMs: 3_600_000, probeIntervalMs: 100 }, settings: { grantTtlSeconds: 2 } });
    const feed = await liveFeed(m, { preview: true });
    const before = (await playback(m, feed.feedId, fanPrincipal())).data!;
    await janus.kill();
    const expiry = await m.em.fork().findOneOrFail(PlaybackToken, { token: before.token });
    await eventually(() => Date.now() > expiry.expiresAt.getTime() + 200, 10_000, 100);
    await janus.start();
    await eventually(() => janus.mountpoint(feed.mountpointId).then((mp) => mp ?? undefined));

    // A grant given after the restart expires too, and must stop working: the sweep is
    // not stuck on the one that Janus forgot.
    const after = (await playback(m, feed.feedId, fanPrincipal())).data!;
    expect(await tokenWorks(janus.current.url, after.token)).toBe(true);
    await eventually(async () => !(await tokenWorks(janus.current.url, after.token)), 10_000, 100);
    const forgotten = await m.em.fork().findOneOrFail(PlaybackToken, { token: before.token });
    expect(forgotten.removedAt).toBeInstanceOf(Date);
  });
});
