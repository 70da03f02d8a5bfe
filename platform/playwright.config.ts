import { join } from 'node:path';
import { defineConfig } from '@playwright/test';
import { browserNeeds } from './browser/needs';

/**
 * The web portal in real Chromium (Debian's), one embedded platform per test file.
 * Screenshots of every page go to test-artifacts/web/ (browser/fixtures.ts `snap`).
 */
// eslint-disable-next-line no-restricted-syntax
export default defineConfig({
  testDir: 'browser',
  testMatch: '*.spec.ts',
  outputDir: join(__dirname, '..', 'test-artifacts', 'playwright'),
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 90_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  globalSetup: require.resolve('./browser/global-setup'),
  use: {
    browserName: 'chromium',
    viewport: { width: 1280, height: 800 },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    actionTimeout: 15_000,
    launchOptions: {
      executablePath: browserNeeds().chromium ?? undefined,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--use-gl=angle',
        '--use-angle=swiftshader',
        '--enable-unsafe-swiftshader',
      ],
    },
  },
});
