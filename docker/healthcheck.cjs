'use strict';
// HEALTHCHECK of the FrontRow image: GET /health on the service in this container,
// through Node's own fetch (no curl in the slim image). Exit 0 on a 2xx, 1 otherwise.
//
// The port: HEALTH_PORT if set; else the variable the service itself reads (PORT for
// the gateway, <NAME>_PORT for a subgraph, e.g. IDENTITY_PORT); else its default.

const DEFAULT_PORTS = { gateway: 4000, identity: 4001 };

const env = process.env;
const service = env.SERVICE || '';
const own = service === 'gateway' ? env.PORT : env[`${service.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_PORT`];
const port = env.HEALTH_PORT || own || DEFAULT_PORTS[service];
if (!port) {
  console.error(`healthcheck: no port known for SERVICE="${service}"; set HEALTH_PORT.`);
  process.exit(1);
}

// A wildcard bind address is reached through loopback.
const bind = (env.HOST || '').trim();
const host = !bind || bind === '0.0.0.0' || bind === '::' ? '127.0.0.1' : bind.includes(':') ? `[${bind}]` : bind;

fetch(`http://${host}:${port}/health`, { signal: AbortSignal.timeout(4000) }).then(
  (res) => {
    if (!res.ok) console.error(`healthcheck: /health answered ${res.status}`);
    process.exit(res.ok ? 0 : 1);
  },
  (err) => {
    console.error(`healthcheck: ${err && err.message ? err.message : err}`);
    process.exit(1);
  },
);
