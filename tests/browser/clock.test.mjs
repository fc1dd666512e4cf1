// Browser acceptance of the test clock (issue #11, item 6): a server started with
// `serve --test-clock` shows a banner with its time on every console page; the operator moves
// the clock on /console/clock and every page (a customer's too) follows at once (sessions expire
// on the moved time, as they would have); `admin clock`
// on the command line moves it too, and the server follows within a second; reset puts it back.
// Run with tests/browser/run.sh (needs the built binary and chromium on PATH).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createFixture, login, logout, navItems, runCli, submitAndWait } from './helpers.mjs';

const fx = createFixture('clock', { serverArgs: ['--test-clock'] });
before(() => fx.setup(), { timeout: 60_000 });
after(() => fx.teardown());

const DAY = 86_400_000;

/** The time the banner shows (ms). */
async function bannerMs(page) {
  const v = await page.locator('#test-clock-banner').getAttribute('data-ms');
  assert.ok(v, 'the test-clock banner is shown');
  return Number(v);
}

test('the operator moves the test clock; every page shows and follows it', async (t) => {
  await fx.pageTest(t, async ({ page }) => {
    await login(page, 'operator');
    const start = await bannerMs(page);
    assert.ok(Math.abs(start - Date.now()) < 60_000, 'starts on the system time');
    assert.ok((await navItems(page)).includes('clock'), 'the clock page in the operator nav');
    await submitAndWait(page, 'nav#main-nav a[data-nav="clock"]');

    // A bad duration is refused with the reason; nothing moves.
    await page.fill('form#clock-advance input[name=by]', 'soon');
    await submitAndWait(page, 'form#clock-advance button#clock-advance-go');
    assert.match(await page.locator('form#clock-advance #clock-advance-by-error').textContent(), /3d/);
    assert.equal(await page.locator('form#clock-advance input[name=by]').inputValue(), 'soon');
    assert.equal(await page.locator('#clock-offset').getAttribute('data-offset-ms'), '0');

    // Forty days on, the operator's session has expired like any other: it logs in again.
    await page.fill('form#clock-advance input[name=by]', '40d');
    await submitAndWait(page, 'form#clock-advance button#clock-advance-go');
    assert.equal(new URL(page.url()).pathname, '/console/login');
    await login(page, 'operator');
    await page.goto('/console/clock');
    const moved = Number(await page.locator('#clock-now').getAttribute('data-ms'));
    assert.ok(moved - Date.now() > 39.9 * DAY && moved - Date.now() < 40.1 * DAY, 'forty days ahead');
    assert.equal(await page.locator('#clock-offset').getAttribute('data-offset-ms'), String(40 * DAY));
    await logout(page);

    // A customer's pages run on the same time: the banner, and Bills opens on that month.
    await login(page, 'acme-retail');
    assert.ok((await bannerMs(page)) - Date.now() > 39.9 * DAY);
    await submitAndWait(page, 'nav#main-nav a[data-nav="bills"]');
    const month = new Date((await bannerMs(page)) + 8 * 3600 * 1000).toISOString().slice(0, 7);
    assert.equal(await page.locator('form#month-form input[name=cycle]').inputValue(), month);
    await logout(page);

    // The command line moves it back by 40 days; the server follows within a second.
    runCli(fx.server, ['admin', 'clock', 'advance', '-40d']);
    await login(page, 'operator');
    let now = await bannerMs(page);
    for (let i = 0; i < 30 && now - Date.now() > DAY; i++) {
      await new Promise((r) => setTimeout(r, 200));
      await page.reload();
      now = await bannerMs(page);
    }
    assert.ok(Math.abs(now - Date.now()) < 60_000, 'back on the system time');

    // Set to a time, then reset.
    await page.goto('/console/clock');
    await page.fill('form#clock-set input[name=time]', '2027-03-04T05:06:07Z');
    await submitAndWait(page, 'form#clock-set button#clock-set-go');
    await login(page, 'operator');
    await page.goto('/console/clock');
    const set = Number(await page.locator('#clock-now').getAttribute('data-ms'));
    assert.ok(set >= Date.parse('2027-03-04T05:06:07Z') && set < Date.parse('2027-03-04T05:07:07Z'));
    await submitAndWait(page, 'form#clock-reset button#clock-reset-go');
    assert.equal(await page.locator('#clock-offset').getAttribute('data-offset-ms'), '0');
  });
});
