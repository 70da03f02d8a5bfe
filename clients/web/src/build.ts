import { join } from 'node:path';
import { buildApp } from '@frontrow/sdk/serve/app';

export const WEB = join(__dirname, '..');
export const DIST = join(WEB, 'dist');

/**
 * Builds the portal with Vite into dist/, unless dist/ was built from these very
 * sources (tests and `npm start` then start at once). `force` rebuilds anyway.
 */
export function buildWeb(opts: { force?: boolean } = {}): Promise<string> {
  return buildApp(WEB, opts);
}

if (require.main === module) {
  buildWeb({ force: process.argv.includes('--force') }).then(
    (dir) => console.log(`built the web portal into ${dir}`),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
