'use strict';
/* Every customer, every locale: the UI language follows the browser
 * (Accept-Language) on a first visit, a choice in the language menu is
 * remembered, the menu lists the index's locales by their own names,
 * <html lang> is what the page is in, and Chinese questions get
 * suggestions as they are typed, on the home page and the case form. */
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const kb = require('./support/kb');

/* The UI languages and what their pages say. */
const UI = {};
for (const code of ['en', 'de', 'ru', 'zh']) {
  UI[code] = JSON.parse(fs.readFileSync(path.join(kb.ROOT, 'web', 'i18n', `${code}.json`), 'utf8'));
}
const BROWSER_LOCALE = { en: 'en-US', de: 'de-DE', ru: 'ru-RU', zh: 'zh-CN' };

let srv;
let sample;

before(async () => {
  srv = await kb.startServer(kb.TEST_KB);
  sample = await kb.startServer(kb.SAMPLE_KB);
});

after(async () => {
  if (srv) await srv.stop();
  if (sample) await sample.stop();
});

for (const code of Object.keys(UI)) {
  test(`a first visit with a ${BROWSER_LOCALE[code]} browser is in ${UI[code]['meta.name']}`, async () => {
    const ctx = await kb.openBrowser({ locale: BROWSER_LOCALE[code] });
    try {
      const page = await kb.firstPage(ctx);
      const errors = kb.watchErrors(page);
      await page.goto(`${srv.base}/`);
      assert.equal(await page.getAttribute('html', 'lang'), code);
      assert.equal(await page.locator('.hero h1').innerText(), UI[code]['home.title']);
      assert.equal(await page.locator('.lang-current').innerText(), UI[code]['meta.name']);
      assert.equal(await page.getAttribute('input[name=locale]', 'value'), UI[code]['meta.locale']);
      /* The menu: every locale of the index, named in itself. */
      const names = await page.locator('.lang-list a').allTextContents();
      assert.deepEqual(names, ['Deutsch', 'English', 'Русский', '中文']);
      assert.equal(await page.locator('.lang-list a[aria-current=true]').textContent(), UI[code]['meta.name']);

      /* A search stays in that locale and its words. */
      await page.fill('#q', code === 'zh' ? '发票' : code === 'ru' ? 'пароль' : code === 'de' ? 'Rechnung' : 'invoice');
      await page.keyboard.press('Enter');
      await page.waitForURL(/\/search\?q=/);
      assert.equal(await page.getAttribute('html', 'lang'), code);
      assert.equal(await page.locator('form[role=search] button[type=submit]').first().innerText(),
        UI[code]['search.button']);
      assert.ok(await page.locator('.hits .hit').count() >= 1);

      /* The case form and an article's other languages in its words. */
      await page.goto(`${srv.base}/contact`);
      assert.equal(await page.getAttribute('html', 'lang'), code);
      assert.equal(await page.locator('#case-form button[type=submit]').innerText(), UI[code]['contact.submit']);
      await page.goto(`${srv.base}/articles/billing/invoices?locale=${UI[code]['meta.locale']}`);
      const others = await page.locator('.languages a').allInnerTexts();
      for (const name of others) assert.doesNotMatch(name, /^[a-z]{2}-[a-z]{2}$/);
      assert.deepEqual(errors, []);
    } finally {
      await ctx.close();
    }
  });
}

test('the language menu choice is remembered; ?locale=xx is the default locale', async () => {
  const ctx = await kb.openBrowser({ locale: 'en-US' });
  try {
    const page = await kb.firstPage(ctx);
    await page.goto(`${srv.base}/?locale=xx`);
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    assert.equal(await page.locator('.lang-current').innerText(), 'English');

    await page.click('.lang-menu summary');
    await page.click('.lang-list a[hreflang=de-de]');
    await page.waitForURL(/locale=de-de/);
    assert.equal(await page.getAttribute('html', 'lang'), 'de');
    assert.equal(await page.locator('.hero h1').innerText(), UI.de['home.title']);

    /* Later, the bare address: still German, though the browser says English. */
    await page.goto(`${srv.base}/`);
    assert.equal(await page.getAttribute('html', 'lang'), 'de');
    assert.equal(await page.locator('.lang-current').innerText(), 'Deutsch');
    /* A key German lacks falls back to English, not to the key. */
    await page.goto(`${srv.base}/login`);
    assert.doesNotMatch(await page.locator('main').innerText(), /\blogin\.[a-z_]+/);
  } finally {
    await ctx.close();
  }
});

test('Chinese questions get suggestions as they are typed, as search finds them', async () => {
  const ctx = await kb.openBrowser({ locale: 'zh-CN' });
  try {
    const page = await kb.firstPage(ctx);
    const errors = kb.watchErrors(page);
    await page.goto(`${sample.base}/?locale=zh-cn`);
    for (const question of ['如何提交服务请求', '如何重置密码', '我忘记了密码']) {
      await page.fill('#q', '');
      await page.locator('#q').pressSequentially(question, { delay: 10 });
      const options = page.locator('#q-suggest [role=option]');
      await options.first().waitFor();
      assert.ok((await options.count()) >= 1, question);
      const api = await (await fetch(`${sample.base}/api/suggest?locale=zh-cn&q=${encodeURIComponent(question)}`)).json();
      const search = await (await fetch(`${sample.base}/api/search?locale=zh-cn&q=${encodeURIComponent(question)}`)).json();
      assert.ok(api.total >= 1, `suggest ${question}`);
      assert.equal(api.hits[0].id, search.hits[0].id, `the same first article for ${question}`);
    }
    assert.deepEqual(errors, []);
  } finally {
    await ctx.close();
  }
});

for (const width of [1280, 360]) {
  test(`the Chinese case form suggests articles for a question at ${width} px`, async () => {
    const ctx = await kb.openBrowser({ locale: 'zh-CN', viewport: { width, height: 900 } });
    try {
      const page = await kb.firstPage(ctx);
      const errors = kb.watchErrors(page);
      await page.goto(`${sample.base}/contact?locale=zh-cn`);
      await page.locator('#subject').pressSequentially('如何重置密码', { delay: 15 });
      await page.locator('#deflect-list .deflect-item').first().waitFor();
      assert.ok((await page.locator('#deflect-list .deflect-item').count()) >= 1);
      assert.equal(await page.getAttribute('html', 'lang'), 'zh');
      await page.evaluate(() => document.fonts.ready);
      await page.screenshot({ path: kb.screenshotPath(`contact-zh-suggestions-${width}`), fullPage: true });
      if (width <= 360) assert.equal(await kb.horizontalOverflow(page), 0);
      assert.deepEqual(errors, []);
    } finally {
      await ctx.close();
    }
  });
}
