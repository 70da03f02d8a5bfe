import { encodePng } from '@frontrow/creative/src/png';
import type { Page } from '@playwright/test';
import { expect, expectAccessible, gql, newFan, snap, test, usePlatform, type Urls } from './fixtures';
import { TEST_ADMIN } from './ready';

/**
 * The admin dashboard as staff use it: the seeded admin runs the schedule, refunds a
 * fan's order, approves a sponsor's creative, kicks a reported member, watches live QoS
 * while synthetic viewers play the demo game; a fan is refused. Every route passes
 * axe; each page is kept as a screenshot (test-artifacts/admin/).
 */
const platform = usePlatform({ syntheticViewers: 25 });

interface Person {
  id: string;
  token: string;
  refreshToken: string;
  email: string;
  password: string;
}

async function signUpApi(urls: Urls, name: string): Promise<Person> {
  const fan = newFan(name);
  const d = await gql<{ signUp: { accessToken: string; refreshToken: string; user: { id: string } } }>(
    urls,
    'mutation($i: SignUpInput!) { signUp(input: $i) { accessToken refreshToken user { id } } }',
    { i: fan },
  );
  return { id: d.signUp.user.id, token: d.signUp.accessToken, refreshToken: d.signUp.refreshToken, email: fan.email, password: fan.password };
}

async function adminToken(urls: Urls): Promise<string> {
  const d = await gql<{ signIn: { accessToken: string } }>(urls, 'mutation($i: SignInInput!) { signIn(input: $i) { accessToken } }', { i: TEST_ADMIN });
  return d.signIn.accessToken;
}

/** The demo's live game (synthetic viewers watch it). */
async function liveDemoGame(urls: Urls): Promise<{ id: string; title: string; productId: string }> {
  const d = await gql<{ events: { edges: Array<{ node: { id: string; title: string; products: Array<{ id: string; kind: string }> } }> } }>(
    urls,
    '{ events(filter: { status: LIVE, search: "Harbors" }, first: 5) { edges { node { id title products { id kind } } } } }',
  );
  const node = d.events.edges[0].node;
  return { id: node.id, title: node.title, productId: node.products.find((p) => p.kind === 'EVENT_PASS')!.id };
}

async function signInAsAdmin(page: Page, urls: Urls, path = '/'): Promise<void> {
  await page.goto(`${urls.admin}${path}`);
  await page.getByLabel('Email').fill(TEST_ADMIN.email);
  await page.getByLabel('Password').fill(TEST_ADMIN.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('navigation', { name: 'Dashboard' })).toBeVisible();
}

test("a fan's account gets the refusal page, and the sign-in page is accessible", async ({ page }) => {
  const urls = platform();
  const fan = await signUpApi(urls, 'Refused');
  await page.goto(urls.admin);
  await expect(page.getByRole('heading', { name: 'Sign in to the dashboard' })).toBeVisible();
  await expectAccessible(page, '/ (sign-in)');
  await snap(page, 'signin', 'admin');
  await page.getByLabel('Email').fill(fan.email);
  await page.getByLabel('Password').fill(fan.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Admins and moderators only' })).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Dashboard' })).toHaveCount(0);
  await expectAccessible(page, '/ (refused)');
  await snap(page, 'refused', 'admin');
  // Every page says the same, and shows nothing of what it holds.
  await page.goto(`${urls.admin}/sales`);
  await expect(page.getByRole('heading', { name: 'Admins and moderators only' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Orders' })).toHaveCount(0);
  // A handed-over token is refused alike.
  await page.getByRole('button', { name: 'Sign out and use another account' }).click();
  await page.goto(`${urls.admin}/audit#token=${fan.token}`);
  await expect(page.getByRole('heading', { name: 'Admins and moderators only' })).toBeVisible();
});

test('the admin creates a venue, an event and a feed, sees a server error beside its field, and takes the event live', async ({ page }) => {
  const urls = platform();
  await signInAsAdmin(page, urls);
  await expect(page).toHaveURL(/\/events$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Events' })).toBeVisible();

  await page.getByRole('button', { name: 'New venue' }).click();
  const venueForm = page.getByRole('form', { name: 'New venue' });
  await venueForm.getByLabel('Name').fill('Harbour Dome');
  await venueForm.getByLabel('City', { exact: true }).fill('Lisbon');
  await venueForm.getByLabel('Country').fill('PT');
  await venueForm.getByLabel('Time zone').fill('Mars/Olympus');
  await venueForm.getByLabel('Capacity').fill('18000');
  await venueForm.getByRole('button', { name: 'Create venue' }).click();
  // The server's check, shown beside the field it names.
  const timezone = venueForm.getByLabel('Time zone');
  await expect(timezone).toHaveAttribute('aria-invalid', 'true');
  await expect(venueForm.getByRole('alert')).toContainText('is not an IANA time zone');
  await timezone.fill('Europe/Lisbon');
  await venueForm.getByRole('button', { name: 'Create venue' }).click();
  await expect(page.getByRole('region', { name: 'Venues' }).getByRole('rowheader', { name: 'Harbour Dome' })).toBeVisible();

  await page.getByRole('button', { name: 'New event' }).click();
  const eventForm = page.getByRole('form', { name: 'New event' });
  await eventForm.getByLabel('Title').fill('Lisbon Tides vs Porto Anchors');
  await eventForm.getByLabel('Sport').fill('Basketball');
  await eventForm.getByLabel('Home team').fill('Lisbon Tides');
  await eventForm.getByLabel('Away team').fill('Porto Anchors');
  await eventForm.getByLabel('Venue').selectOption({ label: 'Harbour Dome, Lisbon' });
  await eventForm.getByLabel('Starts at').fill('2031-05-01T20:00');
  await eventForm.getByLabel('Ends at').fill('2031-05-01T19:00');
  await eventForm.getByRole('button', { name: 'Create event' }).click();
  await expect(eventForm.getByLabel('Ends at')).toHaveAttribute('aria-invalid', 'true');
  await eventForm.getByLabel('Ends at').fill('2031-05-01T22:00');
  await eventForm.getByRole('button', { name: 'Create event' }).click();
  // The new event is selected: its feeds panel opens.
  await expect(page.getByRole('heading', { name: 'Feeds of Lisbon Tides vs Porto Anchors' })).toBeVisible();
  await page.getByRole('button', { name: 'New feed' }).click();
  const feedForm = page.getByRole('form', { name: 'New feed' });
  await feedForm.getByLabel('Label').fill('Courtside');
  await feedForm.getByLabel('Default seat').check();
  await feedForm.getByRole('button', { name: 'Add feed' }).click();
  const feeds = page.getByRole('region', { name: 'Feeds of Lisbon Tides vs Porto Anchors' });
  await expect(feeds.getByRole('row', { name: /Courtside/ })).toContainText('Idle');
  await expect(feeds.getByRole('button', { name: 'Start ingest' })).toBeVisible();

  await page.getByLabel('Search events').fill('Lisbon Tides');
  const row = page.getByRole('region', { name: 'Events' }).getByRole('row', { name: /Lisbon Tides vs Porto Anchors/ });
  await expect(row).toContainText('Scheduled');
  await row.getByRole('button', { name: 'Go live' }).click();
  await expect(row).toContainText('Live');
  await expect(row.getByRole('button', { name: 'End' })).toBeVisible();
  await expectAccessible(page, '/events');
  await snap(page, 'events', 'admin');

  const token = await adminToken(urls);
  const d = await gql<{ events: { edges: Array<{ node: { status: string; feeds: Array<{ label: string; isDefault: boolean }>; venue: { name: string; capacity: number } } }> } }>(
    urls,
    '{ events(filter: { search: "Lisbon Tides" }) { edges { node { status feeds { label isDefault } venue { name capacity } } } } }',
    {},
    token,
  );
  expect(d.events.edges.map((e) => e.node)).toEqual([{ status: 'LIVE', feeds: [{ label: 'Courtside', isDefault: true }], venue: { name: 'Harbour Dome', capacity: 18000 } }]);
});

test("the admin refunds a fan's order, and the fan's entitlement is gone", async ({ page }) => {
  const urls = platform();
  const game = await liveDemoGame(urls);
  const fan = await signUpApi(urls, 'Refundee');
  const { checkout } = await gql<{ checkout: { id: string } }>(
    urls,
    'mutation($i: CheckoutInput!) { checkout(input: $i) { id } }',
    { i: { productId: game.productId, quantity: 1, idempotencyKey: `refund-${fan.id}`, paymentMethod: 'pm_card_ok' } },
    fan.token,
  );
  await expect
    .poll(async () => (await gql<{ order: { status: string } }>(urls, 'query($id: ID!) { order(id: $id) { status } }', { id: checkout.id }, fan.token)).order.status, { timeout: 30_000 })
    .toBe('PAID');
  const entitlements = async () => (await gql<{ myEntitlements: Array<{ id: string }> }>(urls, '{ myEntitlements { id } }', {}, fan.token)).myEntitlements;
  expect(await entitlements()).toHaveLength(1);

  await signInAsAdmin(page, urls, '/sales');
  await expect(page.getByRole('heading', { level: 1, name: 'Sales' })).toBeVisible();
  await page.getByLabel('Event').selectOption(game.id);
  await page.getByLabel('Status').selectOption('PAID');
  const orders = page.getByRole('region', { name: 'Orders' });
  const row = orders.getByRole('row', { name: new RegExp(fan.email.replace(/[.+]/g, '\\$&')) });
  await expect(row).toContainText('Paid');
  await expect(page.getByRole('region', { name: 'Totals per product' }).getByRole('rowheader').first()).toBeVisible();
  await expectAccessible(page, '/sales');
  await snap(page, 'sales', 'admin');
  await row.getByRole('button', { name: 'Refund' }).click();
  await row.getByLabel('Reason for the refund').fill('Stream failed for this fan');
  await row.getByRole('button', { name: 'Confirm refund' }).click();
  await expect(row).toContainText('Refunded');
  await expect(row.getByRole('button', { name: 'Refund' })).toHaveCount(0);
  expect(await entitlements()).toEqual([]);
  const refunded = await gql<{ order: { status: string } }>(urls, 'query($id: ID!) { order(id: $id) { status } }', { id: checkout.id }, fan.token);
  expect(refunded.order.status).toBe('REFUNDED');
});

test("the admin approves a sponsor's creative uploaded over the API, and it appears in nextAd", async ({ page }) => {
  const urls = platform();
  const game = await liveDemoGame(urls);
  const admin = await adminToken(urls);
  const owner = await signUpApi(urls, 'Sponsor');
  const { createSponsor } = await gql<{ createSponsor: { id: string } }>(urls, 'mutation($i: SponsorInput!) { createSponsor(input: $i) { id } }', { i: { name: 'Tidewater Cola', ownerId: owner.id } }, admin);
  // Identity grants SPONSOR from the bus; a refreshed token carries it.
  await expect
    .poll(
      async () => {
        const r = await gql<{ refreshSession: { accessToken: string; refreshToken: string; user: { roles: string[] } } }>(
          urls,
          'mutation($t: String!) { refreshSession(refreshToken: $t) { accessToken refreshToken user { roles } } }',
          { t: owner.refreshToken },
        );
        owner.refreshToken = r.refreshSession.refreshToken;
        owner.token = r.refreshSession.accessToken;
        return r.refreshSession.user.roles.includes('SPONSOR');
      },
      { timeout: 30_000 },
    )
    .toBe(true);
  const png = encodePng(320, 90, (x, y) => [20 + (x % 200), 90 + (y % 120), 200]);
  const up = await gql<{ requestAssetUpload: { uploadUrl: string; method: string; headers: Array<{ name: string; value: string }>; asset: { id: string } } }>(
    urls,
    'mutation($i: AssetUploadInput!) { requestAssetUpload(input: $i) { uploadUrl method headers { name value } asset { id } } }',
    { i: { sponsorId: createSponsor.id, name: 'Tidewater HUD banner', kind: 'IMAGE', contentType: 'image/png', bytes: png.length } },
    owner.token,
  );
  const put = await fetch(up.requestAssetUpload.uploadUrl, {
    method: up.requestAssetUpload.method,
    headers: Object.fromEntries(up.requestAssetUpload.headers.map((h) => [h.name, h.value])),
    body: new Uint8Array(png),
  });
  expect(put.status).toBe(200);
  const assetId = up.requestAssetUpload.asset.id;
  await gql(urls, 'mutation($id: ID!) { submitAsset(assetId: $id) { status } }', { id: assetId }, owner.token);

  await signInAsAdmin(page, urls, '/creatives');
  const card = page.getByRole('article', { name: 'Tidewater HUD banner' });
  await expect(card.getByRole('img', { name: 'Tidewater HUD banner, preview' })).toBeVisible();
  await expect.poll(() => card.getByRole('img').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(320);
  await expect(card).toContainText('Tidewater Cola');
  await expect(page.getByRole('img', { name: /from above, placements per surface: Jumbotron: 1/ })).toBeVisible();
  await expectAccessible(page, '/creatives');
  await snap(page, 'creatives', 'admin');
  await card.getByRole('button', { name: 'Approve' }).click();
  await expect(card).toHaveCount(0);

  const now = Date.now();
  await gql(
    urls,
    'mutation($i: PlacementInput!) { createPlacement(input: $i) { id } }',
    { i: { eventId: game.id, assetId, surface: 'HUD', startsAt: new Date(now - 60_000).toISOString(), endsAt: new Date(now + 3_600_000).toISOString() } },
    admin,
  );
  const viewer = await signUpApi(urls, 'Viewer');
  const { nextAd } = await gql<{ nextAd: { asset: { id: string; status: string } } | null }>(
    urls,
    'query($e: ID!) { nextAd(eventId: $e, surface: HUD) { asset { id status } } }',
    { e: game.id },
    viewer.token,
  );
  expect(nextAd?.asset).toEqual({ id: assetId, status: 'APPROVED' });
  await page.reload();
  await expect(page.getByRole('img', { name: /placements per surface: .*Headset HUD: 1/ })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Placements' }).getByRole('row', { name: /Tidewater HUD banner/ })).toContainText('Headset HUD');
});

test('the admin kicks a reported member, and the kick is in the audit log', async ({ page }) => {
  const urls = platform();
  const game = await liveDemoGame(urls);
  const host = await signUpApi(urls, 'Host');
  const troll = await signUpApi(urls, 'Troll');
  const { createParty } = await gql<{ createParty: { id: string; inviteCode: string } }>(urls, 'mutation($e: ID!) { createParty(eventId: $e) { id inviteCode } }', { e: game.id }, host.token);
  await gql(urls, 'mutation($c: String!) { joinParty(inviteCode: $c) { id } }', { c: createParty.inviteCode }, troll.token);
  const say = (who: Person, body: string) =>
    gql<{ sendChatMessage: { id: string } }>(urls, 'mutation($p: ID!, $b: String!) { sendChatMessage(partyId: $p, body: $b) { id } }', { p: createParty.id, b: body }, who.token);
  await say(host, 'Kick-off in a minute!');
  const bad = await say(troll, 'You all are clowns and so is your team');
  await say(host, 'Please keep it friendly');
  await gql(urls, 'mutation($m: ID!) { reportMessage(messageId: $m, reason: "Insulting the party") }', { m: bad.sendChatMessage.id }, host.token);

  await signInAsAdmin(page, urls, '/moderation');
  const report = page.getByRole('article').filter({ hasText: 'You all are clowns' });
  await expect(report).toContainText('Insulting the party');
  // The lines around it, the reported one marked.
  const context = report.getByRole('list', { name: 'The conversation around it' });
  await expect(context.getByRole('listitem')).toHaveText([/Kick-off in a minute!/, /You all are clowns/, /Please keep it friendly/]);
  await expectAccessible(page, '/moderation');
  await snap(page, 'moderation', 'admin');
  await report.getByRole('button', { name: 'Kick' }).click();
  await expect(report.getByRole('status')).toContainText('Kicked');
  const members = await gql<{ party: { members: Array<{ user: { id: string } }> } }>(urls, 'query($id: ID!) { party(id: $id) { members { user { id } } } }', { id: createParty.id }, host.token);
  expect(members.party.members.map((m) => m.user.id)).toEqual([host.id]);
  await report.getByRole('button', { name: 'Dismiss' }).click();
  await expect(page.getByRole('article').filter({ hasText: 'You all are clowns' })).toHaveCount(0);
  // The audit log is written from the bus: the dismissal reaches it a moment later (in CI
  // once after the page had read the log). Wait until it is there, then read the page.
  const token = await adminToken(urls);
  const dismissedReported = async () =>
    (
      await gql<{ auditLog: { edges: Array<{ node: { targetId: string | null } }> } }>(
        urls,
        'query($f: AuditFilter) { auditLog(filter: $f, first: 25) { edges { node { targetId } } } }',
        { f: { action: 'presence.report.dismissed' } },
        token,
      )
    ).auditLog.edges.length > 0;
  await expect.poll(dismissedReported, { timeout: 15_000 }).toBe(true);

  await page.getByRole('navigation', { name: 'Dashboard' }).getByRole('link', { name: 'Audit log' }).click();
  await page.getByLabel('Action').fill('presence.member.kicked');
  const entry = page.getByRole('row', { name: /presence\.member\.kicked/ }).first();
  await expect(entry).toContainText('presence');
  await expect(entry).toContainText(troll.id);
  await entry.getByRole('button', { name: 'Details' }).click();
  await expect(page.locator('tr.details pre').first()).toContainText(createParty.id);
  await page.getByLabel('Action').fill('');
  await page.getByLabel('Subgraph').selectOption('presence');
  await expect(page.getByRole('row', { name: /presence\.report\.dismissed/ }).first()).toBeVisible();
  await expectAccessible(page, '/audit');
  await snap(page, 'audit', 'admin');
});

test('the QoS charts update within 10 s while synthetic viewers play, and an alert arrives as it fires', async ({ page }) => {
  const urls = platform();
  const game = await liveDemoGame(urls);
  await signInAsAdmin(page, urls, `/qos?event=${game.id}&window=5m`);
  await expect(page.getByRole('heading', { level: 1, name: 'Live QoS' })).toBeVisible();
  await expect(page.getByLabel('Live event')).toHaveValue(game.id);
  // The synthetic viewers' first minute is rolled up a settle time after it starts.
  const peak = page.locator('.figures div').filter({ hasText: 'Viewers (peak)' }).locator('dd');
  await expect.poll(async () => Number((await peak.textContent())?.replace(/\D/g, '') || 0), { timeout: 60_000 }).toBeGreaterThan(0);
  const chart = page.getByRole('img', { name: /^Bitrate: p50 [\d.]+ (Mb|kb)\/s$/ });
  await expect(chart).toBeVisible();
  // Redrawn with a fresh answer within 10 s (polled every 5 s), the time of it shown.
  const updates = async () => Number(await chart.getAttribute('data-updates'));
  const updated = page.getByText(/^Updated /);
  const before = { redraws: await updates(), text: await updated.textContent() };
  await expect.poll(updates, { timeout: 10_000, intervals: [250] }).toBeGreaterThan(before.redraws);
  await expect(updated).not.toHaveText(before.text!);
  await expect(page.locator('.chart canvas')).toHaveCount(4);

  // A rule the synthetic game crosses at once: more than zero viewers over 5 minutes.
  const rules = page.getByRole('form', { name: 'New alert rule' });
  await rules.getByLabel('Metric').selectOption('viewers');
  await rules.getByLabel('Threshold').fill('0');
  await rules.getByRole('button', { name: 'Add rule' }).click();
  const ruleRow = page.getByRole('region', { name: 'Alert rules' }).getByRole('row', { name: /Viewers/ });
  await expect(ruleRow).toContainText('Active');
  const alerts = page.getByRole('region', { name: 'Alerts' });
  await expect(alerts.locator('li.fresh')).toContainText(`Viewers rose above 0 over 5m`, { timeout: 30_000 });
  await expect(alerts.getByRole('alert')).toContainText('Alert: Viewers rose above 0');
  await expectAccessible(page, '/qos');
  await snap(page, 'qos', 'admin');
  // Switched off again, edited in place.
  await ruleRow.getByRole('button', { name: 'Edit' }).click();
  await ruleRow.getByLabel('Active').uncheck();
  await ruleRow.getByRole('button', { name: 'Save rule' }).click();
  await expect(page.getByRole('region', { name: 'Alert rules' }).getByRole('row', { name: /Viewers/ })).toContainText('Off');
});
