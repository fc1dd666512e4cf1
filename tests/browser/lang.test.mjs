// The console speaks Chinese all the way: every demo login, in zh-CN, visits every page its
// navigation links to (and each list's first detail page) and finds no `??` (a missing
// translation) and no English sentence outside the islands that stay as they are (codes and ids in
// `code`/`kbd`, the language switch, text marked translate="no"). Refused forms show their error
// detail in Chinese. The crawl follows the navigation, so pages added later are covered too.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createFixture, login, submitAndWait } from './helpers.mjs';

const fx = createFixture('lang');
before(() => fx.setup(), { timeout: 120_000 });
after(() => fx.teardown());

/** The demo's console logins, as `serve --demo` prints them (role, login). */
function demoLogins() {
  const lines = readFileSync(fx.server.logPath, 'utf8').split('\n');
  const start = lines.findIndex((l) => l.startsWith('Demo data loaded. Console logins'));
  assert.ok(start >= 0, 'serve --demo printed its logins');
  const out = [];
  for (const l of lines.slice(start + 1)) {
    const m = /^\s{2}(\S.*?)\s{2,}(\S+)\s*$/.exec(l);
    if (!m) break;
    out.push({ role: m[1].trim(), login: m[2] });
  }
  assert.ok(out.length >= 3, `demo logins: ${JSON.stringify(out)}`);
  return out;
}

/** Small English words that make a run of Latin words a sentence rather than a name. */
const FUNCTION_WORDS = new Set(
  ('a an the of to in on at by for with from and or not no is are was be been must may can cannot ' +
    'this that these those your you it its has have will here there than then only all any per')
    .split(' '),
);

/**
 * English sentences in a page's visible text: runs of three or more Latin words, one of them a
 * function word ("Top up your balance"), outside the islands. Product and company names
 * ("Elastic Cloud Server", "Acme Retail Ltd") carry no function word and pass.
 */
async function englishSentences(page) {
  const text = await page.evaluate(() => {
    const root = document.body.cloneNode(true);
    const islands = 'code, kbd, samp, pre, script, style, noscript, #lang-form, [translate="no"], [lang^="en"]';
    for (const el of root.querySelectorAll(islands)) el.remove();
    // innerText of a detached clone has no layout; textContent with block breaks is enough here.
    for (const el of root.querySelectorAll('td, th, p, li, dt, dd, h1, h2, h3, div, label, option, button, a, span')) {
      el.append(document.createTextNode('\n'));
    }
    return root.textContent;
  });
  const found = [];
  for (const m of text.matchAll(/[A-Za-z][A-Za-z'’-]*(?:[ ,]+[A-Za-z][A-Za-z'’-]*){2,}/g)) {
    const words = m[0].toLowerCase().split(/[ ,]+/);
    if (words.some((w) => FUNCTION_WORDS.has(w))) found.push(m[0]);
  }
  return found;
}

async function checkPage(page, where) {
  const text = await page.evaluate(() => document.body.innerText);
  assert.ok(!text.includes('??'), `${where}: a missing translation (??)`);
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'zh-CN', `${where}: <html lang>`);
  const en = await englishSentences(page);
  assert.deepEqual(en, [], `${where}: English text on a zh-CN page`);
}

/** Console pages the main navigation links to. */
async function navTargets(page) {
  const hrefs = await page
    .locator('nav#main-nav a[href]')
    .evaluateAll((els) => els.map((e) => e.getAttribute('href')));
  return [...new Set(hrefs.filter((h) => h && h.startsWith('/console')))];
}

/** The first link of the page's first list that leads to another console page (a detail). */
async function firstDetail(page, navSet) {
  const hrefs = await page
    .locator('main table tbody tr a[href^="/console/"]')
    .evaluateAll((els) => els.map((e) => e.getAttribute('href')));
  const here = new URL(page.url()).pathname;
  return hrefs.find((h) => {
    const p = h.split(/[?#]/)[0];
    return p !== here && !navSet.has(p) && !/\.(csv|xlsx|png|svg)$/.test(p);
  });
}

test('every page of every demo role reads Chinese in zh-CN', { timeout: 600_000 }, async (t) => {
  const logins = demoLogins();
  for (const { role, login: who } of logins) {
    await fx.pageTest(
      t,
      async ({ page }) => {
        await login(page, who);
        await checkPage(page, `${role}: /console`);
        const targets = await navTargets(page);
        assert.ok(targets.length > 0, `${role}: the navigation has links`);
        const navSet = new Set(targets.map((h) => h.split(/[?#]/)[0]));
        for (const href of targets) {
          const res = await page.goto(href);
          assert.ok(res.status() < 500, `${role}: ${href} answered ${res.status()}`);
          await checkPage(page, `${role}: ${href}`);
          const detail = await firstDetail(page, navSet);
          if (detail) {
            const r = await page.goto(detail);
            assert.ok(r.status() < 500, `${role}: ${detail} answered ${r.status()}`);
            await checkPage(page, `${role}: ${detail} (from ${href})`);
          }
        }
      },
      { locale: 'zh-CN', extraHTTPHeaders: { 'Accept-Language': 'zh-CN' } },
    );
  }
});

test('a refused form says why in Chinese', async (t) => {
  const partner = demoLogins().find((l) => /distributor/i.test(l.role));
  assert.ok(partner, 'the demo has a master distributor login');
  await fx.pageTest(
    t,
    async ({ page }) => {
      await login(page, partner.login);
      // An invite link of the custom kind with an empty label.
      await page.goto('/console/invites');
      await page.selectOption('#invite-kind', 'custom');
      await page.fill('#invite-label', '');
      await page.locator('#invite-label').evaluate((el) => el.removeAttribute('required'));
      await submitAndWait(page, '#invite-create');
      const msg = (await page.locator('.field-error, .flash.error').first().textContent()).trim();
      assert.match(msg, /参数错误。.*自定义标签/, msg);
      assert.deepEqual(await englishSentences(page), [], msg);
      await checkPage(page, 'refused invite');

      // The scan is not blind: the same refusal in English is found as English. (The language is
      // the user's setting: put it back to Chinese for the other tests.)
      await page.goto('/console/invites');
      await submitAndWait(page, '#lang-form button[value="en-US"]');
      await page.selectOption('#invite-kind', 'custom');
      await page.locator('#invite-label').evaluate((el) => el.removeAttribute('required'));
      await submitAndWait(page, '#invite-create');
      const en = (await page.locator('.field-error, .flash.error').first().textContent()).trim();
      assert.match(en, /Invalid parameter\. a custom label has 1 to 64 characters/, en);
      assert.ok((await englishSentences(page)).length > 0, 'the scan finds English on an English page');
      await page.goto('/console/invites');
      await submitAndWait(page, '#lang-form button[value="zh-CN"]');
    },
    { locale: 'zh-CN', extraHTTPHeaders: { 'Accept-Language': 'zh-CN' } },
  );
});

test('a refused amount says why in Chinese', async (t) => {
  const operator = demoLogins().find((l) => /operator/i.test(l.role));
  assert.ok(operator, 'the demo has an operator login');
  await fx.pageTest(
    t,
    async ({ page }) => {
      await login(page, operator.login);
      await page.goto('/console/funds');
      const credit = await page.locator('a[href^="/console/funds/credit?"]').first().getAttribute('href');
      await page.goto(credit);
      await page.fill('#credit-amount', '12.345');
      await submitAndWait(page, '#credit-submit');
      const msg = (await page.locator('.field-error, .flash.error').first().textContent()).trim();
      assert.match(msg, /[\u4e00-\u9fff]/, msg);
      await checkPage(page, `refused credit: ${msg}`);
    },
    { locale: 'zh-CN', extraHTTPHeaders: { 'Accept-Language': 'zh-CN' } },
  );
});

// `serve --time-zone`: the console shows times in the zone set, named beside them.
const tokyo = createFixture('lang-tz', { serverArgs: ['--time-zone', 'Asia/Tokyo'] });

test('serve --time-zone shows times in that zone, named', { timeout: 120_000 }, async (t) => {
  await tokyo.setup();
  try {
    await tokyo.pageTest(t, async ({ page }) => {
      await login(page, 'operator');
      await page.goto('/console/audit');
      const times = await page.locator('main time[datetime]').evaluateAll((els) =>
        els.slice(0, 5).map((e) => ({
          utc: e.getAttribute('datetime'),
          shown: e.textContent.trim(),
          zone: e.nextElementSibling ? e.nextElementSibling.textContent.trim() : '',
        })),
      );
      assert.ok(times.length > 0, 'the audit log shows times');
      for (const { utc, shown, zone } of times) {
        assert.equal(zone, 'Asia/Tokyo');
        const tokyoWall = new Date(Date.parse(utc) + 9 * 3600 * 1000).toISOString().slice(0, 16).replace('T', ' ');
        assert.equal(shown, tokyoWall, utc);
      }
    });
  } finally {
    await tokyo.teardown();
  }
});
