// Browser acceptance of the pay-per-use views: usage for the demo customer blue-ocean-games
// (a resale customer with no money) is imported with the command line (`usage import FILE`); the
// customer finds its resources and what it owes on its usage page, in Chinese and in English,
// with the line saying its partner's allocation repays that first; its distributor sees the
// charges in the chart of the last 12 months on its Bills page and downloads the month's bills by
// customer as XLSX (a zip whose sheet holds the CSV's row for acme-retail's paid order).
// Run with tests/browser/run.sh (needs the built binary and chromium on PATH).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { createFixture, login, logout, navItems, runCli, submitAndWait } from './helpers.mjs';

const fx = createFixture('usage');
before(() => fx.setup(), { timeout: 60_000 });
after(() => fx.teardown());

const HOUR = 3_600_000;

/** `2026-11-18T10:00:00Z`: the form usage files carry. */
const utc = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** What the console shows for `ms`: Asia/Shanghai's wall clock to the minute. */
const shanghai = (ms) => new Date(ms + 8 * HOUR).toISOString().slice(0, 16).replace('T', ' ');

/** This billing month in the business time zone (UTC+8). */
const thisCycle = () => new Date(Date.now() + 8 * HOUR).toISOString().slice(0, 7);

/**
 * The entries of a zip archive (each stored or deflated), read from its central directory:
 * { name: Buffer }.
 */
function zipEntries(buf) {
  const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  assert.ok(eocd >= 0, 'an end of central directory record');
  const count = buf.readUInt16LE(eocd + 10);
  let at = buf.readUInt32LE(eocd + 16);
  const out = {};
  for (let i = 0; i < count; i++) {
    assert.equal(buf.readUInt32LE(at), 0x02014b50, 'a central directory entry');
    const method = buf.readUInt16LE(at + 10);
    const size = buf.readUInt32LE(at + 20);
    const nameLen = buf.readUInt16LE(at + 28);
    const extraLen = buf.readUInt16LE(at + 30);
    const commentLen = buf.readUInt16LE(at + 32);
    const local = buf.readUInt32LE(at + 42);
    const name = buf.toString('utf8', at + 46, at + 46 + nameLen);
    assert.ok(method === 0 || method === 8, `${name} is stored or deflated`);
    const data = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const bytes = buf.subarray(data, data + size);
    out[name] = method === 8 ? inflateRawSync(bytes) : bytes;
    at += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

test('imported usage shows on the customer’s usage page; the partner sees the chart and downloads XLSX', async (t) => {
  await fx.pageTest(t, async ({ page }) => {
    const cycle = thisCycle();

    // The distributor's customer list gives the customers' ids.
    await login(page, 'distributor');
    await page.goto('/console/customers');
    const games = await page.locator('tr[data-account="blue-ocean-games"]').getAttribute('data-customer');
    const acme = await page.locator('tr[data-account="acme-retail"]').getAttribute('data-customer');
    assert.ok(games && acme, 'both customers are listed');
    // What the demo's year already put in the chart and in this month's bills.
    await page.goto('/console/bills');
    const chartTotals = () => page.locator('figure#bills-chart g.bar')
      .evaluateAll((gs) => gs.reduce((a, g) => a + Number(g.getAttribute('data-total-cents')), 0));
    const csvLines = async () => (await (await page.request.get(`/console/bills.csv?cycle=${cycle}`)).text())
      .split('\n').filter((l) => l.trim() !== '').length;
    const chartBefore = await chartTotals();
    const linesBefore = await csvLines();
    await logout(page);

    // acme-retail pays a month of ECS (35.00): a yearly/monthly line for the XLSX.
    const order = JSON.parse(
      runCli(fx.server, ['admin', 'place-order', '--customer', acme, '--product', 'ecs-s6-small-1-linux',
        '--period', 'month', '--count', '1', '--quantity', '1', '--json']),
    ).order_id;
    await login(page, 'acme-retail');
    await page.goto(`/console/orders/${order}`);
    await submitAndWait(page, 'form#pay-form button#pay');
    await logout(page);

    // The metering's file: 10 h and 20 h of ECS (0.07 an hour) for blue-ocean-games, which has no
    // money: 2.10 owed.
    const now = Date.now();
    const begin = Math.floor((now - 3 * HOUR) / 1000) * 1000;
    const file = join(fx.server.dir, 'usage.csv');
    writeFileSync(file, [
      'usage_id,customer_id,resource_id,product_id,usage,begin_time,end_time',
      `bt-1,${games},vm-bt-1,ecs-s6-small-1-linux,10,${utc(begin)},${utc(begin + HOUR)}`,
      `bt-2,${games},vm-bt-2,ecs-s6-small-1-linux,20,${utc(begin + HOUR)},${utc(begin + 2 * HOUR)}`,
      '',
    ].join('\n'));
    const out = runCli(fx.server, ['usage', 'import', file]);
    assert.match(out, /2 imported, 0 already imported \(skipped\); charged 2\.10 yuan \(0\.00 from cash, 2\.10 owed\)/, out);

    // The customer, in Chinese.
    await login(page, 'blue-ocean-games');
    assert.ok((await navItems(page)).includes('usage'), 'usage in the customer nav');
    await submitAndWait(page, 'nav#main-nav a[data-nav="usage"]');
    const arrears = page.locator('section#arrears');
    assert.equal(await arrears.getAttribute('data-in-arrears'), 'true');
    assert.equal(await arrears.getAttribute('data-owed-cents'), '210');
    assert.match(await page.locator('#arrears-owed').textContent(), /您已欠费.*¥2\.10/);
    assert.match(await page.locator('#arrears-repay').textContent(), /合作伙伴向您拨款时，将优先偿还欠费/);
    assert.equal(await page.locator('table#on-demand tr[data-resource]').count(), 2);
    const first = page.locator('table#on-demand tr[data-resource="vm-bt-1"]');
    assert.match(await first.textContent(), /ecs-s6-small|s6\.small\.1\.linux/);
    assert.match(await first.textContent(), /正常/);
    assert.equal(await first.locator('time').textContent(), shanghai(begin));
    assert.equal(await first.locator('time').getAttribute('datetime'), utc(begin));
    assert.match(await page.locator('table#packages').textContent(), /暂无数据/);
    assert.equal(await page.locator('h1').textContent(), '按需用量与资源包');

    // In English.
    await submitAndWait(page, 'form#lang-form button[value="en-US"]');
    assert.equal(await page.locator('h1').textContent(), 'Pay-per-use usage and resource packages');
    assert.match(await page.locator('#arrears-owed').textContent(), /You owe\s*¥2\.10/);
    assert.match(await page.locator('#arrears-repay').textContent(), /An allocation from your partner repays the arrears first/);
    assert.match(await page.locator('table#on-demand tr[data-resource="vm-bt-2"]').textContent(), /Normal/);
    assert.match(await page.locator('main').textContent(), /Latest deductions/);
    assert.doesNotMatch(await page.locator('main').textContent(), /\?\?/);
    await submitAndWait(page, 'form#lang-form button[value="zh-CN"]');
    await logout(page);

    // The distributor: the chart (12 months, the 2.10 and the 35.00 in them), then the XLSX.
    await login(page, 'distributor');
    await submitAndWait(page, 'nav#main-nav a[data-nav="bills"]');
    const chart = page.locator('figure#bills-chart');
    await chart.scrollIntoViewIfNeeded();
    assert.ok(await chart.locator('svg[role="img"]').isVisible(), 'the chart is drawn');
    assert.equal(await chart.locator('svg > title').textContent(), '近 12 个月客户消费（按云服务类型）');
    const bars = chart.locator('g.bar');
    assert.equal(await bars.count(), 12);
    assert.equal(await bars.last().getAttribute('data-category'), cycle);
    const totals = await bars.evaluateAll((gs) => gs.map((g) => Number(g.getAttribute('data-total-cents'))));
    assert.equal(totals.reduce((a, b) => a + b, 0), chartBefore + 3500 + 210);
    assert.equal(await chartTotals(), chartBefore + 3500 + 210);
    assert.ok(await chart.locator('rect[data-series="hws.service.type.ec2"]').count() >= 1);
    assert.match(await chart.locator('ul.legend li[data-series="hws.service.type.ec2"]').textContent(), /弹性云服务器/);

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('a#bills-xlsx')]);
    assert.equal(download.suggestedFilename(), `bills-${cycle}.xlsx`);
    const xlsx = zipEntries(readFileSync(await download.path()));
    for (const part of ['[Content_Types].xml', '_rels/.rels', 'xl/workbook.xml', 'xl/_rels/workbook.xml.rels', 'xl/styles.xml']) {
      assert.ok(xlsx[part], part);
    }
    assert.match(xlsx['xl/workbook.xml'].toString('utf8'), new RegExp(`<sheet name="${cycle}"`));
    const sheet = xlsx['xl/worksheets/sheet1.xml'].toString('utf8');
    // The header, the demo's lines of this month and acme-retail's new line.
    const linesAfter = await csvLines();
    assert.equal(linesAfter, linesBefore + 1, 'acme-retail’s line is added');
    assert.equal((sheet.match(/<row /g) || []).length, linesAfter, 'the XLSX has the CSV’s rows');
    // Texts are shared strings; the amount is a number styled #,##0.00.
    assert.match(xlsx['xl/sharedStrings.xml'].toString('utf8'), new RegExp(`<t>${acme}</t>`));
    assert.match(sheet, /<c r="H\d+" s="\d+"><v>35<\/v><\/c>/);
    assert.match(xlsx['xl/styles.xml'].toString('utf8'), /formatCode="#,##0\.00"/);
    // The CSV has the same line.
    const csv = await (await page.request.get(`/console/bills.csv?cycle=${cycle}`)).text();
    assert.match(csv, new RegExp(`${cycle},${acme},hws\\.service\\.type\\.ec2,hws\\.resource\\.type\\.vm,0,35\\.00`));
  });
});
