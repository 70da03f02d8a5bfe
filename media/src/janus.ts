import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface JanusLaunchOptions {
  httpPort: number;
  adminPort: number;
  wsPort: number;
  /** Where the Janus API and its WebSocket listen (viewers reach them); loopback by default. */
  httpIp?: string;
  /** Where the Admin API listens (only the media subgraph reaches it); loopback by default. */
  adminIp?: string;
  adminSecret: string;
  streamingAdminKey: string;
  rtpPortRange?: string;
  /** Interface names or addresses ICE may use (`ice_enforce_list`). */
  iceEnforce?: string;
  /** Run inside this network namespace (`ip netns exec`). */
  netns?: string;
  debugLevel?: number;
  janusBin?: string;
  onLog?: (line: string) => void;
}

export interface RunningJanus {
  /** The Janus API over HTTP, e.g. http://127.0.0.1:8088/janus */
  url: string;
  adminUrl: string;
  wsUrl: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

const TEMPLATES = join(__dirname, '..', 'janus');

/** Where Debian and source builds put Janus' modules; JANUS_LIB_DIR overrides. */
export function janusLibDir(): string {
  const candidates = [
    process.env.JANUS_LIB_DIR,
    `/usr/lib/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu/janus`,
    '/usr/lib/janus',
    '/usr/local/lib/janus',
    '/opt/janus/lib/janus',
  ].filter((d): d is string => Boolean(d));
  const found = candidates.find((d) => existsSync(join(d, 'plugins')));
  if (!found) throw new Error('Janus is not installed (no plugins folder found; set JANUS_LIB_DIR).');
  return found;
}

/** Fills the {{NAME}} placeholders of media/janus/*.jcfg into a fresh folder. */
export function renderJanusConfig(opts: JanusLaunchOptions): string {
  const dir = mkdtempSync(join(tmpdir(), 'frontrow-janus-'));
  const lib = janusLibDir();
  const values: Record<string, string> = {
    CONFIG_DIR: dir,
    PLUGINS_DIR: join(lib, 'plugins'),
    TRANSPORTS_DIR: join(lib, 'transports'),
    EVENTS_DIR: join(lib, 'events'),
    LOGGERS_DIR: join(lib, 'loggers'),
    DEBUG_LEVEL: String(opts.debugLevel ?? 4),
    ADMIN_SECRET: opts.adminSecret,
    STREAMING_ADMIN_KEY: opts.streamingAdminKey,
    RTP_PORT_RANGE: opts.rtpPortRange ?? '20000-40000',
    ICE_ENFORCE_LINE: opts.iceEnforce ? `ice_enforce_list = "${opts.iceEnforce}"` : '',
    HTTP_PORT: String(opts.httpPort),
    HTTP_IP: opts.httpIp ?? '127.0.0.1',
    ADMIN_PORT: String(opts.adminPort),
    ADMIN_IP: opts.adminIp ?? '127.0.0.1',
    WS_PORT: String(opts.wsPort),
  };
  for (const file of readdirSync(TEMPLATES).filter((f) => f.endsWith('.jcfg'))) {
    const text = readFileSync(join(TEMPLATES, file), 'utf8').replace(/\{\{(\w+)\}\}/g, (_, k: string) => {
      if (!(k in values)) throw new Error(`${file}: no value for {{${k}}}`);
      return values[k];
    });
    writeFileSync(join(dir, file), text);
  }
  return dir;
}

/** Starts Janus with FrontRow's configuration and resolves once its API answers. */
export async function launchJanus(opts: JanusLaunchOptions): Promise<RunningJanus> {
  const dir = renderJanusConfig(opts);
  const bin = opts.janusBin ?? 'janus';
  const args = ['-F', dir, '-C', join(dir, 'janus.jcfg'), '-o'];
  const cmd = opts.netns ? 'ip' : bin;
  const cmdArgs = opts.netns ? ['netns', 'exec', opts.netns, bin, ...args] : args;
  const child = spawn(cmd, cmdArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const onData = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) {
      if (!line) continue;
      lines.push(line);
      if (lines.length > 200) lines.shift();
      opts.onLog?.(line);
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const host = reachAt(opts.httpIp);
  const adminHost = reachAt(opts.adminIp);
  const url = `http://${host}:${opts.httpPort}/janus`;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`Janus exited with code ${child.exitCode}:\n${lines.slice(-20).join('\n')}`);
    }
    try {
      const res = await fetch(`${url}/info`);
      if (res.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`Janus did not answer within 20s:\n${lines.slice(-20).join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    adminUrl: `http://${adminHost}:${opts.adminPort}/admin`,
    wsUrl: `ws://${host}:${opts.wsPort}`,
    process: child,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The host in a URL that reaches a server listening on `ip` from this machine. */
function reachAt(ip: string | undefined): string {
  if (!ip || ip === '0.0.0.0') return '127.0.0.1';
  if (ip === '::') return '[::1]';
  return ip.includes(':') ? `[${ip}]` : ip;
}

/** The first executable named `name` on PATH, or null. */
export function findOnPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  return null;
}
