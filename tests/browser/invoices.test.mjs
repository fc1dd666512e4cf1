// Browser acceptance of consumption invoices (issue #11, item 5) on the test clock: the demo
// resale customer acme-retail pays an order in January; on February 2nd it asks for January's
// invoice and is refused with the reason (the month opens after the 3rd); on the 4th the same
// request is accepted; its partner (the demo distributor, who invoices resale consumption)
// approves and issues it; both see it issued, with the invoice number. Then the customer returns
// it (退票) and, once the distributor confirms, January is open again.
// Run with tests/browser/run.sh (needs the built binary and chromium on PATH).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createFixture, isConsoleHome, login, logout, navItems, runCli, submitAndWait, submitLogin,
} from './helpers.mjs';

const fx = createFixture('invoices', { serverArgs: ['--test-clock'] });
before(() => fx.setup(), { timeout: 60_000 });
after(() => fx.teardown());

/** Sets the test clock with the CLI and waits until the server's pages show it (the banner is
 * on signed-in pages; moving the clock may end sessions, so each look signs in afresh). */
async function clockTo(page, time) {
  runCli(fx.server, ['admin', 'clock', 'set', time]);
  const want = Date.parse(time);
  for (let i = 0; i < 30; i++) {
    // A session made just before the server follows the move may expire at once: try again.
    await submitLogin(page, 'operator');
    if (isConsoleHome(page)) {
      const v = Number(await page.locator('#test-clock-banner').getAttribute('data-ms'));
      await logout(page);
      if (Math.abs(v - want) < 120_000) return;
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  assert.fail(`the server did not follow the clock to ${time}`);
}

/** The signed-in customer places and pays a month of a small server (35.00) on the console, so
 * on the test clock's time. */
async function buyServerMonth(page) {
  await page.click('nav#main-nav a[data-nav="catalog"]');
  const product = page.locator('table#products tr[data-product="ecs-s6-small-1-linux"]');
  await product.locator('select[name=period]').selectOption('month');
  await submitAndWait(page, 'table#products tr[data-product="ecs-s6-small-1-linux"] form button[type=submit]');
  await submitAndWait(page, 'button#place-order');
  await submitAndWait(page, 'form#pay-form button#pay');
  assert.equal(await page.locator('#order-status').getAttribute('data-status'), '5');
}

test('a customer asks for last month’s invoice: refused on the 2nd, accepted on the 4th; the partner issues it', async (t) => {
  await fx.pageTest(t, async ({ page }) => {
    // January 15th: acme-retail pays a month of a server (35.00).
    await clockTo(page, '2027-01-15T04:00:00Z');
    await login(page, 'acme-retail');
    await buyServerMonth(page);
    await logout(page);

    // February 2nd (10:00 in Shanghai): too early for January.
    await clockTo(page, '2027-02-02T02:00:00Z');
    await login(page, 'acme-retail');
    assert.ok((await navItems(page)).includes('invoices'), 'invoices in the customer nav');
    await submitAndWait(page, 'nav#main-nav a[data-nav="invoices"]');
    assert.match(await page.locator('#who-invoices-me').textContent(), /为您开具发票的是/);
    await page.fill('form#invoice-profile input[name=title]', '上海艾克米零售有限公司');
    await page.fill('form#invoice-profile input[name=tax_id]', '91310000MA1FL0001X');
    await submitAndWait(page, 'form#invoice-profile button#invoice-profile-save');
    assert.equal(await page.locator('#invoice-done').count(), 1);
    const january = page.locator('table#invoice-open tr[data-cycle="2027-01"]');
    assert.equal(await january.count(), 1, 'January is listed');
    assert.match(await january.locator('td.amount').textContent(), /35\.00/);
    await january.locator('input[type=checkbox]').check();
    const refused = await submitAndWait(page, 'form#invoice-request button#invoice-submit');
    assert.equal(refused.status(), 400);
    assert.match(await page.locator('form#invoice-request #invoice-request-error').textContent(), /3号/);
    assert.ok(await january.locator('input[type=checkbox]').isChecked(), 'the month chosen stays chosen');
    assert.equal(await page.locator('table#invoice-mine tr[data-invoice]').count(), 0, 'nothing was written');
    await logout(page);

    // February 4th: accepted, pending review.
    await clockTo(page, '2027-02-04T02:00:00Z');
    await login(page, 'acme-retail');
    await page.goto('/console/invoices');
    await page.locator('table#invoice-open tr[data-cycle="2027-01"] input[type=checkbox]').check();
    await submitAndWait(page, 'form#invoice-request button#invoice-submit');
    assert.equal(await page.locator('#invoice-done').count(), 1);
    const mine = page.locator('table#invoice-mine tr[data-invoice]');
    assert.equal(await mine.count(), 1);
    assert.equal(await mine.getAttribute('data-status'), '1');
    const id = await mine.getAttribute('data-invoice');
    await logout(page);

    // The distributor (the issuer of resale consumption) reviews and issues it.
    await login(page, 'distributor');
    await page.goto('/console/invoices');
    const row = () => page.locator(`table#invoice-queue tr[data-invoice="${id}"]`);
    assert.equal(await row().count(), 1, 'the request is in the partner’s queue');
    await submitAndWait(page, `table#invoice-queue tr[data-invoice="${id}"] form[data-action=approve] button`);
    assert.equal(await row().getAttribute('data-status'), '2');
    await page.fill(`table#invoice-queue tr[data-invoice="${id}"] form[data-action=issue] input[name=invoice_no]`, 'FP-2027-0001');
    await submitAndWait(page, `table#invoice-queue tr[data-invoice="${id}"] form[data-action=issue] button`);
    assert.equal(await row().getAttribute('data-status'), '4');
    assert.match(await row().textContent(), /FP-2027-0001/);
    assert.match(await row().textContent(), /已开票/);
    await logout(page);

    // The customer sees it issued.
    await login(page, 'acme-retail');
    await page.goto('/console/invoices');
    const issued = page.locator(`table#invoice-mine tr[data-invoice="${id}"]`);
    assert.equal(await issued.getAttribute('data-status'), '4');
    assert.match(await issued.textContent(), /已开票/);
    assert.match(await issued.textContent(), /FP-2027-0001/);
    // Nothing of January is left to invoice.
    assert.match(await page.locator('table#invoice-open tr[data-cycle="2027-01"] td.amount').textContent(), /0\.00/);

    // By order: a February order, invoiceable at once (the 3rd-of-the-month rule is the months').
    await buyServerMonth(page);
    await page.goto('/console/invoices');
    const orders = page.locator('table#invoice-open-orders tr[data-order]');
    assert.equal(await orders.count(), 1, 'only the February order is open (January is invoiced)');
    const order = await orders.getAttribute('data-order');
    assert.match(await orders.locator('td.amount').textContent(), /35\.00/);
    await orders.locator('input[type=checkbox]').check();
    await submitAndWait(page, 'form#invoice-request-order button#invoice-submit-order');
    assert.equal(await page.locator('#invoice-done').count(), 1);
    const byOrder = page.locator('table#invoice-mine tr[data-kind="2"]');
    assert.equal(await byOrder.count(), 1, 'the request by order is listed');
    assert.equal(await byOrder.getAttribute('data-status'), '1');
    assert.match(await byOrder.textContent(), new RegExp(`按订单[\\s\\S]*${order}`));
    assert.match(await byOrder.locator('td.amount').textContent(), /35\.00/);
    assert.equal(await page.locator('table#invoice-open-orders tr[data-order]').count(), 0, 'nothing left to ask by order');
    // Its time is Shanghai's, the zone named.
    assert.match(await byOrder.locator('td').first().textContent(), /^2027-02-04 \d\d:\d\d Asia\/Shanghai$/);
    // Asking again with nothing chosen is refused with the reason, in English too.
    await submitAndWait(page, 'form#lang-form button[name=lang][value="en-US"]');
    await page.goto('/console/invoices');
    const none = await submitAndWait(page, 'form#invoice-request-order button#invoice-submit-order');
    assert.equal(none.status(), 400);
    assert.match(await page.locator('form#invoice-request-order #invoice-request-order-error').textContent(), /Choose at least one order/);
    assert.match(await page.locator('table#invoice-mine tr[data-kind="2"]').textContent(), /By order/);

    // R8.10: January's invoice is returned; once the issuer confirms it, January is open again.
    const jan = () => page.locator(`table#invoice-mine tr[data-invoice="${id}"]`);
    await page.fill(`table#invoice-mine tr[data-invoice="${id}"] form[data-action=return] input[name=reason]`, 'wrong title');
    await submitAndWait(page, `table#invoice-mine tr[data-invoice="${id}"] form[data-action=return] button`);
    assert.equal(await jan().getAttribute('data-status'), '6');
    assert.match(await jan().textContent(), /Return requested/);
    await logout(page);
    await login(page, 'distributor');
    await page.goto('/console/invoices');
    await submitAndWait(page, `table#invoice-queue tr[data-invoice="${id}"] form[data-action=confirm-return] button`);
    assert.equal(await row().getAttribute('data-status'), '7');
    await logout(page);
    await login(page, 'acme-retail');
    await page.goto('/console/invoices');
    assert.match(await jan().textContent(), /Returned/);
    assert.match(await page.locator('table#invoice-open tr[data-cycle="2027-01"] td.amount').textContent(), /35\.00/);
  });
});
