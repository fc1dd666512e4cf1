// Browser tests for the Partner Center web console (server-rendered HTML, zh-CN by default).
// Run with tests/browser/run.sh (needs the built binary and chromium on PATH).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createFixture,
  DEMO_PASSWORD,
  isConsoleHome,
  login,
  logout,
  navItems,
  pathOf,
  shownText,
  submitAndWait,
  submitLogin,
} from './helpers.mjs';

const fx = createFixture('console');
before(() => fx.setup(), { timeout: 60_000 });
after(() => fx.teardown());

const ROLES = ['operator', 'distributor', 'reseller', 'consultant', 'acme-retail'];

async function htmlLang(page) {
  return page.evaluate(() => document.documentElement.getAttribute('lang'));
}

async function logoutText(page) {
  return (await page.locator('form#logout-form button#logout').textContent()).trim();
}

async function keyRows(page) {
  return page.locator('table#keys tr[data-ak]').evaluateAll((els) => els.map((e) => e.getAttribute('data-ak')));
}

// ---------------------------------------------------------------------------------------------
// Authentication

test('logged-out GET /console redirects to /console/login', async (t) => {
  // The raw HTTP answer is a redirect ...
  const res = await fetch(`${fx.base}/console`, { redirect: 'manual' });
  assert.ok(res.status >= 300 && res.status < 400, `expected a 3xx redirect, got ${res.status}`);
  const location = new URL(res.headers.get('location') || '', fx.base);
  assert.equal(location.pathname, '/console/login', `redirect Location was ${res.headers.get('location')}`);

  // ... and a browser ends up on the login page.
  await fx.pageTest(t, async ({ page }) => {
    await page.goto('/console');
    assert.equal(pathOf(page), '/console/login');
    await page.locator('form#login-form').waitFor();
  });
});

test('login page has the login form', async (t) => {
  await fx.pageTest(t, async ({ page }) => {
    const res = await page.goto('/console/login');
    assert.equal(res.status(), 200);
    assert.equal(await page.locator('form#login-form').count(), 1, 'form#login-form');
    assert.equal(await page.locator('form#login-form input[name=login]').count(), 1, 'input[name=login]');
    assert.equal(await page.locator('form#login-form input[name=password]').count(), 1, 'input[name=password]');
    assert.equal(await page.locator('form#login-form button#login-submit').count(), 1, 'button#login-submit');
    assert.equal(await page.locator('form#login-form input[name=password]').getAttribute('type'), 'password');
  });
});

test('wrong password stays on the login page with the message beside the password', async (t) => {
  await fx.pageTest(t, async ({ page }) => {
    await submitLogin(page, 'operator', 'definitely-not-the-password');
    assert.equal(pathOf(page), '/console/login', `ended at ${page.url()}`);
    const flash = page.locator('form#login-form p.field-error#login-form-password-error');
    assert.equal(await flash.count(), 1, 'no message beside the password');
    await flash.waitFor({ state: 'visible' });
    const text = (await flash.textContent()).trim();
    assert.notEqual(text, '', 'the message has no text');
    assert.equal(await page.locator('form#login-form input[name=login]').inputValue(), 'operator');
    assert.equal(await page.locator('form#login-form input[name=password]').inputValue(), '');
    assert.equal(await page.locator('#whoami').count(), 0, 'wrong password must not log in');
    // Still logged out.
    await page.goto('/console');
    assert.equal(pathOf(page), '/console/login');
  });
});

const NAV_EXPECTATIONS = {
  operator: { include: ['home', 'partners', 'outbox', 'audit'], exclude: [] },
  distributor: { include: ['home', 'customers', 'access-keys'], exclude: [] },
  'acme-retail': { include: ['home'], exclude: ['access-keys', 'partners'] },
};

for (const role of ROLES) {
  test(`${role} logs in, sees whoami and navigation, and logs out`, async (t) => {
    await fx.pageTest(t, async ({ page }) => {
      await submitLogin(page, role, DEMO_PASSWORD);
      assert.ok(isConsoleHome(page), `login as ${role} landed on ${page.url()}`);

      const whoami = (await page.locator('#whoami').textContent()) || '';
      assert.ok(whoami.includes(role), `#whoami is ${JSON.stringify(whoami.trim())}, expected it to contain ${role}`);

      const nav = await navItems(page);
      assert.ok(nav.length > 0, 'nav#main-nav has no a[data-nav] links');
      const exp = NAV_EXPECTATIONS[role];
      if (exp) {
        for (const item of exp.include) assert.ok(nav.includes(item), `${role}: nav ${JSON.stringify(nav)} lacks ${item}`);
        for (const item of exp.exclude) assert.ok(!nav.includes(item), `${role}: nav ${JSON.stringify(nav)} must not have ${item}`);
      }

      await logout(page);
      assert.equal(pathOf(page), '/console/login', `after logout at ${page.url()}`);
      await page.goto('/console');
      assert.equal(pathOf(page), '/console/login', 'after logout /console must redirect to login');
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Language

test('language defaults to zh-CN, switches to en-US, and is remembered per user', async (t) => {
  await fx.pageTest(t, async ({ page }) => {
    await login(page, 'consultant');
    assert.equal(await htmlLang(page), 'zh-CN');
    assert.equal(await logoutText(page), '退出登录');
    assert.equal(await page.locator('form#lang-form button[name=lang][value="en-US"]').count(), 1, 'en-US button');
    assert.equal(await page.locator('form#lang-form button[name=lang][value="zh-CN"]').count(), 1, 'zh-CN button');

    await submitAndWait(page, 'form#lang-form button[name=lang][value="en-US"]');
    assert.equal(await htmlLang(page), 'en-US');
    assert.equal(await logoutText(page), 'Log out');
    assert.ok(pathOf(page).startsWith('/console'), `after switching language at ${page.url()}`);

    // Same user again: still English.
    await logout(page);
    await login(page, 'consultant');
    assert.equal(await htmlLang(page), 'en-US', 'language not remembered for consultant');
    assert.equal(await logoutText(page), 'Log out');

    // Another user in the same browser: Chinese.
    await logout(page);
    await login(page, 'reseller');
    assert.equal(await htmlLang(page), 'zh-CN', 'another user must see the default language');
    assert.equal(await logoutText(page), '退出登录');
    await logout(page);
  });
});

test('language choice is stored with the user, not the browser', async (t) => {
  await fx.pageTest(t, async ({ page, newContext }) => {
    await login(page, 'operator');
    await submitAndWait(page, 'form#lang-form button[name=lang][value="en-US"]');
    assert.equal(await htmlLang(page), 'en-US');

    // A different browser (fresh cookies) logging in as the same user still gets English.
    const other = await (await newContext()).newPage();
    await login(other, 'operator');
    assert.equal(await htmlLang(other), 'en-US');
    assert.equal(await logoutText(other), 'Log out');

    // Switching back to Chinese works and is remembered too.
    await submitAndWait(other, 'form#lang-form button[name=lang][value="zh-CN"]');
    assert.equal(await htmlLang(other), 'zh-CN');
    assert.equal(await logoutText(other), '退出登录');
    await logout(other);
    await login(other, 'operator');
    assert.equal(await htmlLang(other), 'zh-CN');
  });
});

// ---------------------------------------------------------------------------------------------
// Operator pages

test('operator sees the partner list', async (t) => {
  await fx.pageTest(t, async ({ page }) => {
    await login(page, 'operator');
    const res = await page.goto('/console/partners');
    assert.equal(res.status(), 200);
    assert.equal(await page.locator('table#partners').count(), 1, 'table#partners');
    const row = page.locator('table#partners tr', { hasText: 'East China Cloud Distribution' });
    assert.ok((await row.count()) >= 1, 'no row with "East China Cloud Distribution"');
  });
});

// ---------------------------------------------------------------------------------------------
// Access keys

test('partner admin creates an access key, sees the secret once, and revokes it', async (t) => {
  await fx.pageTest(t, async ({ page }) => {
    await login(page, 'distributor');
    const res = await page.goto('/console/access-keys');
    assert.equal(res.status(), 200);
    assert.equal(await page.locator('table#keys').count(), 1, 'table#keys');
    const before = await keyRows(page);
    assert.ok(before.length >= 1, 'expected the demo access key in table#keys');
    assert.equal(await page.locator('#new-secret').count(), 0, 'no secret before creating a key');

    await page.fill('form#create-key-form input[name=description]', 'ci key');
    await submitAndWait(page, 'form#create-key-form button#create-key');

    const ak = await shownText(page.locator('#new-access-key'));
    const sk = await shownText(page.locator('#new-secret'));
    assert.equal(ak.length, 20, `#new-access-key ${JSON.stringify(ak)} should be 20 characters`);
    assert.equal(sk.length, 40, `#new-secret should be 40 characters, got ${sk.length}`);

    const afterCreate = await keyRows(page);
    assert.equal(afterCreate.length, before.length + 1, `rows before ${before.length}, after ${afterCreate.length}`);
    assert.ok(afterCreate.includes(ak), `table#keys has no tr[data-ak="${ak}"]`);
    assert.ok(!before.includes(ak), 'the new key id was already listed');

    // Reload: the secret is not shown again.
    await page.reload();
    assert.equal(await page.locator('#new-secret').count(), 0, '#new-secret still shown after reload');
    assert.ok(!(await page.content()).includes(sk), 'the secret still appears in the page after reload');
    const afterReload = await keyRows(page);
    assert.equal(afterReload.length, before.length + 1, 'reload changed the number of keys');

    // Revoke it.
    page.on('dialog', (d) => d.accept());
    const row = page.locator(`table#keys tr[data-ak="${ak}"]`);
    assert.equal(await row.locator('form.revoke-form button.revoke').count(), 1, 'revoke button in the new row');
    await submitAndWait(page, `table#keys tr[data-ak="${ak}"] form.revoke-form button.revoke`);
    assert.equal(
      await page.locator(`table#keys tr[data-ak="${ak}"]`).getAttribute('data-status'),
      'revoked',
      'row should have data-status="revoked"',
    );
    // The demo key is untouched.
    for (const other of before) {
      assert.notEqual(
        await page.locator(`table#keys tr[data-ak="${other}"]`).getAttribute('data-status'),
        'revoked',
        `unrelated key ${other} was revoked`,
      );
    }
  });
});

test('customer cannot open the access-key page', async (t) => {
  await fx.pageTest(t, async ({ page }) => {
    await login(page, 'acme-retail');
    const res = await page.goto('/console/access-keys');
    const redirected = res.request().redirectedFrom() !== null || pathOf(page) !== '/console/access-keys';
    assert.ok(res.status() === 403 || redirected, `expected 403 or a redirect, got ${res.status()} at ${page.url()}`);
    assert.equal(await page.locator('table#keys').count(), 0, 'customer must not see table#keys');
    assert.equal(await page.locator('tr[data-ak]').count(), 0, 'customer must not see access keys');
    assert.equal(await page.locator('form#create-key-form').count(), 0, 'customer must not see the create form');
  });
});

// ---------------------------------------------------------------------------------------------
// CSRF

async function postFromPage(page, fields) {
  return page.evaluate(async (f) => {
    const res = await fetch('/console/access-keys', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(f).toString(),
      credentials: 'same-origin',
    });
    return { status: res.status, redirected: res.redirected, url: res.url };
  }, fields);
}

test('POST /console/access-keys without the csrf field is refused with 403', async (t) => {
  await fx.pageTest(t, async ({ page }) => {
    await login(page, 'distributor');
    await page.goto('/console/access-keys');
    const before = await keyRows(page);

    const res = await postFromPage(page, { description: 'csrf probe' });
    assert.equal(res.status, 403, `POST without csrf answered ${res.status} (final ${res.url})`);

    await page.reload();
    const afterRows = await keyRows(page);
    assert.deepEqual(afterRows, before, 'a key was created without the csrf field');
    assert.equal(await page.locator('table#keys tr[data-ak]', { hasText: 'csrf probe' }).count(), 0);
  });
});

test('POST /console/access-keys with the form csrf field is accepted (control)', async (t) => {
  await fx.pageTest(t, async ({ page }) => {
    await login(page, 'distributor');
    await page.goto('/console/access-keys');
    const before = await keyRows(page);
    const csrf = await page.locator('form#create-key-form input[name=csrf]').getAttribute('value');
    assert.ok(csrf, 'form#create-key-form has no csrf field');

    const res = await postFromPage(page, { csrf, description: 'csrf control' });
    assert.ok(res.status >= 200 && res.status < 300, `POST with csrf answered ${res.status}`);

    await page.reload();
    const afterRows = await keyRows(page);
    assert.equal(afterRows.length, before.length + 1, 'the control POST did not create a key');
  });
});

// ---------------------------------------------------------------------------------------------
// Mobile

test('login page has no horizontal scroll at 390x844', async (t) => {
  await fx.pageTest(
    t,
    async ({ page }) => {
      await page.goto('/console/login');
      await page.locator('form#login-form').waitFor();
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 390, `document scrollWidth is ${width} > 390`);
    },
    { viewport: { width: 390, height: 844 } },
  );
});
