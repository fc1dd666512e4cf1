// Browser test of coupon recall: the operator grants the demo distributor a voucher quota with
// limits (shown on the partner's quota list), the distributor issues a voucher to acme-retail,
// the customer sees it under My coupons; the distributor recalls it (the confirmation names the
// amount); the customer no longer sees it, the partner's list shows it reclaimed with its amount,
// and the quota balance rose by that amount.
// Run with tests/browser/run.sh (needs the built binary and chromium on PATH).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createFixture, login, navItems, submitAndWait } from './helpers.mjs';

const fx = createFixture('coupons');
before(() => fx.setup(), { timeout: 60_000 });
after(() => fx.teardown());

const money = (s) => Number(String(s).replace(/[^0-9.]/g, ''));

test('partner recalls a voucher; the customer no longer sees it; the quota gets it back', async (t) => {
  await fx.pageTest(t, async ({ page, newContext }) => {
    // The operator grants 500.00 to the demo distributor.
    const ops = await (await newContext()).newPage();
    await login(ops, 'operator');
    assert.ok((await navItems(ops)).includes('quotas'));
    await ops.goto('/console/partners?offset=0');
    const distId = await ops
      .locator('tr[data-partner]', { hasText: 'East China Cloud Distribution' })
      .first()
      .getAttribute('data-partner');
    assert.ok(distId, 'the demo distributor is listed');
    await ops.goto('/console/quotas');
    await ops.fill('form#grant-form input[name=partner_id]', distId);
    await ops.fill('form#grant-form input[name=amount]', '500.00');
    // With limits: at most 800.00 per coupon, new purchases and renewals only.
    await ops.fill('form#grant-form input[name=max_face]', '800');
    await ops.check('form#grant-form input[name=order_types][value="1"]');
    await ops.check('form#grant-form input[name=order_types][value="2"]');
    await submitAndWait(ops, 'form#grant-form button#grant');
    assert.equal(await ops.locator('#quota-flash').count(), 1, await ops.locator('main').textContent());

    // The distributor issues 88.50 to acme-retail.
    await login(page, 'distributor');
    assert.ok((await navItems(page)).includes('vouchers'));
    await page.goto('/console/customers');
    const custId = await page.locator('tr[data-account="acme-retail"]').getAttribute('data-customer');
    await page.click('nav#main-nav a[data-nav="vouchers"]');
    await page.locator('table#quotas').waitFor();
    const quotaRow = page.locator('table#quotas tr[data-quota]').first();
    const quotaId = await quotaRow.getAttribute('data-quota');
    const before = money(await quotaRow.locator('td.quota-balance').textContent());
    assert.equal(before, 500);
    assert.ok((await quotaRow.locator('td.quota-limits li[data-limit="face_value"]').textContent()).includes('800.00'));
    assert.equal(await quotaRow.locator('td.quota-limits li[data-limit="order_types"]').count(), 1);
    await page.fill('form#issue-form textarea[name=customer_ids]', custId);
    await page.fill('form#issue-form input[name=face_value]', '88.50');
    await submitAndWait(page, 'form#issue-form button#issue');
    assert.equal(await page.locator('#coupon-flash').count(), 1, await page.locator('main').textContent());
    const row = page.locator('table#issued tr[data-coupon]').first();
    const couponId = await row.getAttribute('data-coupon');
    assert.equal(await row.getAttribute('data-status'), '2');
    assert.equal(money(await page.locator(`table#quotas tr[data-quota="${quotaId}"] td.quota-balance`).textContent()), 411.5);

    // The customer sees it.
    const cust = await (await newContext()).newPage();
    await login(cust, 'acme-retail');
    assert.ok((await navItems(cust)).includes('my-coupons'));
    await cust.click('nav#main-nav a[data-nav="my-coupons"]');
    await cust.locator('table#my-coupons').waitFor();
    assert.equal(await cust.locator(`tr[data-coupon="${couponId}"]`).count(), 1);

    // The distributor recalls it; the confirmation names the amount.
    let dialogText = '';
    page.once('dialog', (d) => {
      dialogText = d.message();
      d.accept();
    });
    await submitAndWait(page, `table#issued tr[data-coupon="${couponId}"] button.recall`);
    assert.ok(dialogText.includes('88.50'), `the confirmation names the amount: ${dialogText}`);
    assert.ok((await page.locator('#coupon-flash').textContent()).includes('88.50'));
    const after = page.locator(`table#issued tr[data-coupon="${couponId}"]`);
    assert.equal(await after.getAttribute('data-status'), '5');
    assert.equal(money(await after.locator('td.balance span.reclaimed').getAttribute('data-amount')), 88.5);
    assert.equal(money(await page.locator(`table#quotas tr[data-quota="${quotaId}"] td.quota-balance`).textContent()), 500);
    assert.equal(await page.locator(`table#records tr[data-op="2"][data-coupon="${couponId}"]`).count(), 1);

    // The customer no longer sees it.
    await cust.reload();
    await cust.locator('table#my-coupons').waitFor();
    assert.equal(await cust.locator(`tr[data-coupon="${couponId}"]`).count(), 0);
  });
});
