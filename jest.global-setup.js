// Without DATABASE_URL, one embedded PostgreSQL serves every suite of a Jest run, each
// suite in schemas of its own (subgraphs/kit/src/testing.ts reads its URL from
// FRONTROW_TEST_EMBEDDED_DATABASE_URL, which the workers inherit). Projects of one run
// share it: the first setup starts it and the last teardown stops it.
const KEY = Symbol.for('frontrow.test.embeddedPostgres');

module.exports = async function setup() {
  if (process.env.DATABASE_URL) return;
  const state = globalThis[KEY];
  if (state) {
    state.users += 1;
    return;
  }
  const { startEmbeddedPostgres } = require('./subgraphs/kit/src/embedded-postgres');
  const server = await startEmbeddedPostgres();
  globalThis[KEY] = { server, users: 1 };
  process.env.FRONTROW_TEST_EMBEDDED_DATABASE_URL = server.url;
};
