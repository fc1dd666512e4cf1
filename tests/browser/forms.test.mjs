// Refused console forms keep the user's work: the page comes back with the form as it was
// filled in and the message beside the field it concerns (console/refill.rs). An invite with an
// empty custom label keeps the kind and type chosen and says why beside the label, in Chinese;
// an allocation over the partner's balance keeps the amount typed. Run with tests/browser/run.sh.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createFixture, login, shownText, submitAndWait } from './helpers.mjs';

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
