'use strict';
/* The case form with JavaScript: suggestions as the subject is typed,
 * reading one inline, "This solved my problem", submitting a case, and
 * a failed validation that keeps what was typed. */
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const kb = require('./support/kb');

let srv;
let ctx;

before(async () => {
  srv = await kb.startServer();
  ctx = await kb.openBrowser();
});

after(async () => {
  if (ctx) await ctx.close();
  if (srv) await srv.stop();
});

function isEventPost(req) {
  return req.method() === 'POST' && new URL(req.url()).pathname === '/api/events';
}

test('typing a subject lists matching articles and sections', async () => {
  const page = await ctx.newPage();
  const errors = kb.watchErrors(page);
  await page.goto(`${srv.base}/contact`);
  assert.equal(await page.locator('#deflect-list .deflect-item').count(), 0);
  await page.locator('#subject').pressSequentially('late fee on my invoice', { delay: 20 });
  const first = page.locator('#deflect-list .deflect-item').first();
  await first.waitFor();
  assert.equal(await first.locator('.deflect-title').innerText(), 'Understand your invoice');
  assert.equal(await first.locator('.deflect-section').innerText(), 'Late fees');
  assert.ok((await first.locator('.snippet mark').count()) >= 1);
  assert.match(await page.locator('#deflect-status').innerText(), /match your subject/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('open a suggestion inline; "This solved my problem" ends with thanks', async () => {
  const page = await ctx.newPage();
  const errors = kb.watchErrors(page);
  await page.goto(`${srv.base}/contact`);
  await page.fill('#subject', 'late fee');
  const title = page.locator('#deflect-list .deflect-item .deflect-title').first();
  await title.waitFor();
  await title.click();
  assert.equal(await title.getAttribute('aria-expanded'), 'true');
  const reader = page.locator('#deflect-list .reader').first();
  await reader.locator('.content h2#late-fees').waitFor();
  assert.equal(await reader.locator('.content script').count(), 0);

  const logged = page.waitForRequest(isEventPost);
  await reader.locator('button.solved').click();
  const ev = JSON.parse((await logged).postData());
  assert.equal(ev.type, 'deflect');
  assert.equal(ev.source, 'case_form');
  assert.equal(ev.article, 'billing/invoices');
  const heading = page.locator('.deflected h1');
  await heading.waitFor();
  assert.equal(await heading.innerText(), 'Glad we could help!');
  assert.equal(await page.locator('#case-form').count(), 0, 'the form is gone');
  assert.deepEqual(errors, []);
  await page.close();
});

test('submitting a case shows its id', async () => {
  const page = await ctx.newPage();
  const errors = kb.watchErrors(page);
  await page.goto(`${srv.base}/contact`);
  await page.fill('#subject', 'Charged twice for one invoice');
  await page.fill('#description', 'Invoice 1042 appears twice on my card statement.');
  await page.fill('#email', 'ana@example.com');
  await page.selectOption('#product', 'billing');
  await page.click('#case-form button[type=submit]');
  const id = page.locator('.case-id');
  await id.waitFor();
  assert.match(await id.innerText(), /^C-[A-Z0-9]{10}$/);
  assert.match(await page.locator('.case-created').innerText(), /ana@example\.com/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a failed validation keeps what was typed, with a message at each field', async () => {
  const page = await ctx.newPage();
  await page.goto(`${srv.base}/contact`);
  await page.fill('#description', 'The export never finishes.');
  await page.fill('#email', 'not-an-email');
  await page.selectOption('#product', 'settings');
  await page.selectOption('#locale', 'ru-ru');
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST'),
    page.click('#case-form button[type=submit]'),
  ]);
  assert.equal(response.status(), 400);
  await page.waitForLoadState();

  assert.equal(await page.inputValue('#description'), 'The export never finishes.');
  assert.equal(await page.inputValue('#email'), 'not-an-email');
  assert.equal(await page.inputValue('#product'), 'settings');
  assert.equal(await page.inputValue('#locale'), 'ru-ru');

  for (const [field, message] of [['subject', 'Enter a subject.'],
    ['email', 'Enter an email address like name@example.com.']]) {
    const input = page.locator(`#${field}`);
    assert.equal(await input.getAttribute('aria-invalid'), 'true');
    assert.match(await input.getAttribute('aria-describedby'), new RegExp(`\\b${field}-error\\b`));
    assert.match(await page.locator(`#${field}-error`).innerText(), new RegExp(message.replace(/\./g, '\\.')));
  }
  assert.equal(await page.locator('#description').getAttribute('aria-invalid'), null);
  const summary = page.locator('.error-summary');
  assert.equal(await summary.evaluate((el) => el === document.activeElement), true);
  await summary.locator('a[href="#email"]').click();
  assert.equal(await page.evaluate(() => document.activeElement.id), 'email');

  await page.fill('#subject', 'Export never finishes');
  await page.fill('#email', 'ana@example.com');
  await page.click('#case-form button[type=submit]');
  await page.locator('.case-id').waitFor();
  assert.match(await page.locator('.case-id').innerText(), /^C-/);
  await page.close();
});
