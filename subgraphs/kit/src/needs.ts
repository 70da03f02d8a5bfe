/**
 * Suites that need something a machine may lack (a real server, Janus, ffmpeg,
 * Chromium, root). Locally, a suite whose needs are missing is skipped and says why;
 * when `CI` is set, it fails and says why, so that no suite CI is meant to run can
 * vanish from it unnoticed (docs/decisions/0016-tests-that-cannot-vanish.md).
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** One thing a suite needs, named as a person would provide it, and whether it is there. */
export interface Need {
  what: string;
  present: boolean;
}

/** Whether these tests run in CI: `CI` set to anything but empty, `0` or `false`. */
export function isCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env.CI?.trim().toLowerCase();
  return value !== undefined && value !== '' && value !== '0' && value !== 'false';
}

/** The first executable called `name` on PATH, or null. */
export function onPath(name: string, path: string = process.env.PATH ?? ''): string | null {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this folder
    }
  }
  return null;
}

export const need = {
  /** An environment variable that is set (a real server's URL, a credential). */
  env(name: string): Need {
    return { what: `${name} set`, present: Boolean(process.env[name]) };
  },
  /** A program on PATH. */
  command(name: string): Need {
    return { what: `${name} on PATH`, present: onPath(name) !== null };
  },
  /** Running as root, and what for. */
  root(why: string): Need {
    return { what: `root (${why})`, present: process.getuid?.() === 0 };
  },
  /** Anything else, checked by the caller. */
  that(what: string, present: boolean): Need {
    return { what, present };
  },
};

/** `describe` and `it` that run only when every need is there. */
export interface Conditional {
  /** What is missing, named; empty when the suite can run. */
  readonly missing: readonly string[];
  describe(title: string, fn: () => void): void;
  it(title: string, fn: jest.ProvidesCallback, timeout?: number): void;
}

/**
 * `needs(need.command('janus')).describe('media over a real Janus', () => { ... })`.
 * All there: the plain `describe`/`it`. Something missing: locally `describe.skip`/
 * `it.skip` with the reason printed and in the title; in CI one failing test that names
 * what is missing, and the suite's own body is not even collected.
 */
export function needs(...list: Need[]): Conditional {
  const missing = list.filter((n) => !n.present).map((n) => n.what);
  const ci = isCi();
  const reason = `needs ${missing.join(', ')}`;
  const failure = (title: string) =>
    new Error(`"${title}" cannot run: it ${reason}. In CI a suite that cannot run fails instead of being skipped; install or set what it needs.`);
  const warn = (title: string) => console.warn(`SKIPPED "${title}": ${reason} (in CI this fails)`);
  return {
    missing,
    describe(title, fn) {
      if (!missing.length) return describe(title, fn);
      if (ci) {
        return describe(title, () => {
          it(`cannot run: it ${reason}`, () => {
            throw failure(title);
          });
        });
      }
      warn(title);
      return describe.skip(`${title} (skipped: ${reason})`, fn);
    },
    it(title, fn, timeout) {
      if (!missing.length) return it(title, fn, timeout);
      if (ci) {
        return it(`${title} (cannot run: it ${reason})`, () => {
          throw failure(title);
        });
      }
      warn(title);
      return it.skip(`${title} (skipped: ${reason})`, fn, timeout);
    },
  };
}
