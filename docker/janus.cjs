'use strict';
// Entry point of the `janus` image (docker/Dockerfile, target janus): Janus with
// FrontRow's configuration, in the foreground, as the container's main process.
//
// The configuration is media/janus/*.jcfg, rendered by the media plane's own
// renderJanusConfig (media/src/janus.ts) into a fresh folder under /tmp. This file
// replaces `npm run janus -w @frontrow/media-plane` (media/src/cli.ts) in a container,
// because that development launcher:
//   - binds the Janus API to 127.0.0.1 unless JANUS_BIND_ADDRESS says otherwise, and
//     the Admin API to 127.0.0.1 always, where the media subgraph and browsers outside
//     the container cannot reach them;
//   - uses the launcher's default RTP range, 20000-40000: far more UDP ports than a
//     container can sensibly publish;
//   - prints the secrets (made up when unset) on start, so they would end up in the
//     container's log;
//   - keeps running after Janus has exited, so the container would not restart.
// Here Janus is the child of this process with the container's stdout and stderr; a
// SIGTERM or SIGINT is passed on to it, and this process exits when Janus does, with
// its status (so `restart: unless-stopped` brings a crashed Janus back).
//
// Run with `node -r @frontrow/register` from /app/media, so that the TypeScript of
// media/src loads. Settings (the same names as media/src/cli.ts where it has them):
//   JANUS_ADMIN_SECRET, JANUS_STREAMING_ADMIN_KEY   required; given to the media subgraph too
//   JANUS_HTTP_PORT (8088), JANUS_ADMIN_PORT (7088), JANUS_WS_PORT (8188)
//   JANUS_HTTP_IP (0.0.0.0)     the Janus API and its WebSocket transport (the CLI's
//                               JANUS_BIND_ADDRESS, which defaults to loopback there)
//   JANUS_ADMIN_IP (0.0.0.0)    the Admin API (tokens, for the media subgraph only)
//   JANUS_RTP_PORT_RANGE (20000-20199)   WebRTC media and the encoders' RTP ingest
//   JANUS_NAT_1_1               the address browsers reach Janus at (Janus' --nat-1-1)
//   JANUS_ICE_ENFORCE           interfaces or addresses ICE may use (ice_enforce_list)
//   JANUS_DEBUG_LEVEL (4)       0-7
// Arguments given to the container are passed on to Janus (e.g. --stun-server=...).

const { spawn } = require('node:child_process');
const { rmSync } = require('node:fs');
const { join } = require('node:path');

const root = process.env.FRONTROW_ROOT || '/app';

function fail(message) {
  process.stderr.write(`frontrow-janus: ${message}\n`);
  process.exit(64);
}

function read(name, fallback) {
  const v = (process.env[name] || '').trim();
  return v === '' ? fallback : v;
}

function secret(name) {
  const v = read(name);
  if (v === undefined) fail(`${name} is required but not set.`);
  // It is written between double quotes into a .jcfg file: keep to characters that
  // need no escaping there (and none in a URL, like the other secrets).
  if (!/^[A-Za-z0-9._~-]{16,}$/.test(v)) fail(`${name} must be at least 16 characters from A-Z a-z 0-9 . _ ~ -`);
  return v;
}

function port(name, fallback) {
  const v = read(name, String(fallback));
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 65535) fail(`${name} must be a port number, got "${v}".`);
  return Number(v);
}

function address(name, fallback) {
  const v = read(name, fallback);
  if (v !== undefined && !/^[0-9A-Za-z.:,_-]+$/.test(v)) fail(`${name} must be an address (or a comma-separated list), got "${v}".`);
  return v;
}

const rtpPortRange = read('JANUS_RTP_PORT_RANGE', '20000-20199');
const range = /^(\d+)-(\d+)$/.exec(rtpPortRange);
if (!range || Number(range[1]) < 1024 || Number(range[2]) > 65535 || Number(range[1]) > Number(range[2])) {
  fail(`JANUS_RTP_PORT_RANGE must be <min>-<max> within 1024-65535, got "${rtpPortRange}".`);
}
const debugLevel = read('JANUS_DEBUG_LEVEL', '4');
if (!/^[0-7]$/.test(debugLevel)) fail(`JANUS_DEBUG_LEVEL must be 0-7, got "${debugLevel}".`);

const options = {
  httpPort: port('JANUS_HTTP_PORT', 8088),
  adminPort: port('JANUS_ADMIN_PORT', 7088),
  wsPort: port('JANUS_WS_PORT', 8188),
  httpIp: address('JANUS_HTTP_IP', '0.0.0.0'),
  adminIp: address('JANUS_ADMIN_IP', '0.0.0.0'),
  adminSecret: secret('JANUS_ADMIN_SECRET'),
  streamingAdminKey: secret('JANUS_STREAMING_ADMIN_KEY'),
  rtpPortRange,
  iceEnforce: address('JANUS_ICE_ENFORCE'),
  debugLevel: Number(debugLevel),
};
const nat11 = address('JANUS_NAT_1_1');

const { janusLibDir, renderJanusConfig } = require(join(root, 'media', 'src', 'janus'));
let dir;
try {
  janusLibDir(); // names the problem clearly if Janus' modules are missing
  dir = renderJanusConfig(options);
} catch (e) {
  fail(e instanceof Error ? e.message : String(e));
}

const args = ['-F', dir, '-C', join(dir, 'janus.jcfg'), '-o'];
if (nat11) args.push(`--nat-1-1=${nat11}`);
args.push(...process.argv.slice(2));

process.stderr.write(
  `frontrow-janus: Janus API on ${options.httpIp}:${options.httpPort} (/janus), Admin API on ` +
    `${options.adminIp}:${options.adminPort} (/admin), WebSocket on ${options.httpIp}:${options.wsPort}, ` +
    `RTP ${rtpPortRange}/udp${nat11 ? `, 1:1 NAT ${nat11}` : ''}\n`,
);

// Its own process group: a Ctrl-C on a terminal (`docker run -it`) reaches this process
// alone, which passes it on once; Janus takes a second signal as "exit at once".
const child = spawn('janus', args, { stdio: 'inherit', detached: true });
const cleanup = () => rmSync(dir, { recursive: true, force: true });

for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => {
    if (child.exitCode === null && child.signalCode === null) child.kill(sig);
  });
}
child.once('error', (err) => {
  cleanup();
  fail(`cannot start janus: ${err.message}`);
});
child.once('exit', (code, signal) => {
  cleanup();
  if (code !== 0) process.stderr.write(`frontrow-janus: Janus exited (${signal ?? `code ${code}`})\n`);
  process.exit(code ?? 1);
});
