'use strict';
/* Error and missing pages are pages of the site in the reader's
 * language, with the search box; a vote is remembered for the visit,
 * so a reload shows the thanks instead of asking again. */
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const kb = require('./support/kb');

const UI = {};
for (const code of ['en', 'de', 'ru', 'zh']) {
  UI[code] = JSON.parse(fs.readFileSync(path.join(kb.ROOT, 'web', 'i18n', `${code}.json`), 'utf8'));
}

let srv;

before(async () => {
  srv = await kb.startServer();
});

after(async () => {
  if (srv) await srv.stop();
});

for (const code of Object.keys(UI)) {
  test(`a missing page in ${UI[code]['meta.name']}, with the search box`, async () => {
    const ctx = await kb.openBrowser({ javaScriptEnabled: false });
    try {
      const page = await kb.firstPage(ctx);
      const locale = UI[code]['meta.locale'];
      for (const url of [`/articles/no/such/article?locale=${locale}`, `/no-such-page?locale=${locale}`]) {
        const resp = await page.goto(`${srv.base}${url}`);
        assert.equal(resp.status(), 404);
        assert.equal(await page.getAttribute('html', 'lang'), code);
        assert.equal(await page.locator('#error-h').innerText(), UI[code]['error.not_found']);
        assert.equal(await page.locator('.lang-current').innerText(), UI[code]['meta.name']);
        assert.equal(await page.locator('main form[role=search]').count(), 1);
      }
      /* The box searches in that locale. */
      await page.fill('main form[role=search] input[name=q]', code === 'zh' ? '发票' : code === 'ru' ? 'пароль' : code === 'de' ? 'Rechnung' : 'invoice');
      await page.click('main form[role=search] button[type=submit]');
      await page.waitForURL(new RegExp(`/search\\?q=.*locale=${locale}`));
      assert.ok((await page.locator('.hits .hit').count()) >= 1);
    } finally {
      await ctx.close();
    }
  });
}

for (const javaScriptEnabled of [true, false]) {
  test(`a vote is remembered for the visit (JavaScript ${javaScriptEnabled ? 'on' : 'off'})`, async () => {
    const ctx = await kb.openBrowser({ javaScriptEnabled });
    try {
      const page = await kb.firstPage(ctx);
      const url = `${srv.base}/articles/billing/invoices?locale=en-us`;
      await page.goto(url);
      await page.click('.fb-yes button');
      await page.locator('.feedback .fb-thanks').waitFor();
      await page.goto(url);
      assert.equal(await page.locator('.feedback form').count(), 0, 'no second vote offered');
      assert.match(await page.locator('.feedback .fb-thanks').innerText(), /Thank you/);
      /* Another visit is asked. */
      const other = await kb.openBrowser({ javaScriptEnabled });
      try {
        const p2 = await kb.firstPage(other);
        await p2.goto(url);
        assert.equal(await p2.locator('.feedback form[data-vote=yes]').count(), 1);
      } finally {
        await other.close();
      }
    } finally {
      await ctx.close();
    }
  });
}
