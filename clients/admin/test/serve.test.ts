import { startAdmin, type AdminHandle } from '../src/serve';

let admin: AdminHandle;

beforeAll(async () => {
  admin = await startAdmin({ port: 0, gatewayUrl: 'http://gateway.test:4000/graphql' });
}, 120_000);
afterAll(() => admin.stop());

describe('the admin dashboard server', () => {
  it('tells the app where the gateway is, uncached, and inlines it in the page', async () => {
    const res = await fetch(`${admin.url}/config.json`);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({ gatewayUrl: 'http://gateway.test:4000/graphql' });
    const html = await (await fetch(`${admin.url}/`)).text();
    expect(html).toContain('<script id="frontrow-config" type="application/json">{"gatewayUrl":"http://gateway.test:4000/graphql"}</script>');
  });

  it('serves the app for every route it owns, refuses to be framed, and sends no referrer', async () => {
    for (const path of ['/', '/events', '/sales', '/creatives', '/moderation', '/qos', '/audit', '/anything']) {
      const res = await fetch(`${admin.url}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('content-security-policy')).toBe("frame-ancestors 'none'");
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(await res.text()).toMatch(/<script type="module" crossorigin src="\/assets\/index-[\w-]+\.js"><\/script>/);
    }
  });

  it('keeps uPlot out of the first load: it comes with the QoS page', async () => {
    const html = await (await fetch(`${admin.url}/`)).text();
    const entry = html.match(/src="(\/assets\/index-[\w-]+\.js)"/)![1];
    const res = await fetch(`${admin.url}${entry}`);
    expect(res.headers.get('cache-control')).toContain('immutable');
    const js = await res.text();
    expect(js).not.toContain('u-legend');
    const chunk = js.match(/assets\/qos-[\w-]+\.js/)![0];
    expect(await (await fetch(`${admin.url}/${chunk}`)).text()).toContain('u-legend');
    expect((await fetch(`${admin.url}/assets/nothing-here.js`)).status).toBe(404);
  });
});
