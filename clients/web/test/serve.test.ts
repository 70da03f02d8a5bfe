import { startWeb, type WebHandle } from '../src/serve';

let web: WebHandle;

beforeAll(async () => {
  web = await startWeb({ port: 0, gatewayUrl: 'http://gateway.test:4000/graphql' });
}, 120_000);
afterAll(() => web.stop());

describe('the web portal server', () => {
  it('tells the app where the gateway is, uncached', async () => {
    const res = await fetch(`${web.url}/config.json`);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({ gatewayUrl: 'http://gateway.test:4000/graphql' });
  });

  it('serves the app for every route it owns, so reloads and shared links work', async () => {
    for (const path of ['/', '/events/abc', '/watch/abc', '/party/abc', '/pair', '/account', '/signin']) {
      const res = await fetch(`${web.url}${path}`);
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).toMatch(/<script type="module" crossorigin src="\/assets\/index-[\w-]+\.js"><\/script>/);
    }
  });

  it('keeps three.js and janus-gateway out of the first load: they come with the watch and party pages', async () => {
    const html = await (await fetch(`${web.url}/`)).text();
    const entry = html.match(/src="(\/assets\/index-[\w-]+\.js)"/)![1];
    const res = await fetch(`${web.url}${entry}`);
    expect(res.headers.get('cache-control')).toContain('immutable');
    const js = await res.text();
    expect(js).not.toContain('janus.plugin.streaming');
    expect(js).not.toMatch(/WebGLRenderer/);
    // The player's chunk, named in the entry's map of lazy imports, holds both.
    const chunk = js.match(/assets\/player-view-[\w-]+\.js/)![0];
    const player = await (await fetch(`${web.url}/${chunk}`)).text();
    expect(player).toContain('janus.plugin.streaming');
    expect(player).toMatch(/WebGLRenderer/);
  });

  it('sends the old viewer links to the watch page, and answers a missing asset with 404', async () => {
    const res = await fetch(`${web.url}/viewer.html?event=e1&feed=f1`, { redirect: 'manual' });
    expect(res.status).toBe(301);
    expect(res.headers.get('location')).toBe('/watch/f1');
    expect((await fetch(`${web.url}/assets/nothing-here.js`)).status).toBe(404);
  });
});
