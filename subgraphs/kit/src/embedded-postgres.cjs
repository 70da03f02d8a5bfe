// The embedded PostgreSQL of the quick start: PGlite served over the Postgres wire
// protocol on a loopback port, in a child process of its own so that its WebAssembly
// work never blocks the service's event loop. Started by db.ts; tells its parent
// `{ ready: port }` over IPC, and closes the database cleanly on SIGTERM or when the
// parent goes away.
'use strict';
const { PGlite } = require('@electric-sql/pglite');
const { PGLiteSocketServer } = require('@electric-sql/pglite-socket');

async function main() {
  const dataDir = process.env.PGLITE_DATA_DIR || undefined;
  const port = Number(process.env.PGLITE_PORT);
  const db = dataDir ? await PGlite.create(dataDir) : await PGlite.create();
  const server = new PGLiteSocketServer({ db, port, host: '127.0.0.1', maxConnections: 8 });
  await server.start();
  let closing = false;
  const close = async () => {
    if (closing) return;
    closing = true;
    try {
      await server.stop();
      await db.close();
    } finally {
      process.exit(0);
    }
  };
  process.on('SIGTERM', close);
  process.on('SIGINT', close);
  process.on('disconnect', close);
  process.send?.({ ready: port });
}

main().catch((err) => {
  process.send?.({ error: String(err && err.stack ? err.stack : err) });
  process.exit(1);
});
