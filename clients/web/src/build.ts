import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

export const DIST = join(__dirname, '..', 'dist');

/** Bundles the viewer (three.js, janus-gateway) into dist/, with its page and styles. */
export async function buildWeb(): Promise<string> {
  mkdirSync(DIST, { recursive: true });
  await build({
    entryPoints: [join(__dirname, 'viewer.ts')],
    bundle: true,
    format: 'iife',
    target: 'es2022',
    minify: true,
    sourcemap: true,
    outfile: join(DIST, 'viewer.js'),
    logLevel: 'warning',
  });
  for (const f of ['viewer.html', 'viewer.css']) copyFileSync(join(__dirname, f), join(DIST, f));
  return DIST;
}

if (require.main === module) {
  buildWeb().then((dir) => console.log(`built the web client into ${dir}`));
}
