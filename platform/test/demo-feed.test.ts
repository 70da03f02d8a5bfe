import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { dataOf, gql as post, need, needs, testSecret, uniqueName } from '@frontrow/kit/testing';
import { RestartableJanus, tokenWorks } from '@frontrow/media/test/helpers';
import { ROOT } from '../src/launch';
import { startTestPlatform, type TestPlatform } from './test-platform';

/**
 * The README's "Watch a test feed locally": `npm run demo:feed` against a running
 * platform with a real Janus, run again and again, and after Janus restarted. The
 * address it prints must carry a fan's token, never the admin's.
 */
needs(need.command('janus'), need.command('ffmpeg')).describe('npm run demo:feed', () => {
  const janus = new RestartableJanus({ adminSecret: testSecret(), streamingAdminKey: testSecret() });
  const admin = { email: `${uniqueName('admin')}@example.com`, password: 'demo-feed-admin-password' };
  const fan = { email: `${uniqueName('fan')}@example.com`, password: 'demo-feed-fan-password' };
  let world: TestPlatform;

  beforeAll(async () => {
    await janus.start();
    world = await startTestPlatform('demofeed', {
      janus: { url: janus.current.url, adminUrl: janus.current.adminUrl, ...janus.keys },
      seedAdmin: admin,
      seedDemo: true,
    });
  }, 120_000);

  afterAll(async () => {
    await world?.stop();
    await janus.stop();
  });

  /** The data of a request to the gateway with `token`; a failure on any error. */
  async function gql<T>(query: string, variables: Record<string, unknown>, token: string): Promise<T> {
    return dataOf(await post<T>(world.platform.gateway.url, query, variables, token));
  }

  /** Runs the script until it prints the viewer's address, then stops it as Ctrl-C would. */
  function demoFeed(): Promise<{ url: URL; output: string }> {
    const child = spawn(process.execPath, ['-r', '@frontrow/register', join(ROOT, 'scripts', 'demo-feed.ts')], {
      cwd: ROOT,
      env: {
        ...process.env,
        LOG_LEVEL: 'silent',
        GATEWAY_URL: world.platform.gateway.url,
        WEB_URL: 'http://127.0.0.1:3999',
        SEED_ADMIN_EMAIL: admin.email,
        SEED_ADMIN_PASSWORD: admin.password,
        DEMO_FAN_EMAIL: fan.email,
        DEMO_FAN_PASSWORD: fan.password,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    return new Promise((resolve, reject) => {
      let url: URL | undefined;
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const m = /Watch it: (\S+)/.exec(output);
        if (m && !url) {
          url = new URL(m[1]);
          child.kill('SIGINT');
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.once('error', reject);
      child.once('exit', (code, signal) => {
        if (url && code === 0) resolve({ url, output });
        else reject(new Error(`demo:feed exited with ${code ?? signal}:\n${output}`));
      });
    });
  }

  async function check(run: { url: URL; output: string }) {
    // The portal's watch page: /watch/<feed id>#token=<the fan's access token>.
    const feedId = /^\/watch\/([\w-]+)$/.exec(run.url.pathname)?.[1];
    expect(feedId).toBeDefined();
    const token = new URLSearchParams(run.url.hash.slice(1)).get('token')!;
    // The address carries the fan, never an admin.
    const { me } = await gql<{ me: { email: string; roles: string[] } }>(`{ me { email roles } }`, {}, token);
    expect(me.email).toBe(fan.email);
    expect(me.roles).not.toContain('ADMIN');
    // The fan may watch the seat, through a pass bought at checkout, and Janus takes the grant.
    const { feed } = await gql<{ feed: { preview: boolean; event: { id: string }; playback: { token: string; mountpointId: string } } }>(
      `query($id: ID!) { feed(id: $id) { preview event { id } playback { token mountpointId } } }`,
      { id: feedId },
      token,
    );
    expect(feed.preview).toBe(false);
    expect(await tokenWorks(janus.current.url, feed.playback.token)).toBe(true);
    expect(await janus.mountpoint(Number(feed.playback.mountpointId))).not.toBeNull();
    const { myOrders } = await gql<{ myOrders: { edges: Array<{ node: { status: string } }> } }>(`{ myOrders(first: 10) { edges { node { status } } } }`, {}, token);
    return { event: feed.event.id, feed: feedId, mountpointId: feed.playback.mountpointId, orders: myOrders.edges.map((e) => e.node.status) };
  }

  it('prints a viewer address with a fan who bought a pass, however often it runs, and after Janus restarted', async () => {
    const first = await check(await demoFeed());
    expect(first.orders).toEqual(['PAID']);

    // Again: the same fan signs in, holds the pass already, the same seat and mountpoint.
    const second = await demoFeed();
    expect(second.output).toMatch(/already holds a pass/);
    expect(await check(second)).toEqual(first);

    // Janus restarted (the README's step 1 again): the demo works without deleting .data.
    await janus.kill();
    await janus.start();
    expect(await check(await demoFeed())).toEqual(first);
  });
});
