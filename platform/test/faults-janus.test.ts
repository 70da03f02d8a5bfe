import { randomUUID } from 'node:crypto';
import { eventually, gql, need, needs, signIn, signUp, testSecret, uniqueName, type GqlReply } from '@frontrow/kit/testing';
import { EntitlementInfo } from '@frontrow/media/src/entities/entitlement-info.entity';
import { RestartableJanus, tokenWorks } from '@frontrow/media/test/helpers';
import { startTestSource, type RunningSource } from '@frontrow/media-plane/src/test-source';
import { startTestPlatform, type TestPlatform } from './test-platform';

/**
 * Janus killed (SIGKILL) while a feed is live and a fan watches it, then started again
 * on the same ports, as its supervisor would. The platform runs in the test's process
 * with a Janus of its own on free ports; ffmpeg sends the test source's RTP to the
 * feed's mountpoint all along. Everything is seen from outside, through the gateway
 * and Janus' own API:
 * - media notices the dead Janus by itself (its probe, every 5 s by default) and the
 *   admin sees the ingest FAILED; a fan asking for a new grant is told
 *   INTERNAL_SERVER_ERROR with `reason: MEDIA_UNAVAILABLE`;
 * - once Janus answers again, media recreates the mountpoint with the same id on the
 *   same RTP ports and the ingest is LIVE again, with nobody asking; the encoder's RTP
 *   reaches the new mountpoint; the fan who was watching renews the same grant and
 *   watches again, and the fan who was refused gets a grant that Janus takes.
 */

/** Media probes Janus every 5 s (reconcile.ts); the margin is for a busy machine. */
const DETECTED_WITHIN_MS = 15_000;
/** From Janus answering again to the ingest LIVE, its mountpoint back and RTP arriving. */
const RECOVERED_WITHIN_MS = 15_000;

const INGEST = `query($id: ID!) { feed(id: $id) { ingest { status videoPort audioPort rtpHost } } }`;
const PLAYBACK = `query($id: ID!) { feed(id: $id) { playback { janusUrl mountpointId token } } }`;

type Ingest = { status: string; videoPort: number | null; audioPort: number | null; rtpHost: string | null };
type Grant = { janusUrl: string; mountpointId: string; token: string };
type JanusEvent = { janus: string; jsep?: { type: string; sdp: string } };

/**
 * A viewer's first steps with its grant, as the web viewer takes them: a Janus session
 * opened with the token, the streaming plugin attached, `watch` on the mountpoint. True
 * when Janus answers with its SDP offer (what the browser would answer to start the
 * picture); the session is ended afterwards.
 */
async function janusOffersToWatch(grant: Grant): Promise<boolean> {
  const post = async (url: string, msg: Record<string, unknown>) => {
    const res = await fetch(url, { method: 'POST', body: JSON.stringify({ transaction: randomUUID(), token: grant.token, ...msg }), signal: AbortSignal.timeout(5000) });
    return (await res.json()) as { janus: string; data?: { id: number } };
  };
  const created = await post(grant.janusUrl, { janus: 'create' });
  if (created.janus !== 'success') return false;
  const session = `${grant.janusUrl}/${created.data!.id}`;
  try {
    const attached = await post(session, { janus: 'attach', plugin: 'janus.plugin.streaming' });
    if (attached.janus !== 'success') return false;
    const ack = await post(`${session}/${attached.data!.id}`, { janus: 'message', body: { request: 'watch', id: Number(grant.mountpointId) } });
    if (ack.janus !== 'ack') return false;
    // The plugin's answer comes as an event on the session's long poll, among ICE candidates.
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const res = await fetch(`${session}?maxev=10&token=${encodeURIComponent(grant.token)}`, { signal: AbortSignal.timeout(10_000) });
      const body = (await res.json()) as JanusEvent | JanusEvent[];
      const offer = (Array.isArray(body) ? body : [body]).find((e) => e.jsep);
      if (offer) return offer.jsep!.type === 'offer' && /m=video/.test(offer.jsep!.sdp);
    }
    return false;
  } finally {
    await post(session, { janus: 'destroy' }).catch(() => undefined);
  }
}

needs(need.command('janus'), need.command('ffmpeg')).describe('Janus killed during viewing', () => {
  const janus = new RestartableJanus({ adminSecret: testSecret(), streamingAdminKey: testSecret() });
  const admin = { email: `${uniqueName('admin')}@example.com`, password: 'faults-janus-admin-password' };
  let world: TestPlatform;
  let source: RunningSource | undefined;

  beforeAll(async () => {
    await janus.start();
    world = await startTestPlatform('faultsjanus', {
      janus: { url: janus.current.url, adminUrl: janus.current.adminUrl, ...janus.keys },
      seedAdmin: admin,
    });
  }, 120_000);

  afterAll(async () => {
    await source?.stop();
    await world?.stop();
    await janus.stop();
  });

  function call<T>(query: string, variables: Record<string, unknown>, token: string): Promise<GqlReply<T>> {
    return gql<T>(world.platform.gateway.url, query, variables, token);
  }

  async function must<T>(query: string, variables: Record<string, unknown>, token: string): Promise<T> {
    const r = await call<T>(query, variables, token);
    if (r.errors?.length || !r.data) throw new Error(JSON.stringify(r.errors));
    return r.data;
  }

  async function ingestOf(feedId: string, token: string): Promise<Ingest> {
    return (await must<{ feed: { ingest: Ingest } }>(INGEST, { id: feedId }, token)).feed.ingest;
  }

  function playback(feedId: string, token: string): Promise<GqlReply<{ feed: { playback: Grant | null } }>> {
    return call<{ feed: { playback: Grant | null } }>(PLAYBACK, { id: feedId }, token);
  }

  /** Both streams of the mountpoint received RTP within the last second (Janus' `age_ms`). */
  async function receiving(mountpointId: number): Promise<boolean> {
    const info = await janus.mountpointInfo(mountpointId);
    const media = (info?.media ?? []) as Array<{ type: string; age_ms?: number }>;
    return media.length === 2 && media.every((m) => m.age_ms !== undefined && m.age_ms < 1000);
  }

  it('marks the ingest FAILED, refuses new grants with MEDIA_UNAVAILABLE, and recreates the mountpoint and resumes viewing once Janus is back', async () => {
    const adminToken = (await signIn(world.platform.gateway.url, admin.email, admin.password)).accessToken;
    // A live event with one feed; the admin starts its ingest, and the encoder sends to it.
    const venue = await must<{ createVenue: { id: string } }>(
      `mutation($i: VenueInput!) { createVenue(input: $i) { id } }`,
      { i: { name: 'Fault Arena', city: 'Lyon', country: 'FR', timezone: 'Europe/Paris', capacity: 1000 } },
      adminToken,
    );
    const event = await must<{ createEvent: { id: string } }>(
      `mutation($i: EventInput!) { createEvent(input: $i) { id } }`,
      {
        i: {
          title: `Janus fault ${randomUUID().slice(0, 6)}`,
          sport: 'basketball',
          homeTeam: 'Home',
          awayTeam: 'Away',
          venueId: venue.createVenue.id,
          startsAt: new Date(Date.now() - 60_000).toISOString(),
          endsAt: new Date(Date.now() + 3 * 3600_000).toISOString(),
        },
      },
      adminToken,
    );
    const eventId = event.createEvent.id;
    const feed = await must<{ addFeed: { id: string } }>(
      `mutation($i: FeedInput!) { addFeed(input: $i) { id } }`,
      { i: { eventId, label: 'Center court', projection: 'EQUIRECT_MONO', isDefault: true } },
      adminToken,
    );
    const feedId = feed.addFeed.id;
    // Media learns of the feed from the bus: ask until it knows it.
    const ingest = await eventually(async () => {
      const r = await call<{ startIngest: Ingest }>(
        `mutation($f: ID!, $p: ID!) { startIngest(feedId: $f, presetId: $p) { status videoPort audioPort rtpHost } }`,
        { f: feedId, p: 'test-pattern-vp8' },
        adminToken,
      );
      if (r.errors?.[0]?.extensions?.code === 'NOT_FOUND') return undefined;
      if (r.errors?.length) throw new Error(JSON.stringify(r.errors));
      return r.data?.startIngest;
    }, 20_000, 100);
    expect(ingest.status).toBe('LIVE');
    // A light source: the fault is in the control plane, not in the picture.
    source = startTestSource({ host: ingest.rtpHost!, videoPort: ingest.videoPort!, audioPort: ingest.audioPort!, width: 320, fps: 15, bitrateKbps: 300 });

    // Two fans with a pass: one watches now, the other comes while Janus is down.
    const [watching, late] = await Promise.all([signUp(world.platform.gateway.url, 'Watching'), signUp(world.platform.gateway.url, 'Late')]);
    for (const fan of [watching, late]) {
      await world.transport.publish({
        id: randomUUID(),
        type: 'commerce.entitlement.granted',
        occurredAt: new Date().toISOString(),
        version: 1,
        payload: { entitlementId: randomUUID(), userId: fan.user.id, eventId, productId: randomUUID(), kind: 'EVENT_PASS' },
      });
    }
    const grant = await eventually(async () => (await playback(feedId, watching.accessToken)).data?.feed.playback ?? undefined);
    const mountpointId = Number(grant.mountpointId);
    await eventually(() => receiving(mountpointId), 10_000, 100);
    expect(await janusOffersToWatch(grant)).toBe(true);
    // The late fan's pass has reached media (asking now would give it a grant): wait on
    // media's side only, without asking for playback before Janus is killed.
    await eventually(async () => (await world.platform.services.media.em.fork().count(EntitlementInfo, { userId: late.user.id, revokedAt: null })) > 0);

    // Janus crashes.
    const killedAt = Date.now();
    await janus.kill();

    // (1) Media notices by itself: the admin sees the ingest FAILED.
    await eventually(async () => (await ingestOf(feedId, adminToken)).status === 'FAILED', DETECTED_WITHIN_MS, 100);
    const detectedMs = Date.now() - killedAt;

    // (2) A new grant is refused, saying why, with no stack or address in it.
    const refused = await playback(feedId, late.accessToken);
    expect(refused.data?.feed.playback ?? null).toBeNull();
    expect(refused.errors).toHaveLength(1);
    expect(refused.errors![0].extensions).toMatchObject({ code: 'INTERNAL_SERVER_ERROR', reason: 'MEDIA_UNAVAILABLE' });
    expect(JSON.stringify(refused.errors)).not.toMatch(/stacktrace|ECONNREFUSED|127\.0\.0\.1|\bat \w+ \(/);
    // The fan already watching keeps the same grant in media's records (a renewal).
    expect((await playback(feedId, watching.accessToken)).data?.feed.playback).toMatchObject({ token: grant.token });

    // (3) Janus is back, empty, on the same ports; nobody touches media.
    await janus.start();
    const backAt = Date.now();
    const live = await eventually(
      async () => {
        const i = await ingestOf(feedId, adminToken);
        return i.status === 'LIVE' ? i : undefined;
      },
      RECOVERED_WITHIN_MS,
      100,
    );
    const liveMs = Date.now() - backAt;
    expect(live).toEqual(ingest);
    expect(await janus.mountpoint(mountpointId)).toEqual({ videoPort: ingest.videoPort, audioPort: ingest.audioPort });
    // The encoder never stopped: its RTP reaches the new mountpoint.
    await eventually(() => receiving(mountpointId), RECOVERED_WITHIN_MS, 100);
    const rtpMs = Date.now() - backAt;
    expect(source.process.exitCode).toBeNull();

    // Viewing resumes: the watching fan renews the same grant and Janus takes it again;
    // the late fan now gets a grant of its own.
    const renewed = await playback(feedId, watching.accessToken);
    expect(renewed.errors).toBeUndefined();
    expect(renewed.data?.feed.playback).toMatchObject({ token: grant.token, mountpointId: grant.mountpointId });
    expect(await janusOffersToWatch(grant)).toBe(true);
    const fresh = await playback(feedId, late.accessToken);
    expect(fresh.errors).toBeUndefined();
    expect(fresh.data?.feed.playback).toMatchObject({ mountpointId: grant.mountpointId });
    expect(await tokenWorks(janus.current.url, fresh.data!.feed.playback!.token)).toBe(true);
    expect(await janusOffersToWatch(fresh.data!.feed.playback!)).toBe(true);
    const viewingMs = Date.now() - backAt;

    console.log(
      `Janus killed during viewing: ingest FAILED ${detectedMs} ms after the kill; after Janus answered again, LIVE in ${liveMs} ms, RTP arriving at the recreated mountpoint in ${rtpMs} ms, both fans watching in ${viewingMs} ms`,
    );
  });
});
