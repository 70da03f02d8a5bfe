import { startVr, type VrHandle } from '../src/serve';

let vr: VrHandle;

beforeAll(async () => {
  vr = await startVr({ port: 0, gatewayUrl: 'http://gateway.test:4000/graphql', webUrl: 'http://web.test:3000' });
}, 120_000);
afterAll(() => vr.stop());

describe('the VR client server', () => {
  it('tells the app where the gateway and the web portal are, in the page and at /config.json', async () => {
    const res = await fetch(`${vr.url}/config.json`);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({ gatewayUrl: 'http://gateway.test:4000/graphql', webUrl: 'http://web.test:3000' });
    const html = await (await fetch(`${vr.url}/`)).text();
    expect(html).toContain('<script id="frontrow-config" type="application/json">{"gatewayUrl":"http://gateway.test:4000/graphql","webUrl":"http://web.test:3000"}</script>');
    expect(await (await fetch(`${vr.url}/health`)).json()).toEqual({ status: 'ok', service: 'vr' });
  });

  it('serves the app for its routes, so a reload in the headset works', async () => {
    for (const path of ['/', '/games/abc', '/games/abc?party=p1']) {
      const res = await fetch(`${vr.url}${path}`);
      expect(res.status).toBe(200);
      expect(await res.text()).toMatch(/<script type="module" crossorigin src="\/assets\/index-[\w-]+\.js"><\/script>/);
    }
  });

  it('keeps three.js, janus-gateway and WebXR out of what loads before the lobby: they come with a game', async () => {
    const html = await (await fetch(`${vr.url}/`)).text();
    const entry = html.match(/src="(\/assets\/index-[\w-]+\.js)"/)![1];
    const res = await fetch(`${vr.url}${entry}`);
    expect(res.headers.get('cache-control')).toContain('immutable');
    const js = await res.text();
    expect(js).not.toContain('janus.plugin.streaming');
    expect(js).not.toMatch(/WebGLRenderer/);
    expect(js).not.toContain('immersive-vr');
    const chunk = js.match(/game-[\w-]+\.js/)![0];
    const game = await (await fetch(`${vr.url}/assets/${chunk}`)).text();
    expect(game).toContain('janus.plugin.streaming');
    expect(game).toContain('immersive-vr');
  });
});
