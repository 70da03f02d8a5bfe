'use strict';
// HEALTHCHECK of the FrontRow images: GET /health on the service in this container,
// through Node's own fetch (no curl in the slim image). Exit 0 on a 2xx, 1 otherwise.
//
// The port: HEALTH_PORT if set; else the variable the service itself reads (PORT for
// the gateway, <NAME>_PORT for a subgraph, e.g. IDENTITY_PORT, and WEB_PORT for the
// web portal); else its default.
//
// SERVICE=janus (the `janus` target of docker/Dockerfile) asks Janus instead:
// GET /janus/info on JANUS_HTTP_PORT, which Janus answers without a token.

const DEFAULT_PORTS = {
  gateway: 4000,
  identity: 4001,
  events: 4002,
  media: 4003,
  commerce: 4004,
  creative: 4005,
  presence: 4006,
  telemetry: 4007,
  web: 3000,
  janus: 8088,
};

const env = process.env;
const service = env.SERVICE || '';
const janus = service === 'janus';
const own = janus
  ? env.JANUS_HTTP_PORT
  : service === 'gateway'
    ? env.PORT
    : env[`${service.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_PORT`];
const port = env.HEALTH_PORT || own || DEFAULT_PORTS[service];
if (!port) {
  console.error(`healthcheck: no port known for SERVICE="${service}"; set HEALTH_PORT.`);
  process.exit(1);
}
const path = janus ? '/janus/info' : '/health';

// A wildcard bind address is reached through loopback.
const bind = ((janus ? env.JANUS_HTTP_IP : env.HOST) || '').trim();
const host = !bind || bind === '0.0.0.0' || bind === '::' ? '127.0.0.1' : bind.includes(':') ? `[${bind}]` : bind;

fetch(`http://${host}:${port}${path}`, { signal: AbortSignal.timeout(4000) }).then(
  (res) => {
    if (!res.ok) console.error(`healthcheck: ${path} answered ${res.status}`);
    process.exit(res.ok ? 0 : 1);
  },
  (err) => {
    console.error(`healthcheck: ${err && err.message ? err.message : err}`);
    process.exit(1);
  },
);
