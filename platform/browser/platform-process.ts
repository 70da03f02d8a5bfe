/**
 * One embedded platform for one browser-test file, in a process of its own (the
 * Playwright runner does not compile the subgraphs' decorators): every service on free
 * ports, the demo season and sponsor seeded, the web portal, the VR client and the admin
 * dashboard served, the test admin (TEST_ADMIN) seeded. SYNTHETIC_VIEWERS pretend viewers
 * watch the demo's live game (0 when unset). It prints one JSON line with its URLs once it
 * serves, and stops when its parent closes its stdin or sends SIGTERM.
 */
import { freePort } from '@frontrow/kit';
import { startTestPlatform, type TestPlatform } from '../test/test-platform';
import { READY, TEST_ADMIN } from './ready';

async function main(): Promise<void> {
  const state: { world?: TestPlatform; stopping?: boolean } = {};
  const stop = async () => {
    if (state.stopping) return;
    state.stopping = true;
    await state.world?.stop().catch(() => undefined);
    // Asked to stop while starting: the platform stops once it is up (below).
    if (state.world) process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  process.stdin.on('end', () => void stop());
  process.stdin.resume();
  // The web portal's port is chosen first, so that pairing codes name its /pair.
  const webPort = await freePort();
  const world = await startTestPlatform('browser', {
    webPort,
    vrPort: 0,
    adminPort: 0,
    seedDemo: true,
    // The demo sponsor's boards are seeded as the test admin.
    seedAdmin: TEST_ADMIN,
    syntheticViewers: Number(process.env.SYNTHETIC_VIEWERS ?? 0) || 0,
    // The VR client's pairing polls every second here (5 s by default).
    identitySettings: { pairingIntervalSeconds: 1, publicWebUrl: `http://localhost:${webPort}` },
  });
  state.world = world;
  if (state.stopping) {
    await world.stop().catch(() => undefined);
    process.exit(0);
  }
  const { gateway, web, vr, admin } = world.platform;
  process.stdout.write(`${READY} ${JSON.stringify({ web: web!.url, vr: vr!.url, admin: admin!.url, gateway: gateway.url })}\n`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
