'use strict';
/* The same journeys with JavaScript turned off: plain links and forms
 * must be enough to search, read, vote and file a case. */
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const kb = require('./support/kb');

let srv;
let ctx;

before(async () => {
  srv = await kb.startServer();
  ctx = await kb.openBrowser({ javaScriptEnabled: false });
});

after(async () => {
  if (ctx) await ctx.close();
  if (srv) await srv.stop();
});

test('search and read an article without JavaScript', async () => {
  const page = await ctx.newPage();
  await page.goto(`${srv.base}/`);
  await page.fill('#q', 'reset password');
  await page.click('form[role=search] button[type=submit]');
  await page.waitForURL(/\/search\?q=reset\+password&locale=en-us/);
  const link = page.locator('.hits .hit-title a').first();
  assert.equal(await link.innerText(), 'Reset a forgotten password');
  await link.click();
  await page.waitForURL(/\/articles\/sign-in\/reset/);
  assert.equal(await page.locator('.article-header h1').innerText(), 'Reset a forgotten password');
  assert.ok((await page.locator('.toc a').count()) >= 2);
  await page.close();
});

test('vote No with a reason through the plain form', async () => {
  const page = await ctx.newPage();
  await page.goto(`${srv.base}/articles/billing/invoices?locale=en-us`);
  await page.click('.fb-no summary');
  await page.check('input[name=reason][value=not_related]');
  await page.fill('#fb-comment', 'Looking for tax rules.');
  const [posted] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST'),
    page.click('.fb-reason button[type=submit]'),
  ]);
  assert.equal(posted.status(), 303);
  await page.waitForURL(/\/articles\/billing\/invoices\?locale=en-us&voted=no#feedback$/);
  assert.match(await page.locator('.feedback .fb-thanks').innerText(), /Thanks for telling us/);

  const token = kb.agentToken(srv);
  const articles = await kb.report(srv, token, 'articles');
  const row = articles.articles.find((a) => a.article === 'billing/invoices');
  assert.ok(row && row.helpful_no >= 1, 'the vote reached the event store');
  await page.close();
});

test('a vote without the CSRF cookie is refused', async () => {
  const page = await ctx.newPage();
  /* Not billing/invoices: this visit voted on it above, so its page
   * shows the thanks, not the form. */
  await page.goto(`${srv.base}/articles/sign-in/reset?locale=en-us`);
  await ctx.clearCookies();
  await page.click('.fb-yes button');
  await page.waitForLoadState();
  assert.match(await page.locator('h1').innerText(), /try again/i);
  await page.close();
});

test('file a case without JavaScript: errors keep the text, then the id', async () => {
  const page = await ctx.newPage();
  await page.goto(`${srv.base}/contact`);
  await page.fill('#subject', 'late fee on my invoice');
  await page.fill('#email', 'ana@example');
  await page.click('#case-form button[type=submit]');
  await page.waitForLoadState();
  assert.equal(await page.inputValue('#subject'), 'late fee on my invoice');
  assert.equal(await page.inputValue('#email'), 'ana@example');
  assert.equal(await page.getAttribute('#email', 'aria-invalid'), 'true');
  /* The server lists the articles matching the subject. */
  assert.equal(await page.locator('#deflect-list .deflect-title').first().innerText(),
    'Understand your invoice');

  await page.fill('#email', 'ana@example.com');
  await page.click('#case-form button[type=submit]');
  await page.waitForLoadState();
  assert.match(await page.locator('.case-id').innerText(), /^C-[A-Z0-9]{10}$/);

  /* Opening the form counted even though no script ran. */
  const token = kb.agentToken(srv, 'agent2');
  const deflection = await kb.report(srv, token, 'deflection');
  assert.ok(deflection.total.case_form_visits >= 1);
  await page.close();
});
