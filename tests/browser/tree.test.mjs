// Browser test of the distributor → reseller tree: the demo reseller delegates continuous
// operation to the demo distributor, which then sees the reseller's customer west-lake-tea with
// its contact details; the reseller cancels and the contact details are gone again.
// Run with tests/browser/run.sh (needs the built binary and chromium on PATH).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createFixture, login, navItems, pathOf, submitAndWait } from './helpers.mjs';

const fx = createFixture('tree');
before(() => fx.setup(), { timeout: 60_000 });
after(() => fx.teardown());

const TEA_EMAIL = 'ops@west-lake-tea.example';
const TEA_PHONE = '138****2222';

/** The distributor's view of its (single demo) reseller's customers, from its resellers page. */
async function distributorView(page) {
  const res = await page.goto('/console/resellers');
  assert.equal(res.status(), 200);
  const row = page.locator('table#resellers tr[data-reseller]', { hasText: 'Hangzhou Cloud Reseller' });
  assert.equal(await row.count(), 1, 'the demo reseller is listed');
  const delegated = (await row.getAttribute('data-delegated')) === 'yes';
  const count = (await row.locator('td.customer-count').textContent()).trim();
  const resellerId = await row.getAttribute('data-reseller');
  const link = row.locator('a.view-customers');
  assert.equal(await link.count(), delegated ? 1 : 0, 'a customer link only when delegated');
  if (delegated) {
    await submitAndWait(page, 'table#resellers a.view-customers');
  } else {
    await page.goto(`/console/customers?reseller=${resellerId}`);
  }
  const total = (await page.locator('#customer-total').textContent()).trim();
  return { delegated, count, total, text: await page.locator('main').textContent() };
}

test('reseller delegates, distributor sees contact details, reseller cancels', async (t) => {
  await fx.pageTest(t, async ({ page, newContext }) => {
    const dist = await (await newContext()).newPage();
    await login(dist, 'distributor');
    assert.ok((await navItems(dist)).includes('resellers'), 'distributor nav has resellers');

    // Before: the count only.
    let v = await distributorView(dist);
    assert.equal(v.delegated, false);
    assert.equal(v.count, '1');
    assert.equal(v.total, '1');
    assert.ok(!v.text.includes('west-lake-tea'), 'no customers without delegation');
    assert.ok(!v.text.includes(TEA_EMAIL), 'no e-mail without delegation');
    assert.equal(await dist.locator('#not-delegated').count(), 1);

    // The reseller reads the notice and must tick the box.
    await login(page, 'reseller');
    assert.ok((await navItems(page)).includes('delegation'), 'reseller nav has delegation');
    await page.click('nav#main-nav a[data-nav="delegation"]');
    await page.locator('#delegation-notice').waitFor();
    assert.equal(await page.locator('#delegation-status').getAttribute('data-status'), 'not_delegated');
    assert.ok((await page.locator('#delegation-notice h2').textContent()).includes('销售拓展任务委托须知'));
    await page.click('form#delegate-form button#delegate');
    // The required checkbox keeps the form from being sent.
    assert.equal(pathOf(page), '/console/delegation');
    assert.equal(await page.locator('#delegation-status').getAttribute('data-status'), 'not_delegated');
    await page.check('form#delegate-form input#consent');
    await submitAndWait(page, 'form#delegate-form button#delegate');
    assert.equal(await page.locator('#delegation-status').getAttribute('data-status'), 'delegated');
    assert.equal(await page.locator('table#delegation-history tr[data-status="active"]').count(), 1);

    // The distributor now sees west-lake-tea with its contact details.
    v = await distributorView(dist);
    assert.equal(v.delegated, true);
    const tea = dist.locator('table#customers tr[data-account="west-lake-tea"]');
    assert.equal(await tea.count(), 1, 'west-lake-tea is listed');
    assert.equal((await tea.locator('td.email').textContent()).trim(), TEA_EMAIL);
    assert.equal((await tea.locator('td.telephone').textContent()).trim(), TEA_PHONE);
    await submitAndWait(dist, 'table#customers tr[data-account="west-lake-tea"] a');
    assert.equal((await dist.locator('#account-name').textContent()).trim(), 'west-lake-tea');
    assert.equal((await dist.locator('dd.email').textContent()).trim(), TEA_EMAIL);
    const detailPath = pathOf(dist);

    // The reseller cancels, confirming the dialog.
    page.once('dialog', (d) => d.accept());
    await submitAndWait(page, 'form#cancel-delegation-form button#cancel-delegation');
    assert.equal(await page.locator('#delegation-status').getAttribute('data-status'), 'not_delegated');
    assert.equal(await page.locator('table#delegation-history tr[data-status="cancelled"]').count(), 1);

    // The distributor no longer sees contact details, nor the customer's page.
    v = await distributorView(dist);
    assert.equal(v.delegated, false);
    assert.equal(v.total, '1');
    assert.ok(!v.text.includes(TEA_EMAIL), 'the e-mail is gone after cancelling');
    assert.ok(!v.text.includes(TEA_PHONE), 'the telephone is gone after cancelling');
    const res = await dist.goto(detailPath);
    assert.equal(res.status(), 404);
    assert.ok(!(await dist.content()).includes(TEA_EMAIL));
  });
});

test('operator sees every customer with its partner and opens a partner', async (t) => {
  await fx.pageTest(t, async ({ page }) => {
    await login(page, 'operator');
    assert.ok((await navItems(page)).includes('customers'), 'operator nav has customers');
    await page.click('nav#main-nav a[data-nav="customers"]');
    const rows = page.locator('table#customers tr[data-customer]');
    // The demo's customers (its year of history adds to the original five), up to a page.
    const total = Number((await page.locator('#customer-total').textContent()).trim());
    const shown = await rows.count();
    assert.ok(total >= 5 && shown >= 5 && shown <= total, `total ${total}, rows ${shown}`);
    const tea = page.locator('table#customers tr[data-account="west-lake-tea"] td.partner');
    assert.ok((await tea.textContent()).includes('Hangzhou Cloud Reseller'));
    await page.fill('form#customer-filters input[name=partner]', 'Polaris');
    await submitAndWait(page, 'form#customer-filters button[type=submit]');
    const polaris = await rows.count();
    assert.ok(polaris >= 1 && polaris < shown, `Polaris has ${polaris} of ${shown}`);
    for (const p of await page.locator('table#customers tr[data-customer] td.partner').allTextContents()) {
      assert.ok(p.includes('Polaris'), p);
    }
    // The distributor's own customers, as the list filtered by its name counts them.
    await page.fill('form#customer-filters input[name=partner]', 'East China Cloud Distribution');
    await submitAndWait(page, 'form#customer-filters button[type=submit]');
    const own = (await page.locator('#customer-total').textContent()).trim();

    await page.goto('/console/partners');
    await submitAndWait(page, 'table#partners a:has-text("East China Cloud Distribution")');
    assert.match(pathOf(page), /^\/console\/partners\/p/);
    assert.equal(await page.locator('table#resellers tr[data-reseller]').count(), 3, 'the demo has three resellers');
    assert.equal((await page.locator('#customer-count').textContent()).trim(), own);
  });
});
