import { randomUUID } from 'node:crypto';
import { eventually, needs } from '@frontrow/kit/testing';
import { WatchWorld, watchNeeds } from './watch-harness';

needs(...watchNeeds()).describe('watching a live 360 feed', () => {
  const world = new WatchWorld();

  beforeAll(() => world.start(), 120_000);
  afterAll(() => world.stop(), 60_000);

  it('streams the test source from Janus to an entitled fan in Chromium, and to nobody else', async () => {
    await world.goLive('vp8');
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
  });
});
