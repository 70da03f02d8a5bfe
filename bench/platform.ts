import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { READY } from '@frontrow/platform/browser/ready';

export interface PlatformUrls {
  web: string;
  vr: string;
  gateway: string;
}

/**
 * The browser tests' embedded platform (platform/browser/platform-process.ts) in a
 * process of its own: every service, the demo season and sponsor, the web portal and the
 * VR client. Stopped by closing its stdin.
 */
export async function startPlatform(): Promise<{ urls: PlatformUrls; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['-r', '@frontrow/register', join(__dirname, '..', 'platform', 'browser', 'platform-process.ts')], {
    cwd: join(__dirname, '..', 'platform'),
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, LOG_LEVEL: 'warn' },
  });
  let out = '';
  const urls = await new Promise<PlatformUrls>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = new RegExp(`${READY} (.*)\\n`).exec(out);
      if (m) resolve(JSON.parse(m[1]) as PlatformUrls);
    });
    child.once('exit', (code) => reject(new Error(`the platform exited with ${code}`)));
  });
  return {
    urls,
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.stdin!.end();
      await exited;
    },
  };
}
