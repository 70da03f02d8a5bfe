import { join } from 'node:path';
import { buildApp } from '@frontrow/sdk/serve/app';

export const VR = join(__dirname, '..');
export const DIST = join(VR, 'dist');

/** Builds the VR client with Vite into dist/, unless dist/ was built from these very sources; `force` rebuilds anyway. */
export function buildVr(opts: { force?: boolean } = {}): Promise<string> {
  return buildApp(VR, opts);
}

if (require.main === module) {
  buildVr({ force: process.argv.includes('--force') }).then(
    (dir) => console.log(`built the VR client into ${dir}`),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
