// Browser acceptance of yearly/monthly orders (issue #5): the demo customer acme-retail orders
// from the catalogue, sees the order pending payment, chooses a coupon and a discount, pays; the
// order completes and its resource appears on the resources page. With too little balance the
// top-up entry appears; once the partner configured its return addresses on its Capability
// opening page, the entry leads to the partner's platform (a tiny HTTP server of this test), and
// after paying the browser lands on the partner's post-payment address. Without a partner
// address a consulting customer tops up here: it declares a bank transfer, the operator confirms
// it, and the order is paid.
// Run with tests/browser/run.sh (needs the built binary and chromium on PATH).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createFixture, login, navItems, pathOf, runCli, shownText, submitAndWait } from './helpers.mjs';

const fx = createFixture('orders');

/** The partner's sales platform: answers every GET with a page naming the path, and records it. */
const platform = { server: null, base: '', hits: [] };

before(
  async () => {
    await fx.setup();
    platform.server = createServer((req, res) => {
      const url = new URL(req.url, 'http://x');
      platform.hits.push(url);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(
        `<!doctype html><title>Partner platform</title><h1 id="partner-page" data-path="${url.pathname}">` +
          `Partner platform ${url.pathname}</h1><p id="partner-order">${url.searchParams.get('order_id') || ''}</p>`,
      );
    });
    await new Promise((r) => platform.server.listen(0, '127.0.0.1', r));
    platform.base = `http://127.0.0.1:${platform.server.address().port}`;
  },
  { timeout: 60_000 },
);
after(async () => {
  if (platform.server) await new Promise((r) => platform.server.close(r));
  await fx.teardown();
});

/** "¥1,234.56" / "-¥3.00" → integer cents. */
function cents(text) {
  const m = /(-?)¥?(\d+)\.(\d{2})/.exec(String(text).replace(/,/g, ''));
  assert.ok(m, `not an amount: ${JSON.stringify(text)}`);
  return (m[1] ? -1 : 1) * (Number(m[2]) * 100 + Number(m[3]));
}

const ids = {};

/** The demo distributor's and acme-retail's ids, a voucher for acme-retail and a discount. */
async function setUp(page) {
  const balances = JSON.parse(runCli(fx.server, ['admin', 'partner-balances', '--json']));
  ids.distributor = balances.partners.find((p) => p.name.includes('East China Cloud Distribution')).partner_id;
  assert.ok(ids.distributor, 'the demo distributor');
  runCli(fx.server, ['admin', 'grant-quota', ids.distributor, '--type', 'voucher', '--amount', '500.00']);

  // The distributor issues a 20.00 voucher to acme-retail on its console.
  await login(page, 'distributor');
  await page.goto('/console/customers');
  ids.customer = await page.locator('tr[data-account="acme-retail"]').getAttribute('data-customer');
  assert.ok(ids.customer, 'acme-retail is listed');
  await page.click('nav#main-nav a[data-nav="vouchers"]');
  await page.fill('form#issue-form textarea[name=customer_ids]', ids.customer);
  await page.fill('form#issue-form input[name=face_value]', '20.00');
  await submitAndWait(page, 'form#issue-form button#issue');
  ids.voucher = await page.locator('table#issued tr[data-coupon]').first().getAttribute('data-coupon');
  assert.ok(ids.voucher, 'the voucher was issued');

  // The distributor grants acme-retail 20% off (the command line, as its sales platform would).
  const granted = JSON.parse(
    runCli(fx.server, ['admin', 'grant-discount', '--partner', ids.distributor, '--customer', ids.customer, '--ratio', '0.8', '--json']),
  );
  ids.discount = granted.discount_id;
  assert.ok(ids.discount);
}

/** Places an order from the catalogue page as the logged-in customer; returns its id. */
async function orderFromCatalogue(page, product, period) {
  await page.click('nav#main-nav a[data-nav="catalog"]');
  const row = page.locator(`table#products tr[data-product="${product}"]`);
  await row.locator('select[name=period]').selectOption(period);
  await submitAndWait(page, `table#products tr[data-product="${product}"] form button[type=submit]`);
  assert.equal(pathOf(page), '/console/catalog/quote');
  await submitAndWait(page, 'button#place-order');
  assert.match(pathOf(page), /^\/console\/orders\/CS[0-9A-F]+$/);
  return shownText(page.locator('#order-id'));
}

test('a customer orders, chooses a coupon and a discount, pays; the resource appears', async (t) => {
  await fx.pageTest(t, async ({ page, newContext }) => {
    await setUp(await (await newContext()).newPage());

    await login(page, 'acme-retail');
    assert.ok((await navItems(page)).includes('resources'), 'resources in the customer nav');
    const before = cents(await shownText(page.locator('#balance')));
    const orderId = await orderFromCatalogue(page, 'ecs-s6-small-1-linux', 'month');
    assert.equal(await page.locator('#order-status').getAttribute('data-status'), '6');

    // The order list: it is under "pending payment", not under "completed".
    await page.click('nav#main-nav a[data-nav="orders"]');
    for (const s of ['', '1', '3', '4', '5', '6']) {
      assert.equal(await page.locator(`nav#order-tabs a[data-status="${s}"]`).count(), 1, `tab ${s}`);
    }
    await submitAndWait(page, 'nav#order-tabs a[data-status="6"]');
    assert.equal(new URL(page.url()).searchParams.get('status'), '6');
    assert.equal(await page.locator(`table#orders tr[data-order="${orderId}"]`).count(), 1);
    await submitAndWait(page, 'nav#order-tabs a[data-status="5"]');
    assert.equal(await page.locator(`table#orders tr[data-order="${orderId}"]`).count(), 0);

    // Pay: the voucher (type, balance, expiry shown) and the 0.8 discount.
    await page.goto(`/console/orders/${orderId}`);
    const coupon = page.locator(`table#pay-coupon-table tr[data-coupon="${ids.voucher}"]`);
    assert.equal(await coupon.count(), 1, 'the voucher is offered');
    assert.equal((await coupon.locator('td.coupon-type').textContent()).trim(), '代金券');
    assert.equal(cents(await coupon.locator('td.balance').textContent()), 2000);
    assert.match(await coupon.locator('td.expiry').textContent(), /^\d{4}-\d{2}-\d{2} \d{2}:\d{2} Asia\/Shanghai$/);
    await coupon.locator('input[name=coupon]').check();
    await page.selectOption('form#pay-form select[name=discount]', ids.discount);
    await submitAndWait(page, 'form#pay-form button#pay');

    // Completed: 35.00 − 7.00 discount − 20.00 voucher = 8.00 from the balance.
    assert.equal(pathOf(page), `/console/orders/${orderId}`);
    assert.equal(await page.locator('#order-status').getAttribute('data-status'), '5');
    assert.equal(cents(await page.locator('#order-discount').textContent()), 700);
    assert.equal(await page.locator('form#pay-form').count(), 0);

    // The resource appears, with its actions.
    await submitAndWait(page, 'a#order-resources');
    assert.equal(pathOf(page), '/console/resources');
    const res = page.locator(`table#resources tr[data-order="${orderId}"]`);
    assert.equal(await res.count(), 1, 'the resource of the order');
    assert.equal(await res.getAttribute('data-status'), '2');
    assert.equal(await res.locator('td.actions form.renew-form').count(), 1);

    await page.goto('/console');
    assert.equal(cents(await shownText(page.locator('#balance'))), before - 800);

    // Unsubscribe within 5 days: the preview promises the 28.00 paid back in full (no fee to
    // confirm), the unsubscribe order shows where it went, and the balance is whole again.
    await page.goto('/console/resources');
    await submitAndWait(page, `table#resources tr[data-order="${orderId}"] a.unsubscribe`);
    assert.match(pathOf(page), /^\/console\/resources\/[^/]+\/unsubscribe$/);
    assert.equal(await page.locator('#unsubscribe-no-reason').count(), 1);
    assert.equal(cents(await page.locator('#plan-refund').textContent()), 2800);
    assert.equal(await page.locator('input[name=confirm_fee]').count(), 0);
    await submitAndWait(page, 'form#unsubscribe-form button#unsubscribe');
    assert.match(pathOf(page), /^\/console\/orders\/CS[0-9A-F]+$/);
    assert.equal(await page.locator('#order-type').getAttribute('data-type'), '4');
    assert.equal(await page.locator(`table#refund-details tr[data-base-order="${orderId}"]`).count(), 1);
    await page.goto('/console');
    assert.equal(cents(await shownText(page.locator('#balance'))), before);
  });
});

test('too little balance: the top-up entry; the partner configures its addresses; the browser lands there', async (t) => {
  await fx.pageTest(t, async ({ page, newContext }) => {
    const big = JSON.parse(
      runCli(fx.server, [
        'admin', 'place-order', '--customer', ids.customer, '--product', 'ecs-c7-xlarge-2-win', '--period', 'year', '--json',
      ]),
    ).order_id;

    // Nothing configured: the default entry tells a resale customer to ask its partner.
    await login(page, 'acme-retail');
    await page.goto(`/console/orders/${big}`);
    assert.equal(await page.locator('#topup-entry').count(), 0);
    await submitAndWait(page, 'form#pay-form button#pay');
    const entry = page.locator('#topup-entry');
    assert.equal(await entry.getAttribute('data-kind'), 'default');
    assert.ok((await entry.textContent()).includes('East China Cloud Distribution'), await entry.textContent());
    assert.ok((await page.locator('form#pay-form #pay-form-error').textContent()).includes('余额不足'));
    const missing = await entry.getAttribute('data-amount');
    assert.ok(cents(missing) > 0);

    // The distributor configures both addresses on its Capability opening page.
    const partner = await (await newContext()).newPage();
    await login(partner, 'distributor');
    assert.ok((await navItems(partner)).includes('capability'));
    await partner.click('nav#main-nav a[data-nav="capability"]');
    await partner.fill('form#capability-form input[name=topup_url]', 'javascript:alert(1)');
    await submitAndWait(partner, 'form#capability-form button#capability-save');
    assert.ok((await partner.locator('form#capability-form #capability-form-topup_url-error').textContent()).includes('javascript:'));
    await partner.fill('form#capability-form input[name=topup_url]', `${platform.base}/topup`);
    await partner.fill('form#capability-form input[name=paid_url]', `${platform.base}/paid?from=pc`);
    await submitAndWait(partner, 'form#capability-form button#capability-save');
    assert.equal(await partner.locator('#capability-saved').count(), 1);
    assert.equal(await shownText(partner.locator('#current-topup-url')), `${platform.base}/topup`);

    // The entry now leads to the partner's platform, with the order and the shortfall.
    await page.goto(`/console/orders/${big}`);
    await submitAndWait(page, 'form#pay-form button#pay');
    assert.equal(await page.locator('#topup-entry').getAttribute('data-kind'), 'partner');
    await submitAndWait(page, 'a#topup-link');
    const landed = new URL(page.url());
    assert.equal(landed.origin, platform.base);
    assert.equal(landed.pathname, '/topup');
    assert.equal(landed.searchParams.get('order_id'), big);
    assert.equal(landed.searchParams.get('amount'), missing);
    assert.equal(await page.locator('#partner-page').getAttribute('data-path'), '/topup');

    // A small order paid: the browser lands on the post-payment address with the order id.
    await page.goto('/console');
    const small = await orderFromCatalogue(page, 'vpc-eip-bgp', 'month');
    await submitAndWait(page, 'form#pay-form button#pay');
    const paid = new URL(page.url());
    assert.equal(paid.origin, platform.base);
    assert.equal(paid.pathname, '/paid');
    assert.equal(paid.searchParams.get('from'), 'pc');
    assert.equal(paid.searchParams.get('order_id'), small);
    assert.equal(await shownText(page.locator('#partner-order')), small);
    await page.goto(`/console/orders/${small}`);
    assert.equal(await page.locator('#order-status').getAttribute('data-status'), '5');
  });
});

test('too little balance, no partner address: the customer tops up here, the operator confirms, the order is paid', async (t) => {
  await fx.pageTest(t, async ({ page, newContext }) => {
    // polar-fintech: a consulting customer of a partner that configured no addresses.
    await login(page, 'polar-fintech');
    assert.ok((await navItems(page)).includes('topup'), 'the top-up page in the customer nav');
    const orderId = await orderFromCatalogue(page, 'vpc-eip-bgp', 'month');
    await submitAndWait(page, 'form#pay-form button#pay');
    const entry = page.locator('#topup-entry');
    assert.equal(await entry.getAttribute('data-kind'), 'default');
    const missing = await entry.getAttribute('data-amount');
    assert.ok(cents(missing) > 0);

    // The entry leads to the top-up page with the shortfall and the order filled in.
    await submitAndWait(page, 'a#topup-link');
    assert.equal(pathOf(page), '/console/topup');
    assert.equal(await page.inputValue('#topup-amount'), missing);
    assert.equal(await shownText(page.locator('#topup-order a')), orderId);
    await page.fill('#topup-reference', 'BOC-E2E-0001');
    await submitAndWait(page, 'form#topup-form button#topup-submit');
    assert.equal(await page.locator('#topup-done').count(), 1);
    const row = page.locator('table#topups tr[data-topup]');
    assert.equal(await row.count(), 1);
    assert.equal(await row.getAttribute('data-status'), 'pending');
    const id = await row.getAttribute('data-topup');

    // The operator confirms it from its queue (accepting the confirmation dialog).
    const ops = await (await newContext()).newPage();
    await login(ops, 'operator');
    assert.ok((await navItems(ops)).includes('topups'));
    await submitAndWait(ops, 'nav#main-nav a[data-nav="topups"]');
    ops.on('dialog', (d) => d.accept());
    await submitAndWait(ops, `table#topups tr[data-topup="${id}"] form.topup-confirm button`);
    assert.equal(await ops.locator('#topup-done').count(), 1);
    assert.equal(await ops.locator(`table#topups tr[data-topup="${id}"]`).getAttribute('data-status'), 'credited');

    // Credited: the customer pays the order that failed before.
    await page.goto('/console/topup');
    assert.equal(await page.locator(`table#topups tr[data-topup="${id}"]`).getAttribute('data-status'), 'credited');
    assert.equal(cents(await shownText(page.locator('#balance-amount'))), cents(missing));
    await page.goto(`/console/orders/${orderId}`);
    await submitAndWait(page, 'form#pay-form button#pay');
    assert.equal(pathOf(page), `/console/orders/${orderId}`);
    assert.equal(await page.locator('#order-status').getAttribute('data-status'), '5');
  });
});
