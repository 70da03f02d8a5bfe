import { readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { freePort } from '@frontrow/kit';
import { need, needs } from '@frontrow/kit/testing';
import { janusLibDir, launchJanus, renderJanusConfig, type RunningJanus } from '../src/janus';
import { launcherOptions, launcherReport } from '../src/launcher';
import { testSourceArgs } from '../src/test-source';

/** Janus installed (its modules found), or why not. */
const noJanus = (() => {
  try {
    janusLibDir();
    return null;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
})();
const withJanus = needs(need.that(`Janus installed (${noJanus ?? 'found'})`, noJanus === null));

/** Does anything accept a TCP connection at host:port? */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

withJanus.describe('the rendered Janus configuration', () => {
  it('fills every placeholder and keeps token auth, the admin key and the chosen interfaces', () => {
    const dir = renderJanusConfig({
      httpPort: 18088,
      adminPort: 17088,
      wsPort: 18188,
      httpIp: '198.51.100.2',
      adminSecret: 'admin-secret-1',
      streamingAdminKey: 'streaming-key-1',
      iceEnforce: 'frn0',
    });
    try {
      const read = (f: string) => readFileSync(join(dir, f), 'utf8');
      for (const f of ['janus.jcfg', 'janus.transport.http.jcfg', 'janus.transport.websockets.jcfg', 'janus.plugin.streaming.jcfg']) {
        expect(read(f)).not.toMatch(/\{\{/);
      }
      const main = read('janus.jcfg');
      expect(main).toMatch(/token_auth = true/);
      expect(main).toMatch(/admin_secret = "admin-secret-1"/);
      expect(main).toMatch(/ice_enforce_list = "frn0"/);
      expect(read('janus.plugin.streaming.jcfg')).toMatch(/admin_key = "streaming-key-1"/);
      const http = read('janus.transport.http.jcfg');
      expect(http).toMatch(/port = 18088/);
      expect(http).toMatch(/ip = "198.51.100.2"/);
      expect(http).toMatch(/admin_port = 17088/);
      expect(http).toMatch(/admin_ip = "127.0.0.1"/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the local launcher\'s settings (npm run janus)', () => {
  const secrets = { JANUS_ADMIN_SECRET: 'admin-secret-0123456789', JANUS_STREAMING_ADMIN_KEY: 'streaming-key-0123456789' };

  it('listens on loopback by default, and the Admin API on loopback whatever is asked', () => {
    expect(launcherOptions({ ...secrets })).toMatchObject({ httpIp: '127.0.0.1', adminIp: '127.0.0.1', httpPort: 8088, adminPort: 7088, wsPort: 8188 });
    expect(launcherOptions({ ...secrets, JANUS_BIND_ADDRESS: '0.0.0.0' })).toMatchObject({ httpIp: '0.0.0.0', adminIp: '127.0.0.1' });
    expect(launcherOptions({ ...secrets, JANUS_BIND_ADDRESS: '192.0.2.7' })).toMatchObject({ httpIp: '192.0.2.7', adminIp: '127.0.0.1' });
  });

  it('stops with a message naming a malformed or retired setting', () => {
    expect(() => launcherOptions({ JANUS_BIND_ADDRESS: 'my-laptop.local' })).toThrow(/JANUS_BIND_ADDRESS must be an IP address/);
    expect(() => launcherOptions({ JANUS_HTTP_IP: '0.0.0.0' })).toThrow(/JANUS_HTTP_IP .*JANUS_BIND_ADDRESS/);
    expect(() => launcherOptions({ JANUS_HTTP_PORT: 'eighty' })).toThrow(/JANUS_HTTP_PORT/);
    expect(() => launcherOptions({ JANUS_ADMIN_SECRET: 'has "quotes" in it' })).toThrow(/JANUS_ADMIN_SECRET/);
  });

  it('makes up the secrets when none are given, and says who can reach what', () => {
    const made = launcherOptions({});
    expect(made.adminSecret).toMatch(/^[0-9a-f]{32}$/);
    expect(made.streamingAdminKey).not.toBe(made.adminSecret);
    const local = launcherReport(made, { url: 'http://127.0.0.1:8088/janus', adminUrl: 'http://127.0.0.1:7088/admin' }).join('\n');
    expect(local).toContain(`export JANUS_ADMIN_SECRET=${made.adminSecret}`);
    expect(local).toMatch(/Janus API on 127\.0\.0\.1:8088 .*WebSocket on 127\.0\.0\.1:8188 \(loopback only\)/);
    expect(local).toMatch(/Admin API on 127\.0\.0\.1:7088 \(loopback only, always\)/);
    expect(local).toMatch(/JANUS_BIND_ADDRESS=0\.0\.0\.0/);
    const lan = launcherReport(launcherOptions({ JANUS_BIND_ADDRESS: '192.0.2.7' }), { url: 'http://192.0.2.7:8088/janus', adminUrl: 'http://127.0.0.1:7088/admin' }).join('\n');
    expect(lan).toContain('export JANUS_PUBLIC_URL=http://192.0.2.7:8088/janus');
    expect(lan).toMatch(/Admin API on 127\.0\.0\.1:7088/);
  });
});

withJanus.describe('the local launcher\'s Janus', () => {
  let janus: RunningJanus | undefined;
  afterEach(async () => {
    await janus?.stop();
    janus = undefined;
  });

  async function launch(env: Record<string, string>): Promise<RunningJanus & { ports: number[] }> {
    const ports = { JANUS_HTTP_PORT: String(await freePort()), JANUS_ADMIN_PORT: String(await freePort()), JANUS_WS_PORT: String(await freePort()) };
    const options = launcherOptions({ ...env, ...ports });
    const dir = renderJanusConfig(options);
    try {
      const http = readFileSync(join(dir, 'janus.transport.http.jcfg'), 'utf8');
      const ws = readFileSync(join(dir, 'janus.transport.websockets.jcfg'), 'utf8');
      expect(http).toMatch(new RegExp(`\\bip = "${options.httpIp}"`));
      expect(ws).toMatch(new RegExp(`ws_ip = "${options.httpIp}"`));
      expect(http).toMatch(/admin_ip = "127\.0\.0\.1"/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    janus = await launchJanus({ ...options, debugLevel: 1 });
    return Object.assign(janus, { ports: [options.httpPort, options.wsPort, options.adminPort] });
  }

  // 127.0.0.2 is this machine too, but not the address a loopback-bound server listens on:
  // a server reachable there listens on more than loopback.
  it('serves the Janus API, its WebSocket and the Admin API on loopback only by default', async () => {
    const j = await launch({});
    const [http, ws, admin] = j.ports;
    expect(j.url).toBe(`http://127.0.0.1:${http}/janus`);
    for (const port of [http, ws, admin]) {
      expect(await accepts('127.0.0.1', port)).toBe(true);
      expect(await accepts('127.0.0.2', port)).toBe(false);
    }
  });

  it('opens the Janus API and its WebSocket to other addresses with JANUS_BIND_ADDRESS, never the Admin API', async () => {
    const j = await launch({ JANUS_BIND_ADDRESS: '0.0.0.0' });
    const [http, ws, admin] = j.ports;
    expect(await accepts('127.0.0.2', http)).toBe(true);
    expect(await accepts('127.0.0.2', ws)).toBe(true);
    expect(await accepts('127.0.0.2', admin)).toBe(false);
    expect((await fetch(`http://127.0.0.2:${http}/janus/info`)).ok).toBe(true);
  });
});

describe('the 360 test source', () => {
  it('sends VP8 or H.264 on payload type 96 and Opus on 111 to the mountpoint ports', () => {
    const vp8 = testSourceArgs({ host: '198.51.100.2', videoPort: 20000, audioPort: 20001 }).join(' ');
    expect(vp8).toContain('-c:v libvpx');
    expect(vp8).toMatch(/-payload_type 96 rtp:\/\/198\.51\.100\.2:20000/);
    expect(vp8).toMatch(/-c:a libopus .* -payload_type 111 rtp:\/\/198\.51\.100\.2:20001/);
    expect(vp8).toContain('testsrc2=size=1280x640');
    const h264 = testSourceArgs({ host: 'h', videoPort: 1, audioPort: 2, codec: 'h264', width: 1920 }).join(' ');
    expect(h264).toContain('-c:v libx264');
    expect(h264).toContain('size=1920x960');
  });
});
