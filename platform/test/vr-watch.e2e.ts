import { eventually, needs } from '@frontrow/kit/testing';
import type { Page } from 'playwright-core';
import { WatchWorld, watchNeeds } from './watch-harness';

interface Hooks {
  stats(): Promise<{ framesDecoded: number; codec: string | null; width: number | null }>;
  look(lon: number, lat: number): void;
  flushTelemetry(): Promise<void>;
  timeToFirstFrame(): number | null;
}

/** The share of a PNG's pixels that are not near-black, and how many distinct colours it has (coarsely), decoded by the browser. */
function picture(page: Page, png: Buffer): Promise<{ painted: number; colours: number }> {
  return page.evaluate(async (b64) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.width;
    c.height = img.height;
    const ctx = c.getContext('2d')!;
    ctx.drawImage(img, 0, 0);
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    let painted = 0;
    const colours = new Set<number>();
    for (let i = 0; i < d.length; i += 4) {
      if (d[i] + d[i + 1] + d[i + 2] > 40) painted++;
      colours.add(((d[i] >> 5) << 6) | ((d[i + 1] >> 5) << 3) | (d[i + 2] >> 5));
    }
    return { painted: painted / (d.length / 4), colours: colours.size };
  }, png.toString('base64'));
}

needs(...watchNeeds()).describe('watching a live 360 feed in the VR client', () => {
  const world = new WatchWorld();

  beforeAll(() => world.start(), 120_000);
  afterAll(() => world.stop(), 60_000);

  it('plays the test source from Janus on the venue\'s sphere and reports its startup time to telemetry', async () => {
    await world.goLive('vp8');
    const fan = await world.fanWithGrant();

    const page = await world.watchInVr(fan.accessToken);
    const sent: Array<{ kind: string; value?: number }> = [];
    page.on('request', (req) => {
      if (req.url().endsWith('/telemetry') && req.method() === 'POST') sent.push(...((req.postDataJSON() as { events: Array<{ kind: string; value?: number }> }).events ?? []));
    });
    const first = await eventually(async () => {
      const s = await page.evaluate(() => (window as unknown as { frontrowVr?: Hooks }).frontrowVr?.stats()).catch(() => undefined);
      return s && s.framesDecoded > 0 ? s : undefined;
    }, 30_000, 200).catch(async (e: Error) => {
      throw new Error(`${e.message}; the page says: ${await page.locator('#status').textContent().catch(() => '?')}`);
    });
    expect(first.codec).toBe('video/VP8');
    await eventually(async () => {
      const s = await page.evaluate(() => (window as unknown as { frontrowVr: Hooks }).frontrowVr.stats());
      return s.framesDecoded >= first.framesDecoded + 30 ? s : undefined;
    }, 15_000, 200);
    await expect(page.locator('#status').textContent()).resolves.toMatch(/Watching from Center court/);

    // Looking up, above the boards: the sphere alone, showing the test pattern's colours.
    await page.evaluate(() => (window as unknown as { frontrowVr: Hooks }).frontrowVr.look(-60, 40));
    await eventually(async () => ((await page.evaluate(() => (window as unknown as { frontrowVr: Hooks }).frontrowVr.timeToFirstFrame())) ?? 0) > 0 || undefined, 10_000, 100);
    const canvas = (await page.locator('.canvas-host canvas').boundingBox())!;
    const shot = await page.screenshot({ clip: { x: canvas.x + canvas.width * 0.1, y: canvas.y + 10, width: canvas.width * 0.8, height: canvas.height * 0.35 } });
    const seen = await picture(page, shot);
    expect(seen.painted).toBeGreaterThan(0.9);
    expect(seen.colours).toBeGreaterThan(8);
    await world.screenshot(page, 'vr-360.png');

    // The startup time goes to telemetry (the gateway's POST /telemetry) with the next batch.
    await page.evaluate(() => (window as unknown as { frontrowVr: Hooks }).frontrowVr.flushTelemetry());
    await eventually(() => sent.find((e) => e.kind === 'STARTUP_TIME'), 10_000, 100);
    expect(sent.find((e) => e.kind === 'STARTUP_TIME')!.value).toBeGreaterThan(0);
  });
});
