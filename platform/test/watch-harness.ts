import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, type BusTransport } from '@frontrow/kit';
import { dataOf, eventually, gql, need, signIn, signUp, testSecret, uniqueName, type GqlReply, type Need } from '@frontrow/kit/testing';
import { findOnPath, launchJanus, type JanusLaunchOptions, type RunningJanus } from '@frontrow/media-plane/src/janus';
import { startTestSource, type RunningSource } from '@frontrow/media-plane/src/test-source';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ROOT, type Platform } from '../src/launch';
import { createTestNetwork, type TestNetwork } from './netns';
import { startTestPlatform, type TestPlatform } from './test-platform';

/** What the watch test needs of the machine. */
export function watchNeeds(): Need[] {
  return [need.root('for a network namespace'), need.command('ip'), need.command('janus'), need.command('ffmpeg'), chromiumNeed()];
}

/** What the watch test needs of the machine and lacks, named. */
export function missingForWatch(): string[] {
  return watchNeeds()
    .filter((n) => !n.present)
    .map((n) => n.what);
}

export function chromiumNeed(): Need {
  return need.that('chromium (on PATH, or CHROMIUM_PATH)', chromiumPath() !== null);
}

export function chromiumPath(): string | null {
  return process.env.CHROMIUM_PATH ?? findOnPath('chromium') ?? findOnPath('chromium-browser') ?? findOnPath('google-chrome');
}

export const ARTIFACTS = join(ROOT, 'test-artifacts');

/**
 * The live-360 world of the end-to-end test and the first-frame benchmark: a network
 * namespace with Janus in it, the whole platform, an admin, and a live event with
 * one feed whose ingest has started and receives the test source.
 */
export class WatchWorld {
  net!: TestNetwork;
  janus!: RunningJanus;
  platform!: Platform;
  private world?: TestPlatform;
  private janusOptions!: JanusLaunchOptions;
  transport!: BusTransport;
  source?: RunningSource;
  browser?: Browser;
  adminToken!: string;
  eventId!: string;
  feedId!: string;
  private readonly admin = { email: `${uniqueName('admin')}@example.com`, password: 'admin-password-e2e' };

  async start(): Promise<void> {
    this.net = createTestNetwork();
    const keys = { adminSecret: testSecret(), streamingAdminKey: testSecret() };
    this.janusOptions = {
      httpPort: await freePort(),
      adminPort: await freePort(),
      wsPort: await freePort(),
      httpIp: this.net.nsIp,
      adminIp: this.net.nsIp,
      iceEnforce: this.net.nsIf,
      netns: this.net.name,
      debugLevel: 3,
      ...keys,
    };
    this.janus = await launchJanus(this.janusOptions);
    this.world = await startTestPlatform('e2e', {
      webPort: 0,
      vrPort: 0,
      janus: { url: this.janus.url, adminUrl: this.janus.adminUrl, ...keys },
      rtpHost: this.net.nsIp,
      seedAdmin: this.admin,
    });
    this.platform = this.world.platform;
    this.transport = this.world.transport;
    this.adminToken = (await this.signIn(this.admin.email, this.admin.password)).accessToken;
  }

  /** Janus crashes (SIGKILL): it keeps nothing of its sessions, mountpoints and tokens. */
  async killJanus(): Promise<void> {
    this.janus.process.kill('SIGKILL');
    await this.janus.stop();
  }

  /** Janus again, empty, on the same address and ports, as its supervisor would start it. */
  async startJanusAgain(): Promise<void> {
    this.janus = await launchJanus(this.janusOptions);
  }

  /** The shared test client against this world's gateway. */
  gql<T>(query: string, variables: Record<string, unknown> = {}, token?: string): Promise<GqlReply<T>> {
    return gql<T>(this.platform.gateway.url, query, variables, token);
  }

  async must<T>(query: string, variables: Record<string, unknown> = {}, token?: string): Promise<T> {
    return dataOf(await this.gql<T>(query, variables, token));
  }

  async signIn(email: string, password: string): Promise<{ accessToken: string; userId: string }> {
    const session = await signIn(this.platform.gateway.url, email, password);
    return { accessToken: session.accessToken, userId: session.user.id };
  }

  async signUpFan(): Promise<{ accessToken: string; userId: string }> {
    const account = await signUp(this.platform.gateway.url, 'Fan');
    return { accessToken: account.accessToken, userId: account.user.id };
  }

  /** A new fan with a pass, once media has it: the feed's playback grants them a token. */
  async fanWithGrant(): Promise<{ accessToken: string; userId: string }> {
    const fan = await this.signUpFan();
    await this.grantEntitlement(fan.userId);
    await eventually(async () => {
      const r = await this.gql<{ feed: { playback: { token: string } | null } }>(`query($id: ID!) { feed(id: $id) { playback { token } } }`, { id: this.feedId }, fan.accessToken);
      return r.data?.feed?.playback ?? undefined;
    });
    return fan;
  }

  private live?: Promise<unknown>;

  /** goLive once for the world's tests, whichever runs first. */
  async liveOnce(codec: 'vp8' | 'h264' = 'vp8'): Promise<void> {
    this.live ??= this.goLive(codec);
    await this.live;
  }

  /** The admin's part: a venue, a live event, a 360 feed, ingest started, the encoder sending. */
  async goLive(codec: 'vp8' | 'h264' = 'vp8'): Promise<{ videoPort: number; audioPort: number; rtpHost: string }> {
    const t = this.adminToken;
    const venue = await this.must<{ createVenue: { id: string } }>(
      `mutation($i: VenueInput!) { createVenue(input: $i) { id } }`,
      { i: { name: 'Test Arena', city: 'Lyon', country: 'FR', timezone: 'Europe/Paris', capacity: 1000 } },
      t,
    );
    const startsAt = new Date(Date.now() - 60_000).toISOString();
    const endsAt = new Date(Date.now() + 3 * 3600_000).toISOString();
    const event = await this.must<{ createEvent: { id: string } }>(
      `mutation($i: EventInput!) { createEvent(input: $i) { id } }`,
      { i: { title: `E2E ${randomUUID().slice(0, 6)}`, sport: 'basketball', homeTeam: 'Home', awayTeam: 'Away', venueId: venue.createVenue.id, startsAt, endsAt } },
      t,
    );
    this.eventId = event.createEvent.id;
    const feed = await this.must<{ addFeed: { id: string } }>(
      `mutation($i: FeedInput!) { addFeed(input: $i) { id } }`,
      { i: { eventId: this.eventId, label: 'Center court', projection: 'EQUIRECT_MONO', isDefault: true } },
      t,
    );
    this.feedId = feed.addFeed.id;
    const preset = codec === 'h264' ? 'flat-1080p-h264' : 'test-pattern-vp8';
    // Media learns of the feed from the bus: ask until it knows it.
    const ingest = await eventually(async () => {
      const r = await this.gql<{ startIngest: { status: string; videoPort: number; audioPort: number; rtpHost: string } }>(
        `mutation($f: ID!, $p: ID!) { startIngest(feedId: $f, presetId: $p) { status videoPort audioPort rtpHost } }`,
        { f: this.feedId, p: preset },
        t,
      );
      if (r.errors?.[0]?.extensions?.code === 'NOT_FOUND') return undefined;
      if (r.errors?.length) throw new Error(JSON.stringify(r.errors));
      return r.data?.startIngest;
    }, 20_000, 100);
    // Ingest is ready before the game goes live (going live would start it with the default preset).
    await this.must(`mutation($id: ID!) { setEventStatus(id: $id, status: LIVE) { status } }`, { id: this.eventId }, t);
    this.source = startTestSource({ host: ingest.rtpHost, videoPort: ingest.videoPort, audioPort: ingest.audioPort, codec });
    return ingest;
  }

  /** Gives the fan a pass the way commerce does: an event on the bus. */
  async grantEntitlement(userId: string): Promise<void> {
    await this.transport.publish({
      id: randomUUID(),
      type: 'commerce.entitlement.granted',
      occurredAt: new Date().toISOString(),
      version: 1,
      payload: { entitlementId: randomUUID(), userId, eventId: this.eventId, productId: randomUUID(), kind: 'EVENT_PASS' },
    });
  }

  async openBrowser(): Promise<Browser> {
    this.browser ??= await chromium.launch({
      executablePath: chromiumPath() ?? undefined,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--autoplay-policy=no-user-gesture-required',
        '--disable-features=WebRtcHideLocalIpsWithMdns',
        '--use-gl=angle',
        '--use-angle=swiftshader',
        '--enable-unsafe-swiftshader',
      ],
    });
    return this.browser;
  }

  /** Opens the VR client's venue for the event as this fan (the token handed over in the fragment). */
  async watchInVr(token: string): Promise<Page> {
    const browser = await this.openBrowser();
    const page = await browser.newPage({ viewport: { width: 1024, height: 700 } });
    await page.goto(`${this.platform.vr!.url}/games/${this.eventId}#token=${token}`);
    return page;
  }

  /** Opens the viewer for the feed as this fan; resolves once it is watching. */
  async watch(token: string): Promise<Page> {
    const browser = await this.openBrowser();
    const page = await browser.newPage({ viewport: { width: 1024, height: 576 } });
    // The portal's watch page; the token is handed over in the fragment, as `npm run demo:feed` does.
    const url = `${this.platform.web!.url}/watch/${this.feedId}#token=${token}`;
    await page.goto(url);
    return page;
  }

  async stats(page: Page): Promise<{ framesDecoded: number; codec: string | null; width: number | null; height: number | null }> {
    return page.evaluate(() => (window as unknown as { frontrow: { stats(): Promise<never> } }).frontrow.stats());
  }

  async screenshot(page: Page, name: string, opts: { fullPage?: boolean } = {}): Promise<string> {
    mkdirSync(ARTIFACTS, { recursive: true });
    const file = join(ARTIFACTS, name);
    await page.screenshot({ path: file, fullPage: opts.fullPage });
    return file;
  }

  async stop(): Promise<void> {
    await this.browser?.close().catch(() => undefined);
    await this.source?.stop();
    await this.world?.stop();
    await this.janus?.stop();
    this.net?.destroy();
  }
}
