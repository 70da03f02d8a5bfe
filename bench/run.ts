/**
 * `npm run bench -- [name ...]`: runs the named benchmarks of bench/ one after the
 * other (all of them without a name), each in its own Node process so that one's
 * memory and timers do not touch the next. Each prints its figures and rewrites its
 * section of docs/benchmarks.md. The service URLs in the environment pass through.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const ALL = ['checkout', 'sync', 'first-frame', 'subscriptions', 'startup', 'ads', 'web', 'vr', 'ingest', 'gateway', 'limits'];

function main(): number {
  const names = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const chosen = names.length ? names : ALL.filter((n) => existsSync(join(__dirname, `${n}.ts`)));
  const unknown = chosen.filter((n) => !existsSync(join(__dirname, `${n}.ts`)));
  if (unknown.length) {
    console.error(`No such benchmark: ${unknown.join(', ')} (have: ${ALL.filter((n) => existsSync(join(__dirname, `${n}.ts`))).join(', ')})`);
    return 2;
  }
  let failed = 0;
  for (const name of chosen) {
    console.log(`\n=== bench/${name}.ts`);
    const r = spawnSync(process.execPath, ['--expose-gc', '-r', '@frontrow/register', join(__dirname, `${name}.ts`)], { stdio: 'inherit' });
    if (r.status !== 0) {
      console.error(`bench/${name}.ts failed (exit ${r.status ?? r.signal})`);
      failed++;
    }
  }
  return failed ? 1 : 0;
}

process.exit(main());
