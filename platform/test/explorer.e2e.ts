import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { eventually, needs, uniqueName } from '@frontrow/kit/testing';
import { chromium, type Browser } from 'playwright-core';
import { ARTIFACTS, chromiumNeed, chromiumPath } from './watch-harness';
import { startTestPlatform, type TestPlatform } from './test-platform';

/**
 * The explorer as a developer meets it: it loads the schema anonymously (no broken
 * default header), signs in from its own form, and then runs `me` as that person.
 */
needs(chromiumNeed()).describe('the API explorer in Chromium', () => {
  let world: TestPlatform;
  let browser: Browser;
  const admin = { email: `${uniqueName('admin')}@example.com`, password: 'explorer-admin-password' };

  beforeAll(async () => {
    world = await startTestPlatform('explorer', { seedAdmin: admin });
    browser = await chromium.launch({ executablePath: chromiumPath() ?? undefined, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  });
  afterAll(async () => {
    await browser?.close();
    await world?.stop();
  });

  it('loads the schema anonymously, signs in from its form, and runs a query as that person', async () => {
    const page = await browser.newPage();
    const statuses: number[] = [];
    let schemaLoaded = false;
    page.on('response', async (res) => {
      if (!res.url().endsWith('/graphql')) return;
      statuses.push(res.status());
      const body = (await res.json().catch(() => null)) as { data?: { __schema?: unknown } } | null;
      if (body?.data?.__schema) schemaLoaded = true;
    });
    await page.goto(world.platform.gateway.url.replace(/\/graphql$/, '/explorer'));
    await page.waitForFunction(() => (window as unknown as { __explorerReady?: boolean }).__explorerReady === true);
    await page.waitForFunction(() => document.querySelector('.graphiql-container') !== null);
    await eventually(() => schemaLoaded, 15_000);
    expect(statuses.filter((s) => s === 401)).toEqual([]);
    expect(await page.getByRole('status').textContent()).toBe('Anonymous');

    await page.getByLabel('Email').fill(admin.email);
    await page.getByLabel('Password').fill(admin.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText(/Signed in as .* \(.*ADMIN.*\)/).waitFor();
    expect(await page.getByRole('form', { name: 'Sign in' }).isVisible()).toBe(false);
    expect(await page.getByRole('button', { name: 'Sign out' }).isVisible()).toBe(true);

    await page.locator('.graphiql-execute-button').click();
    const result = page.locator('.graphiql-response');
    await eventually(async () => ((await result.textContent()) ?? '').includes(admin.email), 15_000);
    expect(statuses.filter((s) => s === 401)).toEqual([]);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'explorer.png') });
  });
});
