/**
 * The processes of the gateway benchmark: started from the harness, each with its own
 * event loop, waited on by polling, measured from /proc (CPU time and resident memory of
 * the process and its descendants) and stopped at the end, whatever happens.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventually } from '@frontrow/kit/testing';
import { processTree } from '../report';

export const ROOT = join(__dirname, '..', '..');
/** How frontrow-subgraphs.ts announces its URLs. */
export const SUBGRAPHS_LINE = 'SUBGRAPHS';
const TICKS_PER_SECOND = 100;
const live = new Set<ChildProcess>();
// Whatever ends the harness, nothing it started outlives it.
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** For a child's own entry file: stop cleanly on SIGTERM, SIGINT or when the parent goes (stdin closes). */
export function onParentGone(stop: () => void | Promise<void>): void {
  let stopping = false;
  const once = () => {
    if (stopping) return;
    stopping = true;
    void Promise.resolve(stop()).finally(() => process.exit(0));
  };
  process.once('SIGTERM', once);
  process.once('SIGINT', once);
  process.stdin.once('end', once);
  process.stdin.resume();
}

export interface ChildOptions {
  name: string;
  /** Node arguments: flags, then the script and its arguments. */
  args: string[];
  env?: Record<string, string>;
  cwd?: string;
}

/** CPU seconds (user + system) and resident memory of a process tree at one moment. */
export interface Usage {
  cpuSeconds: number;
  rssMb: number;
}

export class Child {
  private child?: ChildProcess;
  private output = '';
  private pids: number[] = [];
  private lines: Array<(line: string) => void> = [];
  /** From spawning it to its being ready. */
  readyMs = NaN;

  constructor(readonly opts: ChildOptions) {}

  get started(): boolean {
    return Boolean(this.child?.pid);
  }

  get pid(): number {
    if (!this.child?.pid) throw new Error(`${this.opts.name} is not running`);
    return this.child.pid;
  }

  /** The last output of the process, for error messages. */
  get tail(): string {
    return this.output.slice(-3000);
  }

  /** Starts it and resolves once `ready()` says so (polled), failing if it exits first. */
  async start<T>(ready: (child: Child) => Promise<T | undefined | false>, timeoutMs = 120_000): Promise<T> {
    const began = Date.now();
    const child = spawn(process.execPath, this.opts.args, {
      cwd: this.opts.cwd ?? ROOT,
      env: { ...process.env, LOG_LEVEL: 'warn', ...this.opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child = child;
    live.add(child);
    child.once('exit', () => live.delete(child));
    let partial = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      this.output = (this.output + text).slice(-20_000);
      partial += text;
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) for (const f of this.lines) f(line);
    });
    child.stderr!.on('data', (chunk: Buffer) => (this.output = (this.output + chunk.toString()).slice(-20_000)));
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code, signal) => reject(new Error(`${this.opts.name} exited (${code ?? signal}) before it was ready:\n${this.tail}`))),
    );
    exited.catch(() => undefined);
    const value = await Promise.race([eventually(() => ready(this), timeoutMs, 100), exited]);
    this.pids = processTree(this.pid);
    this.readyMs = Date.now() - began;
    return value;
  }

  /** Resolves with the first line of its standard output that `match` accepts. */
  line(match: (line: string) => boolean): Promise<string> {
    return new Promise((resolve) => {
      const f = (line: string) => {
        if (!match(line)) return;
        this.lines = this.lines.filter((g) => g !== f);
        resolve(line);
      };
      this.lines.push(f);
    });
  }

  /** CPU time and resident memory of the process and its descendants (as found when it became ready). */
  usage(): Usage {
    let ticks = 0;
    let rssKb = 0;
    for (const pid of this.pids) {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        // Fields after the command name, which is in parentheses: state is field 3, utime 14, stime 15.
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        ticks += Number(fields[11]) + Number(fields[12]);
        rssKb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
      } catch {
        // gone meanwhile
      }
    }
    return { cpuSeconds: ticks / TICKS_PER_SECOND, rssMb: rssKb / 1024 };
  }

  /** Ends it: SIGTERM (and closing its stdin), SIGKILL after 15 s. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.stdin?.end();
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }
}

/** A GraphQL POST that answers 200 with data: the readiness check of a gateway or subgraph. */
export async function answers(url: string, query: string, headers: Record<string, string> = {}): Promise<boolean> {
  try {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query }) });
    if (!res.ok) return false;
    const body = (await res.json()) as { data?: unknown };
    return Boolean(body.data);
  } catch {
    return false;
  }
}

/** Node arguments that run a TypeScript file of bench/gateway with the project's loader. */
export function tsEntry(file: string, nodeFlags: string[] = []): string[] {
  return [...nodeFlags, '-r', '@frontrow/register', join(__dirname, file)];
}
