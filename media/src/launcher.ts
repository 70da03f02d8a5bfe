import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { ConfigError, loadConfig, setting, type Setting } from '@frontrow/kit/config';
import type { JanusLaunchOptions } from './janus';

/** Loopback: where the local launcher's Janus listens unless told otherwise. */
export const LOOPBACK = '127.0.0.1';

/** An IPv4 or IPv6 address to listen on (0.0.0.0 or :: for every interface). */
function bindAddress(fallback: string): Setting<string> {
  return {
    read(name, env) {
      const v = env[name]?.trim() || fallback;
      if (!isIP(v)) throw new ConfigError(name, `must be an IP address to listen on (127.0.0.1, 0.0.0.0, one of this machine's addresses), got "${v}".`);
      return v;
    },
  };
}

/**
 * The settings of `npm run janus` (the local launcher), read and checked once.
 * The Janus API and its WebSocket transport listen on JANUS_BIND_ADDRESS, loopback by
 * default: a browser on this machine reaches them, nothing else does. The Admin API
 * (it adds and removes playback tokens) always listens on loopback.
 */
export function launcherOptions(env: Record<string, string | undefined> = process.env): JanusLaunchOptions & { generatedSecrets: boolean } {
  if (env.JANUS_HTTP_IP?.trim()) {
    throw new ConfigError('JANUS_HTTP_IP', 'is not read by npm run janus any more: set JANUS_BIND_ADDRESS instead (README, "Watch a test feed locally").');
  }
  const config = loadConfig(
    {
      JANUS_BIND_ADDRESS: bindAddress(LOOPBACK),
      JANUS_HTTP_PORT: setting.int({ default: 8088, min: 1, max: 65535 }),
      JANUS_ADMIN_PORT: setting.int({ default: 7088, min: 1, max: 65535 }),
      JANUS_WS_PORT: setting.int({ default: 8188, min: 1, max: 65535 }),
      JANUS_ADMIN_SECRET: setting.optionalString(),
      JANUS_STREAMING_ADMIN_KEY: setting.optionalString(),
      JANUS_ICE_ENFORCE: setting.optionalString(),
    },
    env,
  );
  for (const name of ['JANUS_ADMIN_SECRET', 'JANUS_STREAMING_ADMIN_KEY'] as const) {
    const v = config[name];
    // Written between double quotes into a .jcfg file: characters that need no escaping.
    if (v !== undefined && !/^[A-Za-z0-9._~-]{16,}$/.test(v)) throw new ConfigError(name, 'must be at least 16 characters from A-Z a-z 0-9 . _ ~ -');
  }
  return {
    httpIp: config.JANUS_BIND_ADDRESS,
    adminIp: LOOPBACK,
    httpPort: config.JANUS_HTTP_PORT,
    adminPort: config.JANUS_ADMIN_PORT,
    wsPort: config.JANUS_WS_PORT,
    // A fresh pair per run when none is given; they are printed for the media subgraph.
    adminSecret: config.JANUS_ADMIN_SECRET ?? randomBytes(16).toString('hex'),
    streamingAdminKey: config.JANUS_STREAMING_ADMIN_KEY ?? randomBytes(16).toString('hex'),
    iceEnforce: config.JANUS_ICE_ENFORCE,
    generatedSecrets: !config.JANUS_ADMIN_SECRET || !config.JANUS_STREAMING_ADMIN_KEY,
  };
}

function isLoopback(address: string): boolean {
  return address === '::1' || address.startsWith('127.');
}

function isEverywhere(address: string): boolean {
  return address === '0.0.0.0' || address === '::';
}

/** This machine's non-loopback IPv4 addresses: where other devices could reach it. */
export function lanAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((a): a is NonNullable<typeof a> => Boolean(a && a.family === 'IPv4' && !a.internal))
    .map((a) => a.address);
}

/** What the launcher prints once Janus answers: the settings for media, and who can reach what. */
export function launcherReport(o: JanusLaunchOptions, urls: { url: string; adminUrl: string }): string[] {
  const bind = o.httpIp ?? LOOPBACK;
  const where = isEverywhere(bind) ? 'every interface' : isLoopback(bind) ? 'loopback only' : bind;
  const lan = isEverywhere(bind) ? lanAddresses() : isLoopback(bind) ? [] : [bind];
  const lines = [
    'Janus is running. Give the media subgraph (or npm start) these settings:',
    `  export JANUS_URL=${urls.url}`,
    `  export JANUS_ADMIN_URL=${urls.adminUrl}`,
    `  export JANUS_ADMIN_SECRET=${o.adminSecret}`,
    `  export JANUS_STREAMING_ADMIN_KEY=${o.streamingAdminKey}`,
    `Listening: the Janus API on ${bind}:${o.httpPort} and its WebSocket on ${bind}:${o.wsPort} (${where});`,
    `           the Admin API on ${o.adminIp ?? LOOPBACK}:${o.adminPort} (loopback only, always).`,
  ];
  if (lan.length) {
    lines.push(
      'Viewers on other devices reach Janus at this machine\'s address; give media, before npm start:',
      ...lan.map((a) => `  export JANUS_PUBLIC_URL=http://${a}:${o.httpPort}/janus`),
    );
  } else {
    lines.push('Only browsers on this machine can watch. To let other devices on your network watch, run it with JANUS_BIND_ADDRESS=0.0.0.0 (or one of this machine\'s addresses).');
  }
  return lines;
}
