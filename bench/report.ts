import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, platform, release, totalmem } from 'node:os';
import { join } from 'node:path';

export const BENCHMARKS_DOC = join(__dirname, '..', 'docs', 'benchmarks.md');

/** The value below which `p` percent of the sorted samples fall (nearest rank). */
export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

/** The machine a figure was measured on, in one line. */
export function machine(): string {
  const cpu = cpus()[0]?.model.replace(/\s+/g, ' ').replace(/ \d+-Core Processor/, '').trim() ?? 'unknown CPU';
  return `${cpu}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, ${platform()} ${release()}, Node ${process.version}`;
}

/** The current text of the section that starts with `heading` ('' when there is none). */
export function readSection(heading: string): string {
  const doc = existsSync(BENCHMARKS_DOC) ? readFileSync(BENCHMARKS_DOC, 'utf8') : '';
  const start = doc.indexOf(`${heading}\n`);
  if (start === -1) return '';
  const after = doc.indexOf('\n## ', start + heading.length);
  return doc.slice(start, after === -1 ? undefined : after + 1);
}

/** Replaces (or appends) the section that starts with `heading` in docs/benchmarks.md. */
export function writeSection(heading: string, body: string): void {
  const doc = existsSync(BENCHMARKS_DOC) ? readFileSync(BENCHMARKS_DOC, 'utf8') : '# Benchmarks\n';
  const section = `${heading}\n\n${body.trim()}\n`;
  const start = doc.indexOf(`${heading}\n`);
  let next: string;
  if (start === -1) {
    next = `${doc.trimEnd()}\n\n${section}`;
  } else {
    const after = doc.indexOf('\n## ', start + heading.length);
    next = doc.slice(0, start) + section + (after === -1 ? '' : `\n${doc.slice(after + 1)}`);
  }
  writeFileSync(BENCHMARKS_DOC, next.endsWith('\n') ? next : `${next}\n`);
}

/** Every live process whose ancestry leads to `root`, `root` included (from /proc; Linux). */
export function processTree(root: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid ...: comm may hold spaces and parentheses.
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const out = [root];
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, ppid] of parents) {
      if (!out.includes(pid) && out.includes(ppid)) {
        out.push(pid);
        grew = true;
      }
    }
  }
  return out.filter((pid) => parents.has(pid));
}
