'use strict';
/* The article page: its parts, and "Was this helpful?" with JavaScript. */
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

function isFeedbackPost(req) {
  return req.method() === 'POST' && new URL(req.url()).pathname === '/api/feedback';
}

test('the article: contents, date, languages, related, safe rendering', async () => {
  const page = await ctx.newPage();
  const errors = kb.watchErrors(page);
  await page.goto(`${srv.base}/articles/billing/invoices?locale=en-us`);
  assert.equal(await page.locator('.article-header h1').innerText(), 'Understand your invoice');
  assert.equal(await page.getAttribute('time', 'datetime'), '2026-03-14');
  const toc = await page.locator('.toc a').allInnerTexts();
  assert.deepEqual(toc, ['Read the invoice', 'Late fees', 'Pay automatically', 'Dispute a charge']);
  await page.click('.toc a[href="#late-fees"]');
  assert.ok(await page.locator('#late-fees').isVisible());
  const langs = await page.locator('.languages a').evaluateAll((as) => as.map((a) => a.getAttribute('hreflang')));
  assert.deepEqual(langs.sort(), ['de-de', 'zh-cn']);
  const related = await page.locator('.related a').allInnerTexts();
  assert.ok(related.length >= 1, 'related articles listed');
  assert.ok(!related.includes('Understand your invoice'), 'not itself');
  assert.equal(await page.locator('.notice.mt-mt').count(), 0);

  await page.goto(`${srv.base}/articles/sign-in/reset?locale=ru-ru`);
  assert.equal(await page.getAttribute('html', 'lang'), 'ru');
  assert.equal(await page.locator('.notice.mt-mt').count(), 1, 'machine translation notice');

  /* Missing in Russian: shown in English, said so, UI still Russian. */
  await page.goto(`${srv.base}/articles/unsafe?locale=ru-ru`);
  assert.equal(await page.locator('.notice-fallback').count(), 1);
  assert.equal(await page.getAttribute('.content', 'lang'), 'en-us');
  assert.equal(await page.locator('.article-header h1').innerText(), 'Formatting <b>test</b> & "quotes"');
  assert.equal(await page.locator('.content script').count(), 0);
  assert.deepEqual(errors, []);
  await page.close();
});

test('vote No with a reason and a comment', async () => {
  const page = await ctx.newPage();
  const errors = kb.watchErrors(page);
  await page.goto(`${srv.base}/articles/billing/invoices?locale=en-us`);
  await page.click('.fb-no summary');
  await page.check('input[name=reason][value=did_not_answer]');
  await page.fill('#fb-comment', 'I need the late fee for annual plans.');
  const sent = page.waitForRequest(isFeedbackPost);
  const answered = page.waitForResponse((r) => isFeedbackPost(r.request()));
  await page.click('.fb-reason button[type=submit]');
  const vote = JSON.parse((await sent).postData());
  assert.deepEqual(vote, {
    article: 'billing/invoices', locale: 'en-us', helpful: false,
    reason: 'did_not_answer', comment: 'I need the late fee for annual plans.',
  });
  assert.equal((await answered).status(), 201);
  const thanks = page.locator('.feedback .fb-thanks');
  await thanks.waitFor();
  assert.match(await thanks.innerText(), /Thanks for telling us/);
  assert.equal(await thanks.evaluate((el) => el === document.activeElement), true);
  assert.equal(await page.locator('.feedback a[href^="/contact"]').count(), 1);
  assert.deepEqual(errors, []);
  await page.close();
});

test('vote Yes', async () => {
  const page = await ctx.newPage();
  await page.goto(`${srv.base}/articles/sign-in/reset?locale=en-us#reset-by-email`);
  const sent = page.waitForRequest(isFeedbackPost);
  await page.click('.fb-yes button');
  const vote = JSON.parse((await sent).postData());
  assert.equal(vote.helpful, true);
  assert.equal(vote.section, 'reset-by-email');
  assert.equal(vote.reason, undefined);
  await page.locator('.feedback .fb-thanks').waitFor();
  assert.match(await page.locator('.feedback .fb-thanks').innerText(), /Thank you/);
  await page.close();
});
