/**
 * Where a V8 CPU profile (`node --cpu-prof`) spends its time: self time by function and
 * by package (the npm package a function's file is in; the project's own folders; Node's
 * internals; V8's garbage collector), and the time each package is on the stack at all,
 * as shares of the time the process was not idle. The first `skipMs` of the profile (the
 * process's start-up) can be left out.
 *
 *   node -r @frontrow/register bench/gateway/profile-summary.ts <file.cpuprofile> [top] [skipMs]
 */
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..');

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface Share {
  name: string;
  ms: number;
  /** Share of the busy (not idle) time, 0..1. */
  share: number;
}

export interface ProfileSummary {
  /** Left out at the start. */
  skippedMs: number;
  totalMs: number;
  busyMs: number;
  functions: Share[];
  packages: Share[];
  /** Time with the package anywhere on the stack (its callees included). */
  onStack: Share[];
  /** The same for every package, as shares of the busy time. */
  onStackShare: Record<string, number>;
  /** Self time of every package, as shares of the busy time. */
  selfShare: Record<string, number>;
}

/** The package a script belongs to: `graphql`, `@apollo/gateway`, `gateway/src` (ours), `node:internal`, `(garbage collector)`. */
export function packageOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return url.startsWith('node:internal') ? 'node:internal' : url.split('/')[0];
  const path = url.replace(/^file:\/\//, '');
  const modules = path.lastIndexOf('node_modules/');
  if (modules !== -1) {
    const parts = path.slice(modules + 'node_modules/'.length).split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  const own = relative(ROOT, path);
  return own.startsWith('..') ? '(other)' : own.split('/').slice(0, 2).join('/');
}

function where(url: string, line: number): string {
  if (!url) return '';
  const path = url.replace(/^file:\/\//, '');
  const modules = path.lastIndexOf('node_modules/');
  const shown = modules !== -1 ? path.slice(modules + 'node_modules/'.length) : path.startsWith('/') ? relative(ROOT, path) : path;
  return `${shown}:${line + 1}`;
}

export function summarizeProfile(file: string, top = 10, skipMs = 0): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parentOf = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
  const selfUs = new Map<number, number>();
  let elapsedUs = 0;
  let skippedUs = 0;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    elapsedUs += us;
    if (elapsedUs <= skipMs * 1000) skippedUs += us;
    else selfUs.set(id, (selfUs.get(id) ?? 0) + us);
  });
  const functions = new Map<string, number>();
  const packages = new Map<string, number>();
  const onStack = new Map<string, number>();
  let totalUs = 0;
  let idleUs = 0;
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    totalUs += us;
    if (functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    const pkg = packageOf(url, functionName);
    const fn = `${functionName || '(anonymous)'} ${where(url, lineNumber)}`.trim();
    functions.set(`${fn} [${pkg}]`, (functions.get(`${fn} [${pkg}]`) ?? 0) + us);
    packages.set(pkg, (packages.get(pkg) ?? 0) + us);
    const seen = new Set<string>();
    for (let at: number | undefined = parentOf.get(id); at !== undefined; at = parentOf.get(at)) {
      const frame = byId.get(at)!.callFrame;
      if (frame.url) seen.add(packageOf(frame.url, frame.functionName));
    }
    seen.add(pkg);
    for (const p of seen) onStack.set(p, (onStack.get(p) ?? 0) + us);
  }
  const busyUs = totalUs - idleUs;
  const ranked = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, ms: us / 1000, share: busyUs ? us / busyUs : 0 }));
  return {
    skippedMs: skippedUs / 1000,
    totalMs: totalUs / 1000,
    busyMs: busyUs / 1000,
    functions: ranked(functions),
    packages: ranked(packages),
    onStack: ranked(onStack),
    onStackShare: Object.fromEntries([...onStack].map(([name, us]) => [name, busyUs ? us / busyUs : 0])),
    selfShare: Object.fromEntries([...packages].map(([name, us]) => [name, busyUs ? us / busyUs : 0])),
  };
}

export function formatSummary(s: ProfileSummary): string {
  const pct = (x: Share) => `${(x.share * 100).toFixed(1).padStart(5)}%  ${x.ms.toFixed(0).padStart(7)} ms  ${x.name}`;
  return [
    `busy ${(s.busyMs / 1000).toFixed(1)} s of ${(s.totalMs / 1000).toFixed(1)} s profiled (the first ${(s.skippedMs / 1000).toFixed(1)} s left out)`,
    'self time by package:',
    ...s.packages.map(pct),
    'self time by function:',
    ...s.functions.map(pct),
    'time on the stack by package:',
    ...s.onStack.map(pct),
  ].join('\n');
}

/** The summary as a few lines of Markdown, after `intro`. */
export function profileMarkdown(s: ProfileSummary, intro: string, top = 8): string {
  const line = (x: Share) => `${(x.share * 100).toFixed(1)}% ${x.name.replace(/\|/g, '\\|')}`;
  const on = (name: string) => `${((s.onStackShare[name] ?? 0) * 100).toFixed(1)}%`;
  const selfOf = (prefix: string) =>
    `${(Object.entries(s.selfShare).reduce((sum, [name, share]) => sum + (name.startsWith(prefix) ? share : 0), 0) * 100).toFixed(1)}%`;
  return `${intro} Shares of the ${(s.busyMs / 1000).toFixed(1)} s the process was busy, of ${(s.totalMs / 1000).toFixed(1)} s profiled
after its start-up (the first ${(s.skippedMs / 1000).toFixed(1)} s, left out), from \`bench/gateway/profile-summary.ts\`.

- @apollo/gateway (executing the plan, merging and shaping the answer) and what it calls, subgraph
  fetches included: ${on('@apollo/gateway')}; Apollo's default fetcher (make-fetch-happen), which FrontRow's gateway no
  longer uses: ${on('make-fetch-happen')}. OpenTelemetry's own code ${selfOf('@opentelemetry/')} (self time); FrontRow's code
  (gateway/src, subgraphs/kit) ${selfOf('gateway/src')} and ${selfOf('subgraphs/kit')} self, ${on('gateway/src')} with what it calls; the garbage
  collector ${on('(garbage collector)')}.
- Self time by package: ${s.packages.slice(0, top).map(line).join('; ')}.
- Self time by function: ${s.functions.slice(0, top).map(line).join('; ')}.
- On the stack (the package or what it calls): ${s.onStack.filter((x) => !x.name.startsWith('node:')).slice(0, top).map(line).join('; ')}.`;
}

if (require.main === module) {
  const [file, top, skipMs] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  if (!file) {
    console.error('usage: profile-summary.ts <file.cpuprofile> [top] [skipMs] [--markdown]');
    process.exit(2);
  }
  const summary = summarizeProfile(file, Number(top ?? 15), Number(skipMs ?? 0));
  console.log(process.argv.includes('--markdown') ? profileMarkdown(summary, 'The profile.') : formatSummary(summary));
}
