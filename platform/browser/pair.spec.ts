import { expect, expectAccessible, gql, signUp, snap, test, usePlatform } from './fixtures';

/** A headset starts pairing over the API; the fan approves its code on /pair; the headset gets its tokens. */
const platform = usePlatform();

test('a pairing code started over the API is approved on /pair, and the headset is signed in', async ({ page }) => {
  const urls = platform();
  const fan = await signUp(page, urls, 'Pairer');
  const { startDevicePairing: pairing } = await gql<{ startDevicePairing: { userCode: string; deviceCode: string } }>(
    urls,
    'mutation { startDevicePairing(input: { deviceName: "Living room headset", platform: "quest" }) { userCode deviceCode } }',
  );
  const poll = () =>
    gql<{ completeDevicePairing: { accessToken: string; user: { displayName: string } } | null }>(
      urls,
      'mutation($d: String!) { completeDevicePairing(deviceCode: $d) { accessToken user { displayName } } }',
      { d: pairing.deviceCode },
    );
  expect((await poll()).completeDevicePairing).toBeNull();

  await page.getByRole('link', { name: 'Pair a headset' }).click();
  await expectAccessible(page, '/pair');
  // A wrong code is explained.
  await page.getByLabel('Code').fill('ZZZZ-ZZZZ');
  await page.getByRole('button', { name: 'Approve' }).click();
  await expect(page.getByRole('alert')).toHaveText(/not valid|expired|check/i);
  await page.getByLabel('Code').fill(pairing.userCode);
  await page.getByRole('button', { name: 'Approve' }).click();
  await expect(page.getByRole('status')).toHaveText(/Paired Living room headset/);
  await snap(page, 'pair');

  // The headset's next poll gets the fan's session (DESIGN.md: it polls every `interval`).
  await expect.poll(async () => (await poll().catch(() => null))?.completeDevicePairing?.user.displayName ?? null, { timeout: 15_000, intervals: [1000, 2000, 5000] }).toBe(fan.displayName);

  await page.getByRole('link', { name: 'Account' }).click();
  await expect(page.getByRole('region', { name: 'Devices' }).getByText('Living room headset')).toBeVisible();
});
