import type { Page } from '@playwright/test';
import { expect, expectAccessible, gql, newFan, signUp, snap, test, usePlatform, type Urls } from './fixtures';

/**
 * The VR client (clients/vr) in Chromium with SwiftShader: pairing a headset end to end
 * through the web portal's /pair, the lobby, the venue with the demo sponsor's boards
 * (pixel-checked) and their impressions sent to telemetry, and WebXR through Meta's
 * emulator (`iwer`, injected into the page by the test only): Enter VR, two views, a
 * controller choosing a seat for the party, a reaction floating up.
 */
const platform = usePlatform();

/** What the VR client's game page exposes to tests (`window.frontrowVr`, clients/vr/src/pages/game.tsx). */
interface VrHooks {
  look(lon: number, lat: number): void;
  boards(): Array<{ surface: string; placementId: string | null; painted: boolean; rect: { x: number; y: number; w: number; h: number } | null }>;
  seats(): Array<{ id: string; label: string; x: number; y: number; z: number }>;
  reactions(): string[];
  xr(): { presenting: boolean; views: number; xrFrames: number };
  impressions(): string[];
  feed(): string | null;
  flushTelemetry(): Promise<void>;
}
declare global {
  interface Window {
    frontrowVr?: VrHooks;
  }
}
const IWER = require.resolve('iwer/build/iwer.min.js');
const LIVE_GAME = 'Boston Harbors vs Chicago Gales';

/** A fan made over the API, with a pass to the live demo game when asked. */
async function fanWithPass(urls: Urls, name: string, pass = true): Promise<{ token: string; displayName: string; eventId: string }> {
  const fan = newFan(name);
  const { signUp: session } = await gql<{ signUp: { accessToken: string } }>(urls, 'mutation($i: SignUpInput!) { signUp(input: $i) { accessToken } }', { i: fan });
  const { events } = await gql<{ events: { edges: Array<{ node: { id: string; products: Array<{ id: string }> } }> } }>(
    urls,
    '{ events(filter: { status: LIVE, search: "Harbors vs Chicago" }, first: 1) { edges { node { id products { id } } } } }',
  );
  const event = events.edges[0].node;
  if (pass) {
    await gql(urls, 'mutation($i: CheckoutInput!) { checkout(input: $i) { id } }', { i: { productId: event.products[0].id, quantity: 1, idempotencyKey: `vr-${fan.email}` } }, session.accessToken);
    // The test payment provider settles by webhook: wait for the entitlement.
    await expect
      .poll(async () => (await gql<{ event: { viewerEntitlement: { id: string } | null } }>(urls, 'query($id: ID!) { event(id: $id) { viewerEntitlement { id } } }', { id: event.id }, session.accessToken)).event.viewerEntitlement, {
        timeout: 20_000,
      })
      .not.toBeNull();
  }
  return { token: session.accessToken, displayName: fan.displayName, eventId: event.id };
}

/**
 * The share of an image's pixels that are not the clear colour (nor the black of a
 * sphere without video), and its mean colour: decoded by the browser (a PNG screenshot
 * as data, or an image's URL).
 */
async function pixels(page: Page, src: string): Promise<{ painted: number; mean: [number, number, number] }> {
  return page.evaluate(async (src) => {
    const img = new Image();
    img.crossOrigin = 'anonymous';
    img.src = src;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.naturalWidth;
    c.height = img.naturalHeight;
    const ctx = c.getContext('2d')!;
    ctx.drawImage(img, 0, 0);
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    let painted = 0;
    const sum = [0, 0, 0];
    for (let i = 0; i < d.length; i += 4) {
      if (d[i] + d[i + 1] + d[i + 2] > 40) painted++;
      for (let k = 0; k < 3; k++) sum[k] += d[i + k];
    }
    const n = d.length / 4;
    return { painted: painted / n, mean: [sum[0] / n, sum[1] / n, sum[2] / n] as [number, number, number] };
  }, src);
}

test('a headset shows a pairing code, the fan approves it on the web portal, and the headset reaches the lobby signed in', async ({ browser }) => {
  const urls = platform();
  const headset = await (await browser.newContext()).newPage();
  await headset.goto(urls.vr);
  const code = headset.getByRole('status', { name: 'Pairing code' });
  await expect(code).toHaveText(/^[A-Z]{4}-[A-Z]{4}$/);
  const userCode = (await code.textContent())!;
  await expectAccessible(headset, 'vr /: pairing');
  await snap(headset, 'vr-pairing');

  // The fan, on their phone: the address the headset shows, signed in, the code filled in.
  const phone = await (await browser.newContext()).newPage();
  const fan = await signUp(phone, urls, 'Owner');
  const link = await headset.getByRole('link', { name: `${urls.web}/pair` }).getAttribute('href');
  await phone.goto(link!);
  await expect(phone.getByLabel('Code')).toHaveValue(userCode);
  await phone.getByRole('button', { name: 'Approve' }).click();
  await expect(phone.getByRole('status')).toHaveText(/Paired (VR browser|Meta Quest headset)/);

  // The headset's next poll brings the fan's session: the lobby, as them.
  await expect(headset.getByRole('heading', { name: 'Lobby' })).toBeVisible({ timeout: 20_000 });
  await expect(headset.getByText(`Signed in as ${fan.displayName}`)).toBeVisible();
  await expect(headset.getByRole('region', { name: 'Live now' }).getByRole('link', { name: LIVE_GAME })).toBeVisible();
  // The session is the headset's own: it survives a reload, and the device is on the fan's account.
  await headset.reload();
  await expect(headset.getByRole('heading', { name: 'Lobby' })).toBeVisible();
  await phone.getByRole('link', { name: 'Account' }).click();
  await expect(phone.getByRole('region', { name: 'Devices' }).getByText(/VR browser|Meta Quest headset/)).toBeVisible();
  // Unpairing goes back to a new code.
  await headset.getByRole('button', { name: 'Unpair this headset' }).click();
  await expect(headset.getByRole('status', { name: 'Pairing code' })).toHaveText(/^[A-Z]{4}-[A-Z]{4}$/);
});

test('the lobby lists games by title with the fan\'s passes marked; the venue paints the demo sponsor\'s boards and counts their impressions', async ({ page }) => {
  const urls = platform();
  const fan = await fanWithPass(urls, 'Lobbyist');
  await page.goto(`${urls.vr}/#token=${fan.token}`);
  await expect(page.getByRole('heading', { name: 'Lobby' })).toBeVisible();
  const live = page.getByRole('region', { name: 'Live now' }).getByRole('article', { name: LIVE_GAME });
  await expect(live.getByText('You have a pass')).toBeVisible();
  // A game without a pass says where to buy one: the web portal, not the headset.
  const upcoming = page.getByRole('region', { name: 'Upcoming' }).getByRole('article').first();
  await expect(upcoming.getByText('Passes are sold on the web')).toBeVisible();
  await expect(upcoming.getByRole('link', { name: new RegExp(`^${urls.web}/events/`) })).toBeVisible();
  await expectAccessible(page, 'vr /: lobby');
  await snap(page, 'vr-lobby');

  // Impressions go to the gateway's POST /telemetry in batches.
  const batches: Array<{ events: Array<{ kind: string; placementId?: string }>; accepted: number }> = [];
  page.on('response', async (res) => {
    if (!res.url().endsWith('/telemetry') || res.request().method() !== 'POST') return;
    const body = res.request().postDataJSON() as { events: Array<{ kind: string; placementId?: string }> };
    if (body.events.length) batches.push({ events: body.events, accepted: ((await res.json()) as { accepted: number }).accepted });
  });

  await live.getByRole('link', { name: LIVE_GAME }).click();
  await expect(page.getByRole('heading', { level: 1, name: LIVE_GAME })).toBeVisible();
  await expect(page.getByRole('group', { name: 'Seats' }).getByRole('button', { name: 'Center court' })).toHaveAttribute('aria-pressed', 'true');
  // No Janus in this platform: the page says so in words.
  await expect(page.locator('#status')).toHaveText(/not live right now|cannot be reached|could not start/);

  const { event } = await gql<{ event: { adManifest: { placements: Array<{ id: string; surface: string; asset: { url: string } }> } } }>(
    urls,
    'query($id: ID!) { event(id: $id) { adManifest { placements { id surface asset { url } } } } }',
    { id: fan.eventId },
  );
  const placed = new Map(event.adManifest.placements.map((p) => [p.surface, p.id]));
  const images = new Map(event.adManifest.placements.map((p) => [p.surface, p.asset.url]));
  await expect.poll(() => page.evaluate(() => window.frontrowVr!.boards().filter((b) => b.painted).length)).toBe(5);
  const boards = await page.evaluate(() => window.frontrowVr!.boards());
  for (const b of boards) expect(b.placementId).toBe(placed.get(b.surface));

  // Facing north: the jumbotron and the north board are in view, painted with the sponsor's images.
  const canvas = page.locator('canvas').first();
  const box = (await canvas.boundingBox())!;
  const seen = boards.filter((b) => b.rect);
  expect(seen.map((b) => b.surface).sort()).toEqual(['BOARD_NORTH', 'JUMBOTRON']);
  for (const b of seen) {
    const r = b.rect!;
    const png = await page.screenshot({ clip: { x: box.x + r.x + r.w * 0.1, y: box.y + r.y + r.h * 0.15, width: r.w * 0.8, height: r.h * 0.7 } });
    const shown = await pixels(page, `data:image/png;base64,${png.toString('base64')}`);
    expect(shown.painted, `${b.surface} is painted, not the clear colour`).toBeGreaterThan(0.95);
    // Its colours are the sponsor's image's (on average: the board shows it smaller than it is).
    const image = await pixels(page, images.get(b.surface)!);
    for (let k = 0; k < 3; k++) expect(Math.abs(shown.mean[k] - image.mean[k]), `${b.surface}'s colour ${shown.mean} is its image's ${image.mean}`).toBeLessThan(40);
  }
  await snap(page, 'vr-venue');
  await expectAccessible(page, 'vr /games/:id');

  // A second in view counts one impression per board; the batch reaches telemetry.
  await expect.poll(() => page.evaluate(() => window.frontrowVr!.impressions().sort()), { timeout: 10_000 }).toEqual([placed.get('BOARD_NORTH'), placed.get('JUMBOTRON')].sort());
  await page.evaluate(() => window.frontrowVr!.flushTelemetry());
  await expect.poll(() => batches.flatMap((b) => b.events.filter((e) => e.kind === 'IMPRESSION').map((e) => e.placementId)).sort()).toEqual(
    [placed.get('BOARD_NORTH'), placed.get('JUMBOTRON')].sort(),
  );
  expect(batches.every((b) => b.accepted === b.events.length)).toBe(true);
  // Turned to the east, that board comes into view and counts; the others do not count again.
  await page.evaluate(() => window.frontrowVr!.look(0, -8));
  await expect.poll(() => page.evaluate(() => window.frontrowVr!.impressions().length), { timeout: 10_000 }).toBe(3);
  expect(await page.evaluate(() => window.frontrowVr!.impressions()[2])).toBe(placed.get('BOARD_EAST'));
});

test('in WebXR (emulated): Enter VR starts immersive-vr with two views, a controller picks the party\'s seat, a reaction floats up', async ({ browser }) => {
  const urls = platform();
  const fan = await fanWithPass(urls, 'Immersed');
  const friend = await fanWithPass(urls, 'Friend', false);
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  // The emulator, in this page only: a Meta Quest 3 in stereo, in place of Chromium's own (absent) XR.
  await page.addInitScript({ path: IWER });
  await page.addInitScript(() => {
    const iwer = (window as unknown as { IWER: { XRDevice: new (c: unknown) => { stereoEnabled: boolean; installRuntime(o: object): void }; metaQuest3: unknown } }).IWER;
    const device = new iwer.XRDevice(iwer.metaQuest3);
    device.stereoEnabled = true;
    device.installRuntime({ forceInstall: true });
    // Which sessions the page asks for.
    const xr = (navigator as unknown as { xr: { requestSession(mode: string, init?: unknown): Promise<unknown> } }).xr;
    const request = xr.requestSession.bind(xr);
    const modes: string[] = [];
    xr.requestSession = (mode: string, init?: unknown) => {
      modes.push(mode);
      return request(mode, init);
    };
    Object.assign(window, { xrDevice: device, xrModes: modes });
  });
  await page.goto(`${urls.vr}/games/${fan.eventId}#token=${fan.token}`);
  await page.getByRole('button', { name: 'Start a party' }).click();
  await expect(page).toHaveURL(/\?party=/);
  const partyId = new URL(page.url()).searchParams.get('party')!;
  const invite = (await page.locator('.party code').textContent())!;
  await gql(urls, 'mutation($c: String!) { joinParty(inviteCode: $c) { id } }', { c: invite }, friend.token);
  // Reloaded, the party is as the server has it, the friend in it.
  await page.reload();
  await expect(page.getByRole('list', { name: 'Members' })).toContainText(friend.displayName);
  // The host has the playback controls, on the page and on the panel.
  await expect(page.getByRole('group', { name: 'Playback controls' })).toBeVisible();

  const enter = page.getByRole('button', { name: 'Enter VR' });
  await expect(enter).toBeVisible();
  await enter.click();
  await expect.poll(() => page.evaluate(() => window.frontrowVr!.xr().presenting)).toBe(true);
  expect(await page.evaluate(() => (window as unknown as { xrModes: string[] }).xrModes)).toEqual(['immersive-vr']);
  const before = await page.evaluate(() => window.frontrowVr!.xr().xrFrames);
  await expect.poll(() => page.evaluate(() => window.frontrowVr!.xr().xrFrames)).toBeGreaterThan(before + 10);
  expect(await page.evaluate(() => window.frontrowVr!.xr().views)).toBe(2);

  // The right controller points at the seat "Under the basket" on the seat map, and selects.
  const target = (await page.evaluate(() => window.frontrowVr!.seats())).find((s) => s.label === 'Under the basket')!;
  await page.evaluate(async (t) => {
    type Vec = { x: number; y: number; z: number; set(x: number, y: number, z: number, w?: number): void };
    const device = (window as unknown as { xrDevice: { position: Vec; controllers: { right: { position: Vec; quaternion: Vec; updateButtonValue(id: string, v: number): void } } } }).xrDevice;
    const c = device.controllers.right;
    // The scene's 'local' space starts at the headset's pose: the emulator's coordinates are that plus the head's height.
    const head = device.position;
    const from = { x: head.x + 0.2, y: head.y - 0.2, z: head.z - 0.3 };
    c.position.set(from.x, from.y, from.z);
    const to = { x: t.x + head.x, y: t.y + head.y, z: t.z + head.z };
    const d = { x: to.x - from.x, y: to.y - from.y, z: to.z - from.z };
    const len = Math.hypot(d.x, d.y, d.z);
    const b = { x: d.x / len, y: d.y / len, z: d.z / len };
    // The rotation taking -Z (where a controller points) to b: (-Z × b, 1 + -Z·b), normalised.
    const q = { x: b.y, y: -b.x, z: 0, w: 1 - b.z };
    const qn = Math.hypot(q.x, q.y, q.z, q.w);
    c.quaternion.set(q.x / qn, q.y / qn, q.z / qn, q.w / qn);
    const frames = (n: number) => new Promise<void>((r) => {
      let k = 0;
      const step = () => (++k >= n ? r() : requestAnimationFrame(step));
      requestAnimationFrame(step);
    });
    await frames(5);
    c.updateButtonValue('trigger', 1);
    await frames(5);
    c.updateButtonValue('trigger', 0);
  }, target);
  await expect.poll(() => page.evaluate(() => window.frontrowVr!.feed()), { timeout: 10_000 }).toBe(target.id);
  // A party's seat is the party's: everyone's playback moved with it (SWITCH_FEED).
  const { party } = await gql<{ party: { playback: { feed: { id: string } } } }>(urls, 'query($id: ID!) { party(id: $id) { playback { feed { id } } } }', { id: partyId }, friend.token);
  expect(party.playback.feed.id).toBe(target.id);
  await expect(page.getByRole('group', { name: 'Seats' }).getByRole('button', { name: 'Under the basket' })).toHaveAttribute('aria-pressed', 'true');

  // The friend cheers through the gateway: the reaction floats up in the headset's view.
  await gql(urls, 'mutation($p: ID!) { react(partyId: $p, emoji: "🎉") }', { p: partyId }, friend.token);
  await expect.poll(() => page.evaluate(() => window.frontrowVr!.reactions())).toContain(`Cheer from ${friend.displayName}`);
  await snap(page, 'vr-immersive');
  await context.close();
});
