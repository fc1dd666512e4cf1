// Refused console forms keep the user's work: the page comes back with the form as it was
// filled in and the message beside the field it concerns (console/refill.rs). An invite with an
// empty custom label keeps the kind and type chosen and says why beside the label, in Chinese;
// an allocation over the partner's balance keeps the amount typed; a wrong password keeps the
// login name (never the password) on the login page and on an invite's join page; a payment
// without the balance says so in the pay form of the order's page; an unbinding within 3 months
// of the last is the home page again with the reason in the unbind form. Run with
// tests/browser/run.sh.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createFixture, login, pathOf, runCli, shownText, submitAndWait } from './helpers.mjs';

const fx = createFixture('forms');
before(() => fx.setup(), { timeout: 60_000 });
after(() => fx.teardown());

test('an invite with an empty custom label is shown again with the choices kept and the reason beside the label', async (t) => {
  await fx.pageTest(t, async ({ page }) => {
    await login(page, 'distributor');
    await page.goto('/console/invites');
    const links = await page.locator('div.invite').count();
    await page.selectOption('#invite-kind', 'custom');
    await page.fill('#invite-label', '   ');
    await page.selectOption('#invite-type', '1');
    const refused = await submitAndWait(page, '#invite-create');
    assert.equal(refused.status(), 400);
    assert.equal(new URL(page.url()).pathname, '/console/invites');
    // The same page, the form as it was.
    assert.equal(await page.locator('#invite-kind').inputValue(), 'custom');
    assert.equal(await page.locator('#invite-type').inputValue(), '1');
    // The message is in the form, beside the label field, in Chinese.
    const error = page.locator('form#invite-form p.field-error#invite-form-label-error');
    assert.equal(await error.count(), 1);
    assert.match(await error.textContent(), /参数错误/);
    const label = page.locator('#invite-label');
    assert.equal(await label.getAttribute('aria-invalid'), 'true');
    assert.equal(await label.getAttribute('aria-describedby'), 'invite-form-label-error');
    assert.equal(await page.locator('div.invite').count(), links, 'no link was made');
  });
});

test('an allocation over the balance keeps the amount typed', async (t) => {
  await fx.pageTest(t, async ({ page }) => {
    await login(page, 'distributor');
    await page.goto('/console/funds');
    const balance = await shownText(page.locator('#funds-balance'));
    const customer = await page.locator('#customer-select option').nth(0).getAttribute('value');
    await page.selectOption('#customer-select', customer);
    await page.fill('#customer-amount', '987654321.00');
    const refused = await submitAndWait(page, '#customer-allocate');
    assert.equal(refused.status(), 400);
    assert.equal(await page.locator('#customer-amount').inputValue(), '987654321.00');
    assert.equal(await page.locator('#customer-select').inputValue(), customer);
    const error = page.locator('form#customer-funds-form #customer-funds-form-amount-error');
    assert.match(await error.textContent(), /余额不足/);
    assert.equal(await page.locator('#customer-amount').getAttribute('aria-invalid'), 'true');
    assert.equal(await shownText(page.locator('#funds-balance')), balance, 'nothing moved');
  });
});

test('a wrong password keeps the login name, never the password, and says why beside it, in English', async (t) => {
  await fx.pageTest(t, async ({ page, context, base }) => {
    await context.addCookies([{ name: 'pc_lang', value: 'en-US', url: base }]);
    await page.goto('/console/login');
    await page.fill('form#login-form input[name=login]', 'distributor');
    await page.fill('form#login-form input[name=password]', 'not-the-password-9');
    const refused = await submitAndWait(page, 'form#login-form button#login-submit');
    assert.equal(refused.status(), 401);
    assert.equal(await page.locator('form#login-form input[name=login]').inputValue(), 'distributor');
    assert.equal(await page.locator('form#login-form input[name=password]').inputValue(), '');
    const error = page.locator('form#login-form p.field-error#login-form-password-error');
    assert.match(await error.textContent(), /Wrong login or password/);
    const pw = page.locator('form#login-form input[name=password]');
    assert.equal(await pw.getAttribute('aria-describedby'), 'login-form-password-error');
    assert.ok(!(await page.content()).includes('not-the-password-9'), 'the password is not echoed');
  });
});

test('a payment without the balance says so in the pay form, the order page intact', async (t) => {
  await fx.pageTest(t, async ({ page, newContext }) => {
    const partner = await (await newContext()).newPage();
    await login(partner, 'distributor');
    await partner.goto('/console/customers');
    const customer = await partner.locator('tr[data-account="acme-retail"]').getAttribute('data-customer');
    const order = JSON.parse(
      runCli(fx.server, [
        'admin', 'place-order', '--customer', customer, '--product', 'ecs-c7-xlarge-2-win', '--period', 'year', '--json',
      ]),
    ).order_id;
    await login(page, 'acme-retail');
    await page.goto(`/console/orders/${order}`);
    const refused = await submitAndWait(page, 'form#pay-form button#pay');
    assert.equal(refused.status(), 400);
    assert.match(await page.locator('form#pay-form #pay-form-error').textContent(), /余额不足/);
    assert.equal(await page.locator('#order-error').count(), 0, 'not only atop the page');
    assert.equal(await page.locator('#order-status').getAttribute('data-status'), '6');
    assert.equal(await page.locator('form#cancel-form').count(), 1, 'the order can still be cancelled');
  });
});

test('a refused join keeps the login name; an unbinding too soon is the home page with why', async (t) => {
  await fx.pageTest(t, async ({ page, newContext }) => {
    // tidewater-bio (a consulting customer of the consultant) leaves once: allowed.
    const customer = await (await newContext()).newPage();
    customer.on('dialog', (d) => d.accept());
    await login(customer, 'tidewater-bio');
    await submitAndWait(customer, 'form#unbind-form button#unbind');
    assert.equal(pathOf(customer), '/console');
    assert.equal(await customer.locator('form#unbind-form').count(), 0, 'no association now');

    // It comes back through the consultant's invite link: a wrong password first.
    await login(page, 'consultant');
    await page.goto('/console/invites');
    await page.selectOption('#invite-kind', 'custom');
    await page.fill('#invite-label', 'forms-rejoin');
    await page.selectOption('#invite-type', '1');
    await submitAndWait(page, '#invite-create');
    const url = await page.locator('div.invite[data-label="forms-rejoin"] a.invite-url').getAttribute('href');
    const visitor = await (await newContext()).newPage();
    await visitor.goto(url);
    await visitor.fill('#login', 'tidewater-bio');
    await visitor.fill('#login-password', 'not-the-password-9');
    const refused = await submitAndWait(visitor, '#login-associate');
    assert.equal(refused.status(), 401);
    assert.equal(await visitor.locator('#login').inputValue(), 'tidewater-bio');
    assert.equal(await visitor.locator('#login-password').inputValue(), '');
    const beside = visitor.locator('form#join-login-form p.field-error#join-login-form-password-error');
    assert.match(await beside.textContent(), /账号或密码错误/);
    assert.equal(await visitor.locator('#login-password').getAttribute('aria-invalid'), 'true');
    await visitor.fill('#login-password', 'Demo-2026-pass');
    await submitAndWait(visitor, '#login-associate');
    await visitor.locator('#join-done').waitFor();

    // Leaving again within 3 months is refused: the home page, the reason in the unbind form.
    await customer.goto('/console');
    const again = await submitAndWait(customer, 'form#unbind-form button#unbind');
    assert.equal(again.status(), 400);
    assert.equal(pathOf(customer), '/console/my-partner/unbind');
    assert.equal(await customer.locator('#association').count(), 1, 'the home page');
    assert.match(await customer.locator('form#unbind-form #unbind-form-error').textContent(), /3 个月/);
  });
});
