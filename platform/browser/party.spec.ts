import type { Page } from '@playwright/test';
import { expect, expectAccessible, gql, signUp, snap, test, tokenOf, usePlatform } from './fixtures';

/**
 * Two fans in two browser contexts share a party: the host pauses and seeks, the
 * guest's timeline follows within 100 ms of the shared position; chat and reactions
 * reach both; the host removes the guest, who is told so.
 */
const platform = usePlatform();

interface Sample {
  positionMs: number;
  sharedMs: number;
  playing: boolean;
  version: number;
}

const sample = (page: Page) => page.evaluate(() => (window as unknown as { frontrowParty?: { sample(): Sample | null } }).frontrowParty?.sample() ?? null);

/** Waits until the page applied `version` and its timeline sits on the shared position. */
async function inSync(page: Page, version: number): Promise<Sample> {
  let last: Sample | null = null;
  await expect
    .poll(async () => {
      last = await sample(page);
      return last !== null && last.version >= version && Math.abs(last.positionMs - last.sharedMs) <= 100;
    }, { timeout: 15_000 })
    .toBe(true);
  return last!;
}

test('host and guest stay in sync, chat and react, and a removed guest is told', async ({ browser }) => {
  const urls = platform();
  const hostContext = await browser.newContext();
  const guestContext = await browser.newContext();
  const host = await hostContext.newPage();
  const guest = await guestContext.newPage();

  await signUp(host, urls, 'Host');
  const guestFan = await signUp(guest, urls, 'Guest');

  await host.getByRole('link', { name: /Boston Harbors vs Chicago Gales/ }).click();
  await host.getByRole('button', { name: 'Start a party' }).click();
  await expect(host.getByRole('heading', { name: /^Party: / })).toBeVisible();
  const code = (await host.locator('.invite dd').textContent())!.trim();
  expect(code).not.toBe('');

  // The guest joins with the code, by the form.
  await guest.goto(`${urls.web}/join`);
  await guest.getByLabel('Invite code').fill(code);
  await guest.getByRole('button', { name: 'Join' }).click();
  await expect(guest.getByRole('heading', { name: /^Party: / })).toBeVisible();
  // Both online, seen by the host.
  await expect(host.getByRole('listitem').filter({ hasText: guestFan.displayName }).getByRole('img', { name: 'online' })).toBeVisible();

  // Play, then pause at a position, then seek: each time the guest lands on the shared position.
  const versionOf = async () => (await sample(host))?.version ?? -1;
  /** Runs a host command; resolves with the version it produced, once the host applied it. */
  const command = async (act: () => Promise<void>) => {
    const before = await versionOf();
    await act();
    await expect.poll(versionOf).toBeGreaterThan(before);
    return versionOf();
  };
  await inSync(guest, await command(() => host.getByRole('button', { name: 'Play' }).click()));
  const paused = await inSync(guest, await command(() => host.getByRole('button', { name: 'Pause' }).click()));
  expect(paused.playing).toBe(false);
  await host.getByLabel('Seek to (seconds)').fill('754.2');
  const seeked = await inSync(guest, await command(() => host.getByRole('button', { name: 'Seek' }).click()));
  expect(Math.abs(seeked.positionMs - 754_200)).toBeLessThanOrEqual(100);
  await expect(guest.getByLabel('Position')).toHaveText('12:34.2');
  // Playing again from there: the guest keeps following while both timelines run.
  const playing = await inSync(guest, await command(() => host.getByRole('button', { name: 'Play' }).click()));
  expect(playing.playing).toBe(true);
  // The guest has no host controls.
  await expect(guest.getByRole('button', { name: 'Pause' })).toHaveCount(0);

  // Chat both ways, and a reaction.
  await guest.getByLabel('Message').fill('What a shot!');
  await guest.getByRole('button', { name: 'Send' }).click();
  await expect(host.getByRole('log', { name: 'Conversation' })).toContainText('What a shot!');
  await expect(guest.getByRole('log', { name: 'Conversation' })).toContainText('What a shot!');
  await host.getByLabel('Message').fill('Told you');
  await host.getByRole('button', { name: 'Send' }).click();
  await expect(guest.getByRole('log', { name: 'Conversation' })).toContainText('Told you');
  await guest.getByRole('button', { name: 'Cheer' }).click();
  await expect(host.getByRole('list', { name: 'Reactions sent' })).toContainText('🎉');

  await expectAccessible(host, '/party/:id (host)');
  await expectAccessible(guest, '/party/:id (guest)');
  await snap(host, 'party-host');
  await snap(guest, 'party-guest');

  // The host removes the guest: the guest is told, and cannot rejoin.
  await host.getByRole('button', { name: `Remove ${guestFan.displayName}` }).click();
  await expect(guest.getByRole('heading', { name: 'You were removed from this party' })).toBeVisible();
  await snap(guest, 'party-kicked');
  const token = await tokenOf(guest);
  await expect(gql(urls, 'mutation($c: String!) { joinParty(inviteCode: $c) { id } }', { c: code }, token)).rejects.toThrow(/FORBIDDEN|removed|kicked/i);

  await hostContext.close();
  await guestContext.close();
});
