// Browser acceptance of the list exports: the demo distributor opens its order list on the
// "pending payment" tab and its customer list, and each page's "导出 CSV" and "导出 Excel" links
// carry the page's filters; the CSV (UTF-8 with a byte-order mark, the header in Chinese) holds
// exactly the rows the page counts, and the Excel link downloads an XLSX workbook.
// Run with tests/browser/run.sh (needs the built binary and chromium on PATH).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createFixture, login, submitAndWait } from './helpers.mjs';

const fx = createFixture('exports');
before(() => fx.setup(), { timeout: 60_000 });
after(() => fx.teardown());

/** The CSV's lines after checking its byte-order mark. */
async function csvLines(page, href) {
  const r = await page.request.get(href);
  assert.equal(r.status(), 200, href);
  assert.match(r.headers()['content-type'], /^text\/csv; charset=utf-8/);
  const body = await r.body();
  assert.deepEqual([...body.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'a UTF-8 byte-order mark');
  return body.toString('utf8', 3).split('\r\n').filter((l) => l.length > 0);
}

test('the order and customer lists export what the page shows, with its filters', async (t) => {
  await fx.pageTest(t, async ({ page }) => {
    await login(page, 'distributor');

    // Orders, the pending tab: the links keep the status; the CSV has the page's count of rows.
    await page.goto('/console/orders?status=6');
    const csvHref = await page.locator('a#export-csv').getAttribute('href');
    assert.match(csvHref, /^\/console\/orders\.csv\?.*status=6/);
    assert.equal(await page.locator('a#export-csv').textContent(), '导出 CSV');
    const count = Number(await page.locator('#order-count').textContent());
    const lines = await csvLines(page, csvHref);
    assert.match(lines[0], /^订单号,/);
    assert.match(lines[0], /创建时间 \(Asia\/Shanghai\)/);
    assert.equal(lines.length - 1, count);
    for (const l of lines.slice(1)) assert.match(l, /,待支付,/);

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('a#export-xlsx')]);
    assert.equal(download.suggestedFilename(), 'orders.xlsx');
    const bytes = readFileSync(await download.path());
    assert.equal(bytes.toString('latin1', 0, 2), 'PK', 'a zip archive');

    // Customers filtered by association type: the same rows as the page's total.
    await page.goto('/console/customers');
    await page.selectOption('form#customer-filters select[name=association_type]', '2');
    await submitAndWait(page, 'form#customer-filters button[type=submit]');
    const total = Number(await page.locator('#customer-total').textContent());
    const href = await page.locator('a#export-csv').getAttribute('href');
    assert.match(href, /association_type=2/);
    const customers = await csvLines(page, href);
    assert.equal(customers.length - 1, total);
    assert.match(await page.locator('a#export-xlsx').getAttribute('href'), /^\/console\/customers\.xlsx\?.*association_type=2/);
  });
});
