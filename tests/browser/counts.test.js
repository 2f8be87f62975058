'use strict';
/* The count a results page shows is the count paging reaches, in every
 * UI language; the pager offers no page that does not exist, and a
 * page past the last one shows the last one. */
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const kb = require('./support/kb');

let srv;
let tkb;

before(async () => {
  srv = await kb.startServer(kb.SAMPLE_KB);
  tkb = await kb.startServer(kb.TEST_KB);
});

after(async () => {
  if (srv) await srv.stop();
  if (tkb) await tkb.stop();
});

const CASES = [
  { lang: 'en', base: () => srv.base, locale: 'en-us', q: 'how do I reset my password' },
  { lang: 'ru', base: () => srv.base, locale: 'ru-ru', q: 'пароль' },
  { lang: 'zh', base: () => srv.base, locale: 'zh-cn', q: '如何重置密码' },
  { lang: 'de', base: () => tkb.base, locale: 'de-de', q: 'Rechnung' },
];

for (const c of CASES) {
  test(`${c.lang}: the count is what paging reaches`, async () => {
    const ctx = await kb.openBrowser({ javaScriptEnabled: false });
    try {
      const page = await kb.firstPage(ctx);
      const limit = 3;
      await page.goto(`${c.base()}/search?q=${encodeURIComponent(c.q)}&locale=${c.locale}&limit=${limit}`);
      assert.equal(await page.getAttribute('html', 'lang'), c.lang);
      const heading = await page.locator('#results-h').innerText();
      const shown = Number((heading.match(/\d+/) || ['NaN'])[0]);
      assert.ok(shown >= 1, heading);
      let seen = 0;
      const headings = new Set();
      for (let pages = 0; pages < 50; pages++) {
        seen += await page.locator('.hits .hit').count();
        headings.add(await page.locator('#results-h').innerText());
        const next = page.locator('.pager a[rel=next]');
        if (!(await next.count())) break;
        await next.click();
        await page.waitForLoadState();
      }
      assert.equal(seen, shown, `${heading}: paging found ${seen}`);
      assert.equal(headings.size, 1, `the count moved: ${[...headings].join(' / ')}`);

      /* Past the last page: the last page, with its results. */
      await page.goto(`${c.base()}/search?q=${encodeURIComponent(c.q)}&locale=${c.locale}&limit=${limit}&offset=900`);
      assert.match(page.url(), new RegExp(`offset=${Math.floor((shown - 1) / limit) * limit}$|limit=${limit}$`));
      assert.ok((await page.locator('.hits .hit').count()) >= 1);
      assert.equal(await page.locator('.pager a[rel=next]').count(), 0);
    } finally {
      await ctx.close();
    }
  });
}
