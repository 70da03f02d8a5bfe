import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { expect, test as base, type Page } from '@playwright/test';
import { browserNeeds } from './needs';
import { READY } from './ready';

export const SHOTS = join(__dirname, '..', '..', 'test-artifacts', 'web');

export interface Urls {
  web: string;
  /** The VR client. */
  vr: string;
  /** The admin dashboard. */
  admin: string;
  gateway: string;
}

/**
 * Starts one embedded platform for the calling test file (before its first test) and
 * stops it after its last; the URLs are ready once its process says it serves.
 */
export function usePlatform(opts: { syntheticViewers?: number } = {}): () => Urls {
  let child: ChildProcess | undefined;
  let urls: Urls | undefined;
  base.beforeAll(async () => {
    base.setTimeout(180_000);
    child = spawn(process.execPath, ['-r', '@frontrow/register', join(__dirname, 'platform-process.ts')], {
      cwd: join(__dirname, '..'),
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, LOG_LEVEL: 'warn', SYNTHETIC_VIEWERS: String(opts.syntheticViewers ?? 0) },
    });
    let out = '';
    urls = await new Promise<Urls>((resolve, reject) => {
      const onData = (d: Buffer) => {
        out += d.toString();
        const m = new RegExp(`${READY} (.*)\\n`).exec(out);
        if (m) resolve(JSON.parse(m[1]) as Urls);
      };
      child!.stdout!.on('data', onData);
      child!.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      child!.once('exit', (code) => reject(new Error(`the platform exited with ${code} before serving:\n${out.slice(-4000)}`)));
    });
  });
  base.afterAll(async () => {
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child.stdin!.end();
    await exited;
  });
  return () => {
    if (!urls) throw new Error('the platform is not up');
    return urls;
  };
}

export const test = base.extend<object>({});
test.skip(() => browserNeeds().missing.length > 0, `needs ${browserNeeds().missing.join(', ')}`);
export { expect };

/** Axe on the page as it is: no serious or critical violation. */
export async function expectAccessible(page: Page, what: string): Promise<void> {
  const result = await new AxeBuilder({ page }).analyze();
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${what}: ${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
}

/** A screenshot kept as a test artifact (test-artifacts/<client>/<name>.png; the web portal's by default). */
export async function snap(page: Page, name: string, client: 'web' | 'admin' = 'web'): Promise<string> {
  const dir = join(SHOTS, '..', client);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

let counter = 0;
/** A new fan's credentials, unique to this run. */
export function newFan(name = 'Fan'): { email: string; password: string; displayName: string } {
  counter++;
  return { email: `${name.toLowerCase()}-${Date.now().toString(36)}-${counter}@example.com`, password: 'a long fan password', displayName: `${name} ${counter}` };
}

/** Signs a new fan up through the portal's form; returns the credentials. */
export async function signUp(page: Page, urls: Urls, name = 'Fan'): Promise<ReturnType<typeof newFan>> {
  const fan = newFan(name);
  await page.goto(`${urls.web}/signup`);
  await page.getByLabel('Display name').fill(fan.displayName);
  await page.getByLabel('Email').fill(fan.email);
  await page.getByLabel('Password').fill(fan.password);
  await page.getByRole('button', { name: 'Sign up' }).click();
  await expect(page.getByRole('heading', { name: 'Live and upcoming' })).toBeVisible();
  return fan;
}

/** A GraphQL call to the gateway, as another client would make it. */
export async function gql<T>(urls: Urls, query: string, variables: Record<string, unknown> = {}, token?: string): Promise<T> {
  const res = await fetch(urls.gateway, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: unknown[] };
  if (body.errors?.length || !body.data) throw new Error(`GraphQL failed: ${JSON.stringify(body.errors)}`);
  return body.data;
}

/** The access token the portal keeps for this page's session. */
export async function tokenOf(page: Page): Promise<string> {
  return page.evaluate(() => (JSON.parse(localStorage.getItem('frontrow.session') ?? 'null') as { accessToken: string }).accessToken);
}
