// Stops the embedded PostgreSQL that jest.global-setup.js started, after the last project.
const KEY = Symbol.for('frontrow.test.embeddedPostgres');

module.exports = async function teardown() {
  const state = globalThis[KEY];
  if (!state) return;
  state.users -= 1;
  if (state.users > 0) return;
  delete globalThis[KEY];
  delete process.env.FRONTROW_TEST_EMBEDDED_DATABASE_URL;
  await state.server.stop();
};
