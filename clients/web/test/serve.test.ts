import { startWeb, type WebHandle } from '../src/serve';

let web: WebHandle;

beforeAll(async () => {
  web = await startWeb({ port: 0, gatewayUrl: 'http://gateway.test:4000/graphql' });
}, 60_000);
afterAll(() => web.stop());

describe('the web client server', () => {
  it('tells the viewer where the gateway is', async () => {
    const res = await fetch(`${web.url}/config.json`);
    expect(await res.json()).toEqual({ gatewayUrl: 'http://gateway.test:4000/graphql' });
  });

  it('serves the viewer page and its bundle, with three.js and janus-gateway inside', async () => {
    const page = await (await fetch(`${web.url}/`)).text();
    expect(page).toContain('<script src="viewer.js"></script>');
    const bundle = await fetch(`${web.url}/viewer.js`);
    expect(bundle.status).toBe(200);
    const js = await bundle.text();
    expect(js).toContain('janus.plugin.streaming');
    expect(js).toMatch(/WebGLRenderer|THREE/);
    expect((await fetch(`${web.url}/viewer.css`)).status).toBe(200);
  });
});
