import { expect, expectAccessible, gql, snap, test, tokenOf, signUp, usePlatform } from './fixtures';

/**
 * A fan's journey in the portal: sign up, find the live demo game by search, buy a
 * pass with the test card, see Paid, watch; a declined card; the session across a
 * reload; the account page; every route accessible.
 */
const platform = usePlatform();

test('a fan signs up, finds the live game, buys a pass, sees Paid and opens Watch', async ({ page }) => {
  const urls = platform();
  const navigation = Date.now();
  await page.goto(urls.web);
  await expect(page.getByRole('heading', { name: 'Live and upcoming' })).toBeVisible();
  await expect(page.getByRole('link', { name: /Boston Harbors vs Chicago Gales/ })).toBeVisible();
  test.info().annotations.push({ type: 'navigation-to-schedule-ms', description: String(Date.now() - navigation) });
  await expectAccessible(page, '/');
  await snap(page, 'schedule');

  await signUp(page, urls, 'Ada');
  // The session survives a reload.
  await page.reload();
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();

  await page.getByLabel('Search events').fill('Harbors vs Chicago');
  const live = page.getByRole('region', { name: 'Live now' });
  await expect(live.getByRole('link')).toHaveCount(1);
  await expect(page.getByRole('region', { name: 'Upcoming' }).getByRole('link', { name: /Seattle/ })).toHaveCount(0);
  await live.getByRole('link', { name: /Boston Harbors vs Chicago Gales/ }).click();

  await expect(page.getByRole('heading', { level: 1, name: 'Boston Harbors vs Chicago Gales' })).toBeVisible();
  await expect(page.getByText('Center court')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Watch' })).toHaveCount(0);
  await expectAccessible(page, '/events/:id');
  await snap(page, 'event');
  await page.getByRole('button', { name: 'Buy pass' }).first().click();

  await expect(page.getByRole('heading', { name: 'Checkout' })).toBeVisible();
  await page.getByLabel(/pm_card_ok/).check();
  await expectAccessible(page, '/checkout/:productId');
  // Pressed twice: one order.
  const pay = page.getByRole('button', { name: 'Pay' });
  await pay.dblclick();
  await expect(page.getByRole('status')).toHaveText('Paid', { timeout: 30_000 });
  await snap(page, 'checkout-paid');
  // A reload follows the same order rather than paying again.
  await page.reload();
  await expect(page.getByRole('status')).toHaveText('Paid');
  const token = await tokenOf(page);
  const { myOrders } = await gql<{ myOrders: { edges: Array<{ node: { status: string } }> } }>(urls, '{ myOrders(first: 10) { edges { node { status } } } }', {}, token);
  expect(myOrders.edges.map((e) => e.node.status)).toEqual(['PAID']);

  await page.getByRole('link', { name: 'Go to the game' }).click();
  await page.getByRole('button', { name: 'Watch' }).click();
  await expect(page).toHaveURL(/\/watch\//);
  await expect(page.getByRole('group', { name: 'Seats' }).getByRole('button', { name: 'Center court' })).toHaveAttribute('aria-pressed', 'true');
  // No Janus in this platform: the player says so in words (the watch e2e test plays real video).
  await expect(page.locator('#status')).toHaveText(/not live right now|cannot be reached|could not start|Watching/);
  await page.getByRole('button', { name: 'Under the basket' }).click();
  await expect(page.getByRole('button', { name: 'Under the basket' })).toHaveAttribute('aria-pressed', 'true');
  await expectAccessible(page, '/watch/:feedId');
  await snap(page, 'watch');

  await page.getByRole('link', { name: 'Account' }).click();
  await expect(page.getByRole('heading', { name: 'Account' })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Orders' }).getByText('Paid')).toBeVisible();
  await expect(page.getByRole('region', { name: 'Passes' }).getByRole('link', { name: 'Boston Harbors vs Chicago Gales' })).toBeVisible();
  await page.getByLabel('Name').fill('my script');
  await page.getByLabel(/Read my profile/).check();
  await page.getByRole('button', { name: 'Create API key' }).click();
  const secret = await page.getByLabel('Secret').inputValue();
  expect(secret).toMatch(/^fr_/);
  const keyWorks = await fetch(urls.gateway, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': secret }, body: JSON.stringify({ query: '{ me { displayName } }' }) });
  expect(((await keyWorks.json()) as { data: { me: { displayName: string } } }).data.me.displayName).toMatch(/^Ada/);
  await expectAccessible(page, '/account');
  await snap(page, 'account');
  await page.getByRole('button', { name: 'I have saved it' }).click();
  await page.getByRole('button', { name: 'Revoke my script' }).click();
  await expect(page.getByText('Revoked')).toBeVisible();
  await expect(page.getByLabel('Secret')).toHaveCount(0);

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('link', { name: 'Sign in' })).toBeVisible();
  await page.reload();
  await expect(page.getByRole('link', { name: 'Sign in' })).toBeVisible();
});

test('a declined card says so, and another card can be tried', async ({ page }) => {
  const urls = platform();
  await signUp(page, urls, 'Bob');
  await page.getByLabel('Sport').selectOption('Soccer');
  await expect(page.getByRole('region', { name: 'Upcoming' }).getByRole('link').first()).toBeVisible();
  await expect(page.getByRole('region', { name: 'Upcoming' }).getByText('Basketball')).toHaveCount(0);
  await page.getByRole('region', { name: 'Upcoming' }).getByRole('link').first().click();
  await page.getByRole('button', { name: 'Buy pass' }).first().click();
  await page.getByLabel(/pm_card_declined/).check();
  await page.getByRole('button', { name: 'Pay' }).click();
  await expect(page.getByRole('status')).toHaveText(/Payment failed: your card was declined/, { timeout: 30_000 });
  await snap(page, 'checkout-declined');
  await page.getByRole('button', { name: 'Try another card' }).click();
  await page.getByLabel(/pm_card_ok/).check();
  await page.getByRole('button', { name: 'Pay' }).click();
  await expect(page.getByRole('status')).toHaveText('Paid', { timeout: 30_000 });
});

test('sign-in, sign-up and unknown pages read well and are accessible; a wrong password is explained', async ({ page }) => {
  const urls = platform();
  await page.goto(`${urls.web}/signin`);
  await expectAccessible(page, '/signin');
  await page.getByLabel('Email').fill('nobody@example.com');
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toHaveText(/do not match|sign in/i);
  await expect(page.getByRole('alert')).not.toContainText('GraphQL');
  await snap(page, 'signin');
  await page.goto(`${urls.web}/signup`);
  await expectAccessible(page, '/signup');
  // A signed-out visitor sent to a signed-in page comes back to it after signing in.
  await page.goto(`${urls.web}/account`);
  await expect(page).toHaveURL(/\/signin\?next=%2Faccount/);
  await page.goto(`${urls.web}/nowhere`);
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
  await expectAccessible(page, '404');
});

test('at phone width the schedule and the event page fit the screen', async ({ browser }) => {
  const urls = platform();
  const phone = await browser.newContext({ viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true });
  const page = await phone.newPage();
  await page.goto(urls.web);
  await expect(page.getByRole('link', { name: /Boston Harbors vs Chicago Gales/ })).toBeVisible();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await snap(page, 'schedule-phone');
  await page.getByRole('link', { name: /Boston Harbors vs Chicago Gales/ }).click();
  await expect(page.getByRole('button', { name: 'Buy pass' }).first()).toBeVisible();
  expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
  await snap(page, 'event-phone');
  await phone.close();
});
