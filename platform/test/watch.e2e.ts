import { randomUUID } from 'node:crypto';
import { eventually, needs } from '@frontrow/kit/testing';
import type { Page } from 'playwright-core';
import { WatchWorld, watchNeeds } from './watch-harness';

needs(...watchNeeds()).describe('watching a live 360 feed', () => {
  const world = new WatchWorld();

  beforeAll(() => world.start(), 120_000);
  afterAll(() => world.stop(), 60_000);

  it('streams the test source from Janus to an entitled fan in Chromium, and to nobody else', async () => {
    await world.liveOnce('vp8');
    const fan = await world.signUpFan();
    const PLAYBACK = `query($id: ID!) { feed(id: $id) { playback { janusUrl mountpointId token expiresAt } } }`;

    // Without a pass: FORBIDDEN, no grant.
    const denied = await world.gql<{ feed: { playback: unknown } }>(PLAYBACK, { id: world.feedId }, fan.accessToken);
    expect(denied.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect(denied.data?.feed?.playback ?? null).toBeNull();

    await world.grantEntitlement(fan.userId);
    const grant = await eventually(async () => {
      const r = await world.gql<{ feed: { playback: { token: string; janusUrl: string } | null } }>(PLAYBACK, { id: world.feedId }, fan.accessToken);
      return r.data?.feed?.playback ?? undefined;
    });
    expect(grant.janusUrl).toBe(world.janus.url);

    // A made-up token opens no Janus session, so it gets no video.
    const forged = await fetch(world.janus.url, { method: 'POST', body: JSON.stringify({ janus: 'create', token: randomUUID(), transaction: 'x' }) });
    expect(((await forged.json()) as { janus: string }).janus).toBe('error');

    const page = await world.watch(fan.accessToken);
    const first = await eventually(async () => {
      const s = await world.stats(page).catch(() => undefined);
      return s && s.framesDecoded > 0 ? s : undefined;
    }, 30_000, 200).catch(async (e: Error) => {
      // Say what the viewer got to, so that a failure can be told apart from another.
      const seen = await page
        .evaluate(() => ({
          status: document.getElementById('status')?.textContent,
          phases: (window as unknown as { frontrow?: { phases(): Record<string, number> } }).frontrow?.phases(),
        }))
        .catch(() => null);
      throw new Error(`${e.message}; the viewer: ${JSON.stringify(seen)}; stats: ${JSON.stringify(await world.stats(page).catch(() => null))}`);
    });
    expect(first.codec).toBe('video/VP8');
    expect(first.width).toBe(1280);
    expect(first.height).toBe(640);
    // A frozen frame keeps readyState at 4: frames must keep coming.
    const later = await eventually(async () => {
      const s = await world.stats(page);
      return s.framesDecoded >= first.framesDecoded + 30 ? s : undefined;
    }, 15_000, 200);
    expect(later.framesDecoded).toBeGreaterThan(first.framesDecoded);

    const ttff = await page.evaluate(() => (window as unknown as { frontrow: { timeToFirstFrame(): number | null } }).frontrow.timeToFirstFrame());
    expect(ttff).toBeGreaterThan(0);
    await page.evaluate(() => (window as unknown as { frontrow: { look(lon: number, lat: number): void } }).frontrow.look(30, 10));
    const shot = await world.screenshot(page, 'watch-360.png');
    expect(shot).toMatch(/watch-360\.png$/);
    await page.close();
  });

  it('connects again by itself when Janus is killed during viewing and started again, without a reload', async () => {
    await world.liveOnce('vp8');
    const fan = await world.fanWithGrant();
    const page = await world.watch(fan.accessToken);
    const pageLog: string[] = [];
    page.on('console', (m) => pageLog.push(`${new Date().toISOString().slice(11, 23)} ${m.type()}: ${m.text()}`));
    const playing = (timeoutMs: number) =>
      framesAdvance(page, timeoutMs).catch(async (e: Error) => {
        const statuses = await page.evaluate(() => (window as unknown as { statuses?: string[] }).statuses ?? []).catch(() => []);
        throw new Error(`${e.message}\nits statuses:\n${statuses.join('\n')}\nthe page's console:\n${pageLog.slice(-40).join('\n')}`);
      });
    await playing(20_000);

    // Every status text from now on, in order; and a mark that a reload would wipe.
    await page.evaluate(() => {
      const w = window as unknown as { statuses: string[]; notReloaded: boolean };
      w.notReloaded = true;
      const el = document.getElementById('status')!;
      const at = () => new Date().toISOString().slice(11, 23);
      w.statuses = [`${at()} ${el.textContent ?? ''}`];
      new MutationObserver(() => w.statuses.push(`${at()} ${el.textContent ?? ''}`)).observe(el, { childList: true, characterData: true, subtree: true });
    });

    // The grant queries sent from now on: by this tab, and by one that leaves while trying.
    const asked = { watching: 0, left: 0 };
    let left = false;
    const isGrantQuery = (body: string | null) => /"operationName":"Playback"/.test(body ?? '');
    page.on('request', (r) => void (isGrantQuery(r.postData()) && asked.watching++));

    const killedAt = Date.now();
    await world.killJanus();
    await statusSays(page, /Reconnecting to Center court/, 30_000);
    const noticedMs = Date.now() - killedAt;
    // The fan opens the feed in a second tab while Janus is down: it keeps trying, then the
    // fan leaves it for the event's page (the app's own link, no reload).
    const leaving = await world.watch(fan.accessToken);
    leaving.on('request', (r) => void (isGrantQuery(r.postData()) && left && asked.left++));
    await statusSays(leaving, /^Center court cannot be reached right now\. Trying again…$/, 30_000);
    await leaving.getByRole('link', { name: 'Back to the game' }).click();
    await leaving.waitForURL(/\/events\//);
    left = true;
    await world.screenshot(page, 'watch-reconnecting.png', { fullPage: true });
    // A try made while Janus is down fails and is followed by another (the back-off), not by a final error.
    await eventually(async () => ((await watchStatus(page))?.attempt ?? 0) >= 2 || undefined, 20_000, 100);
    expect(await page.locator('#status').textContent()).toMatch(/Reconnecting to Center court/);

    // Janus is back, empty, on the same ports: media recreates the mountpoint and re-adds
    // tokens; the player gets the picture back by itself.
    await world.startJanusAgain();
    const backAt = Date.now();
    // Bound: media's probe (5 s) and reconciliation, then at most one wait at the back-off's cap (10 s), with a margin.
    await playing(45_000);
    const resumedMs = Date.now() - backAt;
    await statusSays(page, /^Watching Center court\. Drag to look around\.$/, 5_000);

    const seen = await page.evaluate(() => {
      const w = window as unknown as { statuses: string[]; notReloaded?: boolean };
      return { statuses: w.statuses.map((t) => t.slice(13)), notReloaded: w.notReloaded };
    });
    expect(seen.notReloaded).toBe(true);
    const reconnecting = seen.statuses.findIndex((t) => /Reconnecting to Center court/.test(t));
    expect(reconnecting).toBeGreaterThan(0);
    expect(seen.statuses[0]).toMatch(/^Watching Center court/);
    expect(seen.statuses.slice(reconnecting).some((t) => /^Watching Center court/.test(t))).toBe(true);
    // Nothing final on the way.
    expect(seen.statuses.filter((t) => !/^(Watching|Lost the picture\. Reconnecting to) Center court/.test(t))).toEqual([]);
    // Meanwhile the tab that stayed asked the graph for its grant at each try; the one that left, never again.
    expect(asked.watching).toBeGreaterThanOrEqual(2);
    expect(asked.left).toBe(0);
    console.log(`Janus killed during viewing, in Chromium: "reconnecting" shown ${noticedMs} ms after the kill; the picture back ${resumedMs} ms after Janus answered again`);
  });
});

/** Resolves once the status text (role status) matches. */
async function statusSays(page: Page, text: RegExp, timeoutMs: number): Promise<void> {
  await eventually(async () => text.test((await page.locator('#status').textContent()) ?? '') || undefined, timeoutMs, 100).catch(async (e: Error) => {
    throw new Error(`${e.message}; waiting for ${text}, the page says: ${await page.locator('#status').textContent().catch(() => '?')}`);
  });
}

/** The player's status object (window.frontrow.watchStatus). */
function watchStatus(page: Page): Promise<{ kind: string; attempt?: number } | null> {
  return page.evaluate(() => (window as unknown as { frontrow: { watchStatus(): { kind: string; attempt?: number } | null } }).frontrow.watchStatus());
}

/** Resolves once the video has decoded frames and 30 more after that (a frozen frame does not count). */
async function framesAdvance(page: Page, timeoutMs: number): Promise<void> {
  const stats = () => page.evaluate(() => (window as unknown as { frontrow: { stats(): Promise<{ framesDecoded: number }> } }).frontrow.stats());
  const explain = async (e: Error, what: string) => {
    const status = await page.locator('#status').textContent().catch(() => '?');
    const player = await watchStatus(page).catch(() => null);
    const now = await stats().catch(() => null);
    return new Error(`${e.message} (${what}); the page says: ${status}; the player: ${JSON.stringify(player)}; stats: ${JSON.stringify(now)}`);
  };
  const first = await eventually(async () => {
    const s = await stats().catch(() => undefined);
    return s && s.framesDecoded > 0 ? s : undefined;
  }, timeoutMs, 200).catch(async (e: Error) => {
    throw await explain(e, 'waiting for a first frame');
  });
  await eventually(async () => ((await stats()).framesDecoded >= first.framesDecoded + 30 ? true : undefined), 15_000, 200).catch(async (e: Error) => {
    throw await explain(e, `waiting for 30 frames after ${first.framesDecoded}`);
  });
}
