// Customer association through an invite link, on a phone (390x844): a partner generates a
// labelled resale link in the console, a new customer opens it, ticks the notice, gets an SMS code
// (read from the operator's outbox page), registers and is associated, and shows up in the
// partner's customer list with the link's label and type. Then a refusal: a customer already
// associated with one partner opens another partner's link and is told why and what to do.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createFixture, login, pathOf, submitAndWait } from './helpers.mjs';

const fx = createFixture('invite');
before(() => fx.setup(), { timeout: 60_000 });
after(() => fx.teardown());

const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

const rand = () => Math.random().toString(16).slice(2, 8);
const randomMobile = () => '13' + String(Math.floor(Math.random() * 1e9)).padStart(9, '0');

/** Generates a link in the partner's console; returns its absolute URL. */
async function generateLink(page, label, associationType) {
  await page.goto('/console/invites');
  await page.selectOption('#invite-kind', 'custom');
  await page.fill('#invite-label', label);
  await page.selectOption('#invite-type', associationType);
  await submitAndWait(page, '#invite-create');
  await page.locator('#invite-created').waitFor();
  const card = page.locator(`div.invite[data-label="${label}"]`);
  assert.equal(await card.count(), 1, `one card labelled ${label}`);
  assert.equal(await card.getAttribute('data-type'), associationType);
  return card.locator('a.invite-url').getAttribute('href');
}

/** The newest verification code sent to `mobile`, from the operator's outbox page. */
async function codeFromOutbox(page, mobile) {
  await page.goto('/console/outbox');
  const row = page.locator('table#outbox tbody tr', { hasText: mobile }).first();
  await row.waitFor();
  const text = await row.textContent();
  const m = text.match(/(?:验证码为|code is)\s*(\d{6})/);
  assert.ok(m, `no code in the outbox row: ${text}`);
  return m[1];
}

test('a new customer registers through a resale invite link on a phone and lands in the partner list', async (t) => {
  await fx.pageTest(
    t,
    async ({ page, newContext }) => {
      // The partner generates a labelled resale link, on its phone.
      await login(page, 'distributor');
      const label = `phone-fair-${rand()}`;
      const url = await generateLink(page, label, '2');
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/join\/[0-9a-f]{32}$/);
      // Its QR code is drawn by the server and decodes in the browser, as SVG and as PNG.
      const card = page.locator(`div.invite[data-label="${label}"]`);
      const qr = card.locator('img.qr');
      await qr.scrollIntoViewIfNeeded();
      await page.waitForFunction((el) => el.complete && el.naturalWidth > 0, await qr.elementHandle());
      const pngHref = await card.locator('a.qr-png').getAttribute('href');
      const png = await page.request.get(pngHref);
      assert.equal(png.headers()['content-type'], 'image/png');
      const img = await newContext();
      const imgPage = await img.newPage();
      await imgPage.setContent('<img id=q>');
      const width = await imgPage.evaluate(async (b64) => {
        const el = document.getElementById('q');
        el.src = `data:image/png;base64,${b64}`;
        await el.decode();
        return el.naturalWidth;
      }, (await png.body()).toString('base64'));
      assert.ok(width >= 200, `the PNG decodes (width ${width})`);

      // A new customer opens the link on a phone: no login needed.
      const visitor = await newContext(PHONE);
      const v = await visitor.newPage();
      await v.goto(url);
      assert.equal(await v.locator('#join-type').getAttribute('data-type'), '2');
      await v.locator('#join-notice').waitFor();
      const overflow = await v.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `no sideways scrolling on a phone (overflow ${overflow}px)`);
      await v.check('#agree');
      const mobile = randomMobile();
      await v.fill('#mobile', mobile);
      await submitAndWait(v, '#get-code');
      await v.locator('#code-sent').waitFor();
      assert.ok(await v.isChecked('#agree'), 'the ticked notice stays ticked');

      // The SMS went to the outbox; the operator's console shows it.
      const ops = await newContext();
      const op = await ops.newPage();
      await login(op, 'operator');
      const code = await codeFromOutbox(op, mobile);

      const account = `phone-${rand()}`;
      await v.fill('#code', code);
      await v.fill('#account-name', account);
      await v.fill('#password', 'Phone-2026-pass');
      await submitAndWait(v, '#register-submit');
      assert.equal(pathOf(v), new URL(url).pathname + '/done', `ended at ${v.url()}`);
      await v.locator('#join-done').waitFor();
      assert.equal((await v.locator('#done-label').textContent()).trim(), label);
      assert.equal(await v.locator('#done-type').getAttribute('data-type'), '2');
      assert.equal((await v.locator('#done-login').textContent()).trim(), account);
      // The new customer is logged in: its console home shows the partner.
      await submitAndWait(v, '#go-console');
      await v.locator('#association').waitFor();

      // The partner's customer list has it, with the link's label and type.
      await page.goto(`/console/customers?label=${encodeURIComponent(label)}`);
      const row = page.locator('table#customers tbody tr', { hasText: account });
      await row.waitFor();
      const cells = (await row.locator('td').allTextContents()).map((s) => s.trim());
      assert.ok(cells.includes(label), `label in ${JSON.stringify(cells)}`);
      assert.ok(cells.includes('代售') || cells.includes('Resale'), `resale type in ${JSON.stringify(cells)}`);
      assert.equal((await page.locator('#customer-total').textContent()).trim(), '1');
      // And the link counts it.
      await page.goto('/console/invites');
      assert.equal((await page.locator(`div.invite[data-label="${label}"] .invite-count`).textContent()).trim(), '1');
    },
    PHONE,
  );
});

test("a customer already associated with a partner opening another partner's link is told why", async (t) => {
  await fx.pageTest(
    t,
    async ({ page, newContext }) => {
      await login(page, 'consultant');
      const label = `consult-${rand()}`;
      const url = await generateLink(page, label, '1');

      const visitor = await newContext(PHONE);
      const v = await visitor.newPage();
      await v.goto(`${url}?lang=en-US`);
      assert.equal(await v.locator('#join-type').getAttribute('data-type'), '1');
      assert.equal(await v.locator('#agree').count(), 0, 'consulting needs no notice tick');
      await v.fill('#login', 'acme-retail');
      await v.fill('#login-password', 'Demo-2026-pass');
      await submitAndWait(v, '#login-associate');
      const err = v.locator('#join-error');
      await err.waitFor();
      assert.equal(await err.getAttribute('data-code'), 'PC.3102');
      const reason = (await v.locator('#join-reason').textContent()).trim();
      assert.match(reason, /already associated with another partner/);
      assert.match(reason, /unbind/, 'the page says what to do');
      assert.equal(pathOf(v), new URL(url).pathname + '/login');

      // The partner sees the refused attempt and its reason.
      await page.goto('/console/invites');
      const rec = page.locator('table#invite-events tr[data-outcome="refused"]', { hasText: 'acme-retail' });
      await rec.waitFor();
      assert.match(await rec.textContent(), /PC\.3102/);
    },
    PHONE,
  );
});
