import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { renderJanusConfig } from '../src/janus';
import { testSourceArgs } from '../src/test-source';

const hasJanus = (() => {
  try {
    renderJanusConfig({ httpPort: 1, adminPort: 2, wsPort: 3, adminSecret: 'a', streamingAdminKey: 'b' });
    return true;
  } catch {
    return false;
  }
})();

(hasJanus ? describe : describe.skip)(hasJanus ? 'the rendered Janus configuration' : 'the rendered Janus configuration (needs Janus installed)', () => {
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
