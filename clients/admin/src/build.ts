import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const ADMIN = join(__dirname, '..');
export const DIST = join(ADMIN, 'dist');
const STAMP = join(DIST, '.source-hash');

/** Every file the bundle is built from: the app, the SDK it imports, the build's settings. */
function inputs(): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((f) => {
      const p = join(dir, f);
      return statSync(p).isDirectory() ? walk(p) : [p];
    });
  const sdk = join(dirname(require.resolve('@frontrow/sdk/package.json')), 'src');
  return [...walk(join(ADMIN, 'src')), ...walk(sdk), join(ADMIN, 'index.html'), join(ADMIN, 'vite.config.ts'), join(ADMIN, 'package.json')].sort();
}

function sourceHash(): string {
  const h = createHash('sha256');
  for (const f of inputs()) h.update(f).update(readFileSync(f));
  return h.digest('hex');
}

/**
 * Builds the dashboard with Vite into dist/, unless dist/ was built from these very
 * sources (then tests and `npm start` start at once); `force` rebuilds anyway.
 */
export async function buildAdmin(opts: { force?: boolean } = {}): Promise<string> {
  const hash = sourceHash();
  if (!opts.force && existsSync(STAMP) && readFileSync(STAMP, 'utf8') === hash) return DIST;
  const vite = join(dirname(require.resolve('vite/package.json')), 'bin', 'vite.js');
  await run(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: ADMIN, maxBuffer: 16 * 1024 * 1024 });
  writeFileSync(STAMP, hash);
  return DIST;
}

if (require.main === module) {
  buildAdmin({ force: process.argv.includes('--force') }).then(
    (dir) => console.log(`built the admin dashboard into ${dir}`),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
