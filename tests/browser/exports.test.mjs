// Browser acceptance of the list exports: the demo distributor opens its order list on the
// "pending payment" tab and its customer list, and each page's "导出 CSV" and "导出 Excel" links
// carry the page's filters; the CSV (UTF-8 with a byte-order mark, the header in Chinese) holds
// exactly the rows the page counts, and the Excel link downloads an XLSX workbook. The same holds
// for the staff, discount, bills (each role's), promotion and outbox lists.
// Run with tests/browser/run.sh (needs the built binary and chromium on PATH).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createFixture, login, logout, submitAndWait } from './helpers.mjs';

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

/**
 * The CSV behind a page's export link: as many rows as the page's table (`paged`: at least as
 * many, the page showing one page of them).
 */
async function sameCount(page, linkId, rows, paged = false) {
  const href = await page.locator(`a#${linkId}`).getAttribute('href');
  const lines = await csvLines(page, href);
  const shown = await page.locator(rows).count();
  if (paged) assert.ok(lines.length - 1 >= shown, href);
  else assert.equal(lines.length - 1, shown, href);
  return { href, lines };
}

test('the staff, discount, bills, promotion and outbox lists export what the page shows', async (t) => {
  await fx.pageTest(t, async ({ page }) => {
    await login(page, 'distributor');
    await page.goto('/console/staff');
    const staff = await sameCount(page, 'staff-export-csv', 'table#staff tbody tr[data-user]');
    assert.match(staff.lines[0], /^账号,/);
    await page.goto('/console/discounts?revoked=1');
    const discounts = await sameCount(page, 'discounts-export-csv', 'table#discounts tbody tr[data-discount]');
    assert.match(discounts.href, /^\/console\/discounts\.csv\?revoked=1$/);
    assert.equal(discounts.lines.length - 1, Number(await page.locator('#discount-count').textContent()));
    await logout(page);

    // The customer's bills: the month's records, and the workbook named after the month.
    await login(page, 'acme-retail');
    await page.goto('/console/bills');
    const records = await sameCount(page, 'bills-csv', 'table#records tbody tr[data-record]', true);
    assert.match(records.href, /^\/console\/bills\.csv\?cycle=\d{4}-\d{2}$/);
    assert.match(records.lines[0], /^账期,交易时间 \(Asia\/Shanghai\),/);
    const cycle = records.href.split('=')[1];
    for (const l of records.lines.slice(1)) assert.ok(l.startsWith(`${cycle},`), l);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('a#bills-xlsx')]);
    assert.match(download.suggestedFilename(), /^bill-records-\d{4}-\d{2}\.xlsx$/);
    await logout(page);

    // The operator's months, promotions and outbox.
    await login(page, 'operator');
    await page.goto('/console/bills');
    await sameCount(page, 'bills-csv', 'table#bill-months tbody tr[data-cycle]');
    await page.goto('/console/promotions');
    await sameCount(page, 'promotions-export-csv', 'table#promotions tbody tr[data-promotion]');
    await page.goto('/console/outbox');
    const outbox = await sameCount(page, 'outbox-export-csv', 'table#outbox tbody tr', true);
    assert.match(outbox.lines[0], /^时间 \(Asia\/Shanghai\),渠道,收件人,/);
  });
});
