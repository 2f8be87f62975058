'use strict';
/* A corrected search says so on the page: typed "reset my pasword",
 * the results page shows "Showing results for “reset my password”"
 * with a link that searches what was typed, and that search says
 * nothing of a correction.  Typed in the search box and submitted, with
 * and without JavaScript. */
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const kb = require('./support/kb');

let srv;

before(async () => {
  srv = await kb.startServer();
});

after(async () => {
  if (srv) await srv.stop();
});

for (const javaScriptEnabled of [true, false]) {
  test(`a corrected search says so, and searching as typed is one click away (JavaScript ${javaScriptEnabled ? 'on' : 'off'})`, async () => {
    const ctx = await kb.openBrowser({ javaScriptEnabled });
    try {
      const page = await kb.firstPage(ctx);
      const errors = kb.watchErrors(page);
      await page.goto(`${srv.base}/?locale=en-us`);
      await page.fill('#q', 'reset my pasword');
      await Promise.all([page.waitForURL(/\/search\?/), page.press('#q', 'Enter')]);
      const notice = page.locator('.notice', { hasText: 'Showing results for' });
      assert.match(await notice.innerText(), /Showing results for “reset my password” — Search instead for “reset my pasword”/);
      assert.equal(await page.locator('.hit').first().getAttribute('data-article'), 'sign-in/reset');
      await Promise.all([page.waitForURL(/exact=1/), notice.locator('a.search-instead').click()]);
      assert.equal(await page.locator('a.search-instead').count(), 0);
      assert.equal(await page.inputValue('#q'), 'reset my pasword');
      assert.deepEqual(errors, []);
    } finally {
      await ctx.close();
    }
  });
}
