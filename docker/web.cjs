'use strict';
// Entry point of the `web` image (docker/Dockerfile, target web): the fan's web portal,
// served by the portal's own startWeb (clients/web/src/serve.ts) as `npm start` serves
// it, from the bundle built into the image (so nothing is built, or written, at start).
//
// Run with `node -r @frontrow/register` from /app/clients/web, so that the TypeScript
// of clients/web/src loads. Settings:
//   WEB_GATEWAY_URL   required: the gateway's /graphql as browsers reach it (the page
//                     carries it; http(s), e.g. http://localhost:4000/graphql)
//   WEB_PORT (3000)   the port, on HOST (127.0.0.1; 0.0.0.0 in a container)
// SIGTERM or SIGINT closes the server, then the process exits.

const { join } = require('node:path');

const root = process.env.FRONTROW_ROOT || '/app';

function fail(message) {
  process.stderr.write(`frontrow-web: ${message}\n`);
  process.exit(64);
}

function read(name, fallback) {
  const v = (process.env[name] || '').trim();
  return v === '' ? fallback : v;
}

const gatewayUrl = read('WEB_GATEWAY_URL');
if (gatewayUrl === undefined) fail('WEB_GATEWAY_URL is required but not set (the gateway as browsers reach it, e.g. http://localhost:4000/graphql).');
let parsed;
try {
  parsed = new URL(gatewayUrl);
} catch {
  fail(`WEB_GATEWAY_URL is not a URL: ${gatewayUrl}`);
}
if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') fail(`WEB_GATEWAY_URL must be an http or https URL, not ${parsed.protocol}`);

const portText = read('WEB_PORT', '3000');
const port = Number(portText);
if (!/^\d+$/.test(portText) || port > 65535) fail(`WEB_PORT must be a port number (0-65535), not "${portText}".`);
const host = read('HOST', '127.0.0.1');

const { startWeb } = require(join(root, 'clients', 'web', 'src', 'serve'));

startWeb({ port, host, gatewayUrl, build: false }).then(
  (web) => {
    process.stdout.write(`${JSON.stringify({ level: 30, time: Date.now(), service: 'web', url: web.url, gatewayUrl, msg: 'web portal ready' })}\n`);
    let stopping = false;
    for (const sig of ['SIGTERM', 'SIGINT']) {
      process.on(sig, () => {
        if (stopping) return;
        stopping = true;
        web.stop().then(() => process.exit(0));
      });
    }
  },
  (err) => fail(`cannot serve the web portal: ${err && err.message ? err.message : err}`),
);
