'use strict';
/* Home and search in a real browser: search, open a result (the click
 * is logged), the suggestion combobox by keyboard, no results, and the
 * language switcher. */
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

test('search, then open a result at its best section; the click is logged', async () => {
  const page = await ctx.newPage();
  const errors = kb.watchErrors(page);
  await page.goto(`${srv.base}/`);
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  assert.equal(await page.getAttribute('form[role=search]', 'action'), '/search');
  await page.fill('input[name=q]', 'late fee');
  await page.click('form[role=search] button[type=submit]');
  await page.waitForURL(/\/search\?q=late\+fee/);

  const first = page.locator('.hits .hit').first();
  assert.equal(await first.locator('.hit-title a').innerText(), 'Understand your invoice');
  assert.equal(await first.locator('.hit-section a').innerText(), 'Late fees');
  assert.equal(await first.locator('.snippet mark').first().innerText(), 'late');
  assert.match(await page.locator('#results-h').innerText(), /late fee/);

  const logged = page.waitForRequest(isEventPost);
  await first.locator('.hit-title a').click();
  const click = JSON.parse((await logged).postData());
  assert.equal(click.type, 'click');
  assert.equal(click.query, 'late fee');
  assert.equal(click.article, 'billing/invoices');
  assert.equal(click.section, 'late-fees');
  assert.equal(click.rank, 1);

  await page.waitForURL(/\/articles\/billing\/invoices\?locale=en-us#late-fees$/);
  assert.equal(await page.locator('.article-header h1').innerText(), 'Understand your invoice');
  assert.deepEqual(errors, []);
  await page.close();
});

test('suggestions: arrow keys move, Escape closes, Enter opens', async () => {
  const page = await ctx.newPage();
  const errors = kb.watchErrors(page);
  await page.goto(`${srv.base}/`);
  const box = page.locator('#q');
  await box.focus();
  await page.keyboard.type('pass');
  const options = page.locator('#q-suggest [role=option]');
  await options.first().waitFor();
  assert.equal(await box.getAttribute('role'), 'combobox');
  assert.equal(await box.getAttribute('aria-expanded'), 'true');
  assert.ok((await options.count()) >= 2);

  await page.keyboard.press('ArrowDown');
  assert.equal(await options.nth(0).getAttribute('aria-selected'), 'true');
  assert.equal(await box.getAttribute('aria-activedescendant'), await options.nth(0).getAttribute('id'));
  await page.keyboard.press('ArrowDown');
  assert.equal(await options.nth(1).getAttribute('aria-selected'), 'true');
  assert.equal(await options.nth(0).getAttribute('aria-selected'), 'false');
  await page.keyboard.press('ArrowUp');
  assert.equal(await options.nth(0).getAttribute('aria-selected'), 'true');

  await page.keyboard.press('Escape');
  assert.equal(await page.locator('#q-suggest').isHidden(), true);
  assert.equal(await box.getAttribute('aria-expanded'), 'false');
  assert.equal(await box.inputValue(), 'pass', 'Escape closes the list, it does not clear the box');

  await page.keyboard.press('ArrowDown');
  assert.equal(await box.getAttribute('aria-expanded'), 'true');
  assert.equal(await options.nth(0).getAttribute('aria-selected'), 'true');
  const title = await options.nth(0).locator('.s-title').innerText();
  assert.equal(title, 'Reset a forgotten password');
  const logged = page.waitForRequest(isEventPost);
  await page.keyboard.press('Enter');
  const click = JSON.parse((await logged).postData());
  assert.equal(click.article, 'sign-in/reset');
  assert.equal(click.rank, 1);
  await page.waitForURL(/\/articles\/sign-in\/reset\?locale=en-us/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('no results: popular articles and a way to the case form', async () => {
  const page = await ctx.newPage();
  await page.goto(`${srv.base}/search?q=xyzzy+plugh`);
  assert.match(await page.locator('#results-h').innerText(), /xyzzy plugh/);
  assert.ok((await page.locator('.link-list li a').count()) >= 1, 'popular articles listed');
  const contact = page.locator('.contact-card a.button');
  assert.match(await contact.getAttribute('href'), /^\/contact\?locale=en-us&subject=xyzzy%20plugh$/);
  await contact.click();
  await page.waitForURL(/\/contact/);
  assert.equal(await page.inputValue('#subject'), 'xyzzy plugh');
  await page.close();
});

test('the language switcher translates the page and searches that locale', async () => {
  const page = await ctx.newPage();
  await page.goto(`${srv.base}/`);
  await page.click('.lang-menu summary');
  await page.click('.lang-list a[hreflang=ru-ru]');
  await page.waitForURL(/locale=ru-ru/);
  assert.equal(await page.getAttribute('html', 'lang'), 'ru');
  assert.equal(await page.locator('.hero h1').innerText(), 'Чем мы можем помочь?');
  await page.fill('#q', 'пароль');
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/search\?q=/);
  assert.equal(await page.locator('.hits .hit-title a').first().innerText(), 'Сброс забытого пароля');
  assert.equal(await page.getAttribute('input[name=locale]', 'value'), 'ru-ru');

  await page.goto(`${srv.base}/?locale=zh-cn`);
  assert.equal(await page.getAttribute('html', 'lang'), 'zh');
  assert.equal(await page.locator('.hero h1').innerText(), '有什么可以帮您？');
  await page.close();
});
