// Browser test of the console home pages: each demo role sees its figures and its charts (inline
// SVG with one bar group per month or status), in both languages, and on a 390 px wide phone the
// page is no wider than the screen. The figures' values are the integration test's business
// (crates/server/tests/home.rs); here, that they are shown, numeric, and laid out.
// Run with tests/browser/run.sh (needs the built binary and chromium on PATH).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createFixture, login, submitAndWait } from './helpers.mjs';

const fx = createFixture('home');
before(() => fx.setup(), { timeout: 60_000 });
after(() => fx.teardown());

const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

/** The text of `#id`, trimmed. */
async function figure(page, id) {
  const el = page.locator(`#${id}`);
  assert.equal(await el.count(), 1, `#${id} is on the page`);
  return (await el.textContent()).trim();
}

/** A chart: an SVG with a title, a description and `bars` bar groups. */
async function assertChart(page, id, bars) {
  const chart = page.locator(`figure#${id} svg[role="img"]`);
  assert.equal(await chart.count(), 1, `chart #${id}`);
  assert.ok((await page.locator(`#${id}-title`).textContent()).trim().length > 0, `#${id} has a title`);
  assert.ok((await page.locator(`#${id}-desc`).textContent()).trim().length > 0, `#${id} has a description`);
  assert.equal(await page.locator(`figure#${id} g.bar`).count(), bars, `#${id} bar groups`);
  const box = await chart.boundingBox();
  assert.ok(box && box.width > 0 && box.height > 0, `#${id} is drawn`);
}

async function fitsThePhone(page) {
  const w = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(w <= 390, `the page is ${w} px wide on a 390 px screen`);
}

const COUNT = /^\d+$/;
const YUAN = /^-?¥\d{1,3}(,\d{3})*\.\d{2}$/;

for (const role of ['distributor', 'reseller']) {
  test(`${role}: figures, tasks and three charts, on a phone too`, async (t) => {
    await fx.pageTest(
      t,
      async ({ page }) => {
        await login(page, role);
        assert.match(await figure(page, 'domain-id'), /\S/);
        assert.match(await figure(page, 'balance'), YUAN);
        assert.match(await figure(page, 'customers-this-month'), COUNT);
        assert.match(await figure(page, 'orders-awaiting-payment'), COUNT);
        assert.match(await figure(page, 'coupon-quota-left'), YUAN);
        assert.match((await page.locator('#coupons-expiring .count').textContent()).trim(), COUNT);
        assert.equal(await page.locator('#tasks').count(), 1);
        await assertChart(page, 'chart-customers', 12);
        await assertChart(page, 'chart-funds', 12);
        await assertChart(page, 'chart-orders', 5);
        // A master distributor's figure is its tree's, its direct customers said beside it; a
        // reseller's is its own, with no such part.
        const direct = page.locator('#customers-this-month-direct');
        if (role === 'distributor') {
          assert.match((await direct.textContent()).trim(), COUNT);
          const tree = Number(await figure(page, 'customers-this-month'));
          assert.ok(Number((await direct.textContent()).trim()) <= tree, 'direct within the tree');
        } else {
          assert.equal(await direct.count(), 0);
        }
        // The waiting orders' link opens the filtered order list.
        await submitAndWait(page, '.tile:has(#orders-awaiting-payment) a.more');
        assert.equal(new URL(page.url()).searchParams.get('status'), '6');
        await page.goto('/console');
        await fitsThePhone(page);
      },
      PHONE,
    );
  });
}

test('customer: association, balance, coupons, resources, orders to pay', async (t) => {
  await fx.pageTest(
    t,
    async ({ page }) => {
      await login(page, 'acme-retail');
      assert.equal(await page.locator('#association').count(), 1);
      assert.match(await figure(page, 'balance'), /^¥\d/);
      assert.match((await page.locator('#coupons-usable .count').textContent()).trim(), COUNT);
      assert.match(await figure(page, 'resources-expiring'), COUNT);
      assert.match(await figure(page, 'orders-to-pay'), COUNT);
      await assertChart(page, 'chart-orders', 5);
      await fitsThePhone(page);
    },
    PHONE,
  );
});

test('operator: counts, top-ups to confirm, money by account kind and charts, in English', async (t) => {
  await fx.pageTest(
    t,
    async ({ page }) => {
      await login(page, 'operator');
      assert.match(await figure(page, 'partner-count'), COUNT);
      assert.match(await figure(page, 'customer-count'), COUNT);
      assert.match(await figure(page, 'topups-pending'), COUNT);
      const kinds = await page.locator('#money-by-kind tr[data-kind]').evaluateAll((rows) =>
        rows.map((r) => r.getAttribute('data-kind')),
      );
      assert.ok(kinds.includes('partner_cash') && kinds.includes('customer_cash'), `kinds ${kinds}`);
      // Charts: partners and customers joined, top-ups credited (count and amount), orders by
      // status across the platform.
      await assertChart(page, 'chart-partners', 12);
      await assertChart(page, 'chart-customers-joined', 12);
      await assertChart(page, 'chart-topups-count', 12);
      await assertChart(page, 'chart-topups-amount', 12);
      await assertChart(page, 'chart-orders', 5);
      await submitAndWait(page, 'form#lang-form button[name=lang][value="en-US"]');
      assert.ok((await page.locator('main').textContent()).includes('Money in the system'));
      assert.ok(!(await page.locator('main').textContent()).includes('??'), 'a missing translation');
      await fitsThePhone(page);
    },
    PHONE,
  );
});
