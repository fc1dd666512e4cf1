// Browser tests for the console's Funds pages: an operator credits a partner, the partner
// allocates to a customer (and, as a master distributor, to its reseller), and the customer's
// home shows the new balance. Run with tests/browser/run.sh.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createFixture, login, logout, navItems, shownText, submitAndWait } from './helpers.mjs';

const fx = createFixture('funds');
before(() => fx.setup(), { timeout: 60_000 });
after(() => fx.teardown());

/** "¥1,234.56" / "-¥3.00" → integer cents. */
function cents(text) {
  const m = /(-?)¥?(\d+)\.(\d{2})/.exec(text.replace(/,/g, ''));
  assert.ok(m, `not an amount: ${JSON.stringify(text)}`);
  return (m[1] ? -1 : 1) * (Number(m[2]) * 100 + Number(m[3]));
}

async function textOf(page, selector) {
  return shownText(page.locator(selector).first());
}

async function openFunds(page) {
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('nav#main-nav a[data-nav="funds"]')]);
  assert.equal(new URL(page.url()).pathname, '/console/funds');
}

/** Selects the option whose text starts with `name` in a select, returns its value. */
async function pick(page, select, name) {
  const value = await page
    .locator(`${select} option`)
    .evaluateAll((opts, n) => (opts.find((o) => o.textContent.trim().startsWith(n)) || {}).value || '', name);
  assert.ok(value, `no option ${name} in ${select}`);
  await page.selectOption(select, value);
  return value;
}

test('funds navigation is shown to operators and partner admins, not to customers', async (t) => {
  await fx.pageTest(t, async ({ page }) => {
    for (const [who, shown] of [
      ['operator', true],
      ['distributor', true],
      ['reseller', true],
      ['acme-retail', false],
    ]) {
      await login(page, who);
      assert.equal((await navItems(page)).includes('funds'), shown, `${who}: nav ${JSON.stringify(await navItems(page))}`);
      await logout(page);
    }
  });
});

test('operator credits a partner; the partner allocates to a customer; the customer sees the new balance', async (t) => {
  await fx.pageTest(t, async ({ page }) => {
    // Operator: all balances, then credit the master distributor.
    await login(page, 'operator');
    await openFunds(page);
    const row = page.locator('table#partner-balances tr', { hasText: 'East China Cloud Distribution' });
    assert.equal(await row.count(), 1, 'distributor row in table#partner-balances');
    const before = cents(await shownText(row.locator('td.balance')));
    const totalBefore = cents(await textOf(page, '#total-balance'));
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), row.locator('a.credit-link').click()]);
    assert.equal(new URL(page.url()).pathname, '/console/funds/credit');
    assert.equal(cents(await textOf(page, '#credit-balance')), before);
    await page.fill('#credit-amount', '1234.56');
    await page.fill('#credit-memo', 'wire 7 / 电汇');
    await submitAndWait(page, '#credit-submit');
    await page.locator('#funds-result').waitFor();
    assert.equal(await textOf(page, '#result-amount'), '¥1,234.56');
    assert.equal(cents(await textOf(page, '#result-balance')), before + 123456);
    assert.equal(cents(await textOf(page, '#credit-balance')), before + 123456);
    const transfer = await textOf(page, '#result-transfer');
    assert.match(transfer, /^tr[0-9a-f]{24}$/);
    assert.ok((await textOf(page, '#funds-result')).includes('wire 7 / 电汇'), 'memo shown');
    await openFunds(page);
    assert.equal(cents(await textOf(page, '#total-balance')), totalBefore + 123456);
    // A bad amount is refused in place.
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.locator('table#partner-balances tr', { hasText: 'East China Cloud Distribution' }).locator('a.credit-link').click()]);
    await page.fill('#credit-amount', '1.005');
    await submitAndWait(page, '#credit-submit');
    await page.locator('form#credit-form #credit-form-amount-error').waitFor();
    assert.equal(await page.locator('#credit-amount').inputValue(), '1.005', 'the amount typed is kept');
    assert.equal(cents(await textOf(page, '#credit-balance')), before + 123456);
    await logout(page);

    // Partner: sees the credit, allocates 66.60 to acme-retail.
    await login(page, 'distributor');
    await openFunds(page);
    const mine = cents(await textOf(page, '#funds-balance'));
    assert.equal(mine, before + 123456);
    const first = page.locator('table#records tbody tr').first();
    assert.equal(await first.getAttribute('data-transfer'), transfer, 'the credit is the newest record');
    assert.equal(await first.getAttribute('data-trade-type'), 'RECHARGE');
    const customerBefore = cents(await shownText(page.locator('#customer-balances tr', { hasText: 'acme-retail' }).locator('td.balance')));
    await pick(page, '#customer-select', 'acme-retail');
    await page.fill('#customer-amount', '66.60');
    await submitAndWait(page, '#customer-allocate');
    await page.locator('#funds-result').waitFor();
    assert.equal(await textOf(page, '#result-amount'), '¥66.60');
    assert.equal(cents(await textOf(page, '#funds-balance')), mine - 6660);
    const top = page.locator('table#records tbody tr').first();
    assert.equal(await top.getAttribute('data-trade-type'), 'BEADJUST');
    assert.equal(await shownText(top.locator('td.change')), '-66.60');
    // More than the customer holds cannot be reclaimed; the page says why and nothing moves.
    await pick(page, '#customer-select', 'acme-retail');
    await page.fill('#customer-amount', String((customerBefore + 6660) / 100 + 1));
    await submitAndWait(page, '#customer-reclaim');
    await page.locator('#customer-funds-form-amount-error').waitFor();
    assert.equal(cents(await textOf(page, '#funds-balance')), mine - 6660);
    await logout(page);

    // Customer: the home page shows the new balance.
    await login(page, 'acme-retail');
    assert.equal(cents(await textOf(page, '#balance')), customerBefore + 6660);
    await logout(page);
  });
});

test('a master distributor allocates to and reclaims from its reseller, in English', async (t) => {
  await fx.pageTest(t, async ({ page }) => {
    await login(page, 'reseller');
    await openFunds(page);
    const resellerBefore = cents(await textOf(page, '#funds-balance'));
    assert.equal(await page.locator('#reseller-funds').count(), 0, 'a reseller has no reseller section');
    await logout(page);

    await login(page, 'distributor');
    await submitAndWait(page, 'form#lang-form button[name=lang][value="en-US"]');
    await openFunds(page);
    assert.equal((await textOf(page, 'main h1')), 'Funds');
    const mine = cents(await textOf(page, '#funds-balance'));
    await pick(page, '#reseller-select', '杭州云经销');
    await page.fill('#reseller-amount', '500');
    await submitAndWait(page, '#reseller-allocate');
    await page.locator('#funds-result').waitFor();
    assert.ok((await textOf(page, '#funds-result')).startsWith('Done'), await textOf(page, '#funds-result'));
    assert.equal(cents(await textOf(page, '#funds-balance')), mine - 50000);
    await pick(page, '#reseller-select', '杭州云经销');
    await page.fill('#reseller-amount', '0.25');
    await submitAndWait(page, '#reseller-reclaim');
    await page.locator('#funds-result').waitFor();
    assert.equal(cents(await textOf(page, '#funds-balance')), mine - 50000 + 25);
    const row = page.locator('#reseller-balances tr', { hasText: 'Hangzhou' });
    assert.equal(cents(await shownText(row.locator('td.balance'))), resellerBefore + 50000 - 25);
    // Filter the records by today's dates in UTC+8 and by type.
    await page.selectOption('form#records-filter select[name=trade_type]', 'BERETRIEVE');
    await submitAndWait(page, 'form#records-filter button[type=submit]');
    const types = await page.locator('table#records tbody tr[data-trade-type]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-trade-type')));
    assert.ok(types.length >= 1 && types.every((x) => x === 'BERETRIEVE'), JSON.stringify(types));
    await submitAndWait(page, 'form#lang-form button[name=lang][value="zh-CN"]');
    await logout(page);

    await login(page, 'reseller');
    await openFunds(page);
    assert.equal(cents(await textOf(page, '#funds-balance')), resellerBefore + 50000 - 25);
    const top = page.locator('table#records tbody tr').first();
    assert.equal(await top.getAttribute('data-trade-type'), 'BERETRIEVE');
    assert.equal(await shownText(top.locator('td.change')), '-0.25');
    await logout(page);
  });
});
