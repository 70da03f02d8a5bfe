import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** The first executable called `name` on PATH, or null. */
function onPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not here
    }
  }
  return null;
}

/** Whether these tests run in CI: `CI` set to anything but empty, `0` or `false`. */
export function isCi(): boolean {
  const v = process.env.CI?.trim().toLowerCase();
  return v !== undefined && v !== '' && v !== '0' && v !== 'false';
}

/*
 * isCi and onPath repeat the kit's (subgraphs/kit/src/needs.ts): its package exports only
 * `.`, `./testing` and `./config`, which load the whole kit, and Playwright's runner
 * compiles what it imports with Babel, which does not handle the kit's decorators.
 */

/**
 * What the browser tests need: Debian's chromium (or CHROMIUM_PATH). The same rule as
 * the kit's `needs()` for Jest suites: missing locally, the tests are skipped and say
 * why; missing in CI, the run fails and says why.
 */
export function browserNeeds(): { chromium: string | null; missing: string[] } {
  const chromium = process.env.CHROMIUM_PATH ?? onPath('chromium') ?? onPath('chromium-browser');
  return { chromium, missing: chromium ? [] : ['chromium on PATH (or CHROMIUM_PATH)'] };
}
