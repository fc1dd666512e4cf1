// Browser acceptance of the operator's audit log (issue #12, item 6): the operator filters the
// demo's log by action and reads the actions' Chinese names, follows a money entry to its ledger
// transfer, and the page at 390 px wide has no element wider than the screen (each entry a card,
// no column squeezed to a character per line).
// Run with tests/browser/run.sh (needs the built binary and chromium on PATH).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createFixture, login, submitAndWait } from './helpers.mjs';

const fx = createFixture('audit');
before(() => fx.setup(), { timeout: 60_000 });
after(() => fx.teardown());

test('the operator filters the audit log by action, in Chinese, and opens a transfer', async (t) => {
  await fx.pageTest(t, async ({ page }) => {
    await login(page, 'operator');
    await submitAndWait(page, 'nav#main-nav a[data-nav="audit"]');
    // Unfiltered: names, not codes; times in Asia/Shanghai.
    const first = page.locator('table#audit tbody tr[data-action]').first();
    assert.match(await first.locator('td').first().textContent(), /Asia\/Shanghai/);
    assert.doesNotMatch(await first.locator('td.action').textContent(), /^[a-z_]+\.[a-z_]+$/);

    await page.selectOption('form#audit-filters select[name=action]', 'funds.allocate_customer');
    await submitAndWait(page, 'form#audit-filters button#audit-filter');
    assert.match(new URL(page.url()).search, /action=funds\.allocate_customer/);
    const rows = page.locator('table#audit tbody tr[data-action]');
    const n = await rows.count();
    assert.ok(n > 0, 'the demo allocated money to customers');
    const actions = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-action')));
    assert.deepEqual([...new Set(actions)], ['funds.allocate_customer']);
    const labels = await page.locator('table#audit td.action').allTextContents();
    for (const l of labels) assert.equal(l.trim(), '向客户拨款');
    const total = Number(await page.locator('#audit-total').textContent());
    assert.ok(total >= n && (total > 50 || total === n), `total ${total}, rows ${n}`);
    // The export links keep the filter.
    assert.match(await page.locator('a#export-csv').getAttribute('href'), /action=funds\.allocate_customer/);
    const xlsx = await page.request.get(await page.locator('a#export-xlsx').getAttribute('href'));
    assert.equal(xlsx.status(), 200);
    assert.match(xlsx.headers()['content-type'], /spreadsheetml/);

    // The request id is shortened, the full id on hover.
    const rid = page.locator('table#audit code.rid').first();
    const full = await rid.getAttribute('title');
    assert.ok(full.length >= (await rid.textContent()).length);

    // The entry's transfer: amount, accounts, balances after.
    await submitAndWait(page, 'table#audit a.transfer');
    assert.match(new URL(page.url()).pathname, /^\/console\/transfers\//);
    assert.match(await page.locator('#transfer-amount').textContent(), /¥\d/);
    assert.match(await page.locator('#transfer-from code').textContent(), /^partner_cash:/);
    assert.match(await page.locator('#transfer-from').textContent(), /^伙伴现金账户/);
    assert.match(await page.locator('#transfer-to code').textContent(), /^customer_cash:/);
    assert.match(await page.locator('#transfer-kind').textContent(), /^向客户拨款/);
    assert.match(await page.locator('#transfer-to-after').textContent(), /¥\d/);
    assert.equal(await page.locator('table#audit tbody tr[data-action="funds.allocate_customer"]').count(), 1);
  });
});

/** Elements whose box reaches past the viewport's right edge, as `tag#id.class` strings. */
function wider(page) {
  return page.evaluate(() => {
    const w = document.documentElement.clientWidth;
    return [...document.querySelectorAll('body *')]
      .filter((el) => el.getBoundingClientRect().right > w + 0.5)
      .map((el) => `${el.tagName.toLowerCase()}#${el.id}.${el.className}`);
  });
}

test('the audit log at 390 px wide has no element wider than the screen', async (t) => {
  await fx.pageTest(
    t,
    async ({ page }) => {
      await login(page, 'operator');
      for (const path of ['/console/audit', '/console/audit?action=funds.allocate_customer']) {
        await page.goto(path);
        await page.locator('table#audit').waitFor();
        assert.deepEqual(await wider(page), [], path);
        const scroll = await page.evaluate(() => document.documentElement.scrollWidth);
        assert.ok(scroll <= 390, `${path}: document scrollWidth is ${scroll} > 390`);
        // No cell squeezed to a character per line: every cell spans the card.
        const narrow = await page
          .locator('table#audit tbody td')
          .evaluateAll((els) => els.filter((e) => e.getBoundingClientRect().width < 200).length);
        assert.equal(narrow, 0, path);
      }
      await page.goto('/console/audit?action=funds.allocate_customer');
      await submitAndWait(page, 'table#audit a.transfer');
      assert.deepEqual(await wider(page), [], 'the transfer page');
    },
    { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true },
  );
});

test('on a desktop the request id and the time stay on one line', async (t) => {
  await fx.pageTest(
    t,
    async ({ page }) => {
      await login(page, 'operator');
      await page.goto('/console/audit');
      const heights = await page
        .locator('table#audit code.rid')
        .evaluateAll((els) => els.map((e) => e.getBoundingClientRect().height));
      assert.ok(heights.length > 0);
      for (const h of heights) assert.ok(h < 30, `a request id ${h}px tall`);
      assert.deepEqual(await wider(page), []);
    },
    { viewport: { width: 1280, height: 900 } },
  );
});
