// Browser acceptance of bills (issue #11, the console part built so far): the demo customer
// acme-retail pays an order and finds the charge on its Bills page (the month's summary and the
// consumption record); its distributor finds the customer's month among its customers' bills,
// opens the customer's records and exports the month as CSV; after `jobs run bill-close` the
// operator sees the month closed, and a charge made afterwards shows in the next month as late.
// Run with tests/browser/run.sh (needs the built binary and chromium on PATH).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createFixture, login, logout, navItems, runCli, submitAndWait } from './helpers.mjs';

const fx = createFixture('bills');
before(() => fx.setup(), { timeout: 60_000 });
after(() => fx.teardown());

/** This billing month in the business time zone (UTC+8), and the first instant of the next. */
function months() {
  const now = new Date(Date.now() + 8 * 3600 * 1000);
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth() + 1;
  const pad = (n) => String(n).padStart(2, '0');
  const next = m === 12 ? `${y + 1}-01` : `${y}-${pad(m + 1)}`;
  return { cycle: `${y}-${pad(m)}`, firstOfNext: `${next}-01T00:00:00Z` };
}

test('a paid order shows on the customer’s and the partner’s bills; the operator closes the month', async (t) => {
  await fx.pageTest(t, async ({ page }) => {
    const { cycle, firstOfNext } = months();

    // The distributor's customer list gives acme-retail's id; an order is placed for it.
    await login(page, 'distributor');
    await page.goto('/console/customers');
    const customer = await page.locator('tr[data-account="acme-retail"]').getAttribute('data-customer');
    assert.ok(customer, 'acme-retail is listed');
    await logout(page);
    const order = JSON.parse(
      runCli(fx.server, ['admin', 'place-order', '--customer', customer, '--product', 'ecs-s6-small-1-linux',
        '--period', 'month', '--count', '1', '--quantity', '1', '--json']),
    ).order_id;

    // The customer pays it, then opens Bills.
    await login(page, 'acme-retail');
    await page.goto(`/console/orders/${order}`);
    await submitAndWait(page, 'form#pay-form button#pay');
    assert.equal(await page.locator('#order-status').getAttribute('data-status'), '5');
    assert.ok((await navItems(page)).includes('bills'), 'bills in the customer nav');
    await submitAndWait(page, 'nav#main-nav a[data-nav="bills"]');
    assert.equal(await page.locator('#bill-total').getAttribute('data-cents'), '3500');
    const line = page.locator('table#bill-sums tr[data-service="hws.service.type.ec2"][data-bill-type="1"]');
    assert.equal(await line.count(), 1);
    assert.match(await line.locator('td.payable').textContent(), /35\.00/);
    const record = page.locator('table#records tr[data-detail-type="1"]');
    assert.equal(await record.count(), 1);
    assert.match(await record.textContent(), /消费-新购/);
    assert.match(await record.textContent(), new RegExp(order));
    // Another month has nothing.
    await page.fill('form#month-form input[name=cycle]', '2020-01');
    await submitAndWait(page, 'form#month-form button[type=submit]');
    assert.equal(await page.locator('#bill-total').getAttribute('data-cents'), '0');
    await logout(page);

    // The distributor: the customer's month, its records, the CSV.
    await login(page, 'distributor');
    await submitAndWait(page, 'nav#main-nav a[data-nav="bills"]');
    const row = page.locator(`table#partner-bills tr[data-customer="${customer}"][data-bill-type="0"]`);
    assert.equal(await row.count(), 1);
    assert.match(await row.locator('td.payable').textContent(), /35\.00/);
    await submitAndWait(page, `table#partner-bills tr[data-customer="${customer}"] a.records`);
    assert.equal(await page.locator('#customer-records').getAttribute('data-customer'), customer);
    assert.equal(await page.locator('table#records tr[data-detail-type="1"]').count(), 1);
    const csv = await page.request.get(`/console/bills.csv?cycle=${cycle}`);
    assert.equal(csv.status(), 200);
    assert.match(csv.headers()['content-type'], /text\/csv/);
    const text = await csv.text();
    assert.match(text, new RegExp(`${cycle},${customer},hws\\.service\\.type\\.ec2,hws\\.resource\\.type\\.vm,0,35\\.00`));
    await logout(page);

    // The operator: the month is open, then closed by the job. This server runs on the system's
    // clock: no test-clock banner, no clock page.
    await login(page, 'operator');
    assert.equal(await page.locator('#test-clock-banner').count(), 0);
    assert.equal((await page.goto('/console/clock')).status(), 404);
    await submitAndWait(page, 'nav#main-nav a[data-nav="bills"]');
    assert.equal(await page.locator(`table#bill-months tr[data-cycle="${cycle}"]`).getAttribute('data-closed'), 'false');
    runCli(fx.server, ['jobs', 'run', 'bill-close', '--now', firstOfNext]);
    await page.reload();
    assert.equal(await page.locator(`table#bill-months tr[data-cycle="${cycle}"]`).getAttribute('data-closed'), 'true');
    await logout(page);

    // A charge made now, in the closed month, lands in the next month and says which it was for;
    // the closed month does not change.
    const late = JSON.parse(
      runCli(fx.server, ['admin', 'place-order', '--customer', customer, '--product', 'obs-standard-100g',
        '--period', 'month', '--count', '1', '--quantity', '1', '--json']),
    ).order_id;
    await login(page, 'acme-retail');
    await page.goto(`/console/orders/${late}`);
    await submitAndWait(page, 'form#pay-form button#pay');
    await page.goto(`/console/bills?cycle=${firstOfNext.slice(0, 7)}`);
    assert.equal(await page.locator('#bill-total').getAttribute('data-cents'), '990');
    assert.equal(await page.locator(`table#records small.late[data-late-from="${cycle}"]`).count(), 1);
    await page.goto(`/console/bills?cycle=${cycle}`);
    assert.equal(await page.locator('#bill-total').getAttribute('data-cents'), '3500');
  });
});
