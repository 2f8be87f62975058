'use strict';
/* An article's callouts are labelled in its language ("> [!NOTE]" is
 * "Примечание." in Russian), and an image's alt text is not a stray
 * paragraph of the article. */
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const kb = require('./support/kb');

const UI = {};
for (const code of ['en', 'ru', 'zh']) {
  UI[code] = JSON.parse(fs.readFileSync(path.join(kb.ROOT, 'web', 'i18n', `${code}.json`), 'utf8'));
}

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

for (const [code, locale] of [['en', 'en-us'], ['ru', 'ru-ru'], ['zh', 'zh-cn']]) {
  test(`callouts in ${UI[code]['meta.name']} articles carry ${UI[code]['meta.name']} labels`, async () => {
    const ctx = await kb.openBrowser({ javaScriptEnabled: false });
    try {
      const page = await kb.firstPage(ctx);
      await page.goto(`${srv.base}/articles/sign-in-and-mfa/reset-password?locale=${locale}`);
      const labels = await page.locator('.content blockquote strong').allInnerTexts();
      assert.ok(labels.length >= 1, 'the article has callouts');
      const known = ['alert.note', 'alert.important', 'alert.tip', 'alert.caution', 'alert.warning']
        .map((k) => UI[code][k]);
      const first = labels.filter((l) => known.includes(l));
      assert.ok(first.length >= 1, `labels: ${labels.join(' | ')}`);
      if (code !== 'en') {
        assert.ok(!labels.includes('Note:') && !labels.includes('Tip:'), labels.join(' | '));
      }
    } finally {
      await ctx.close();
    }
  });
}

test('an image leaves no stray paragraph of alt text', async () => {
  const ctx = await kb.openBrowser({ javaScriptEnabled: false });
  try {
    const page = await kb.firstPage(ctx);
    await page.goto(`${tkb.base}/articles/billing/invoices?locale=en-us`);
    const text = await page.locator('.content').innerText();
    assert.doesNotMatch(text, /Invoice page with the Charges tab selected/);
    assert.match(text, /Note:/);
  } finally {
    await ctx.close();
  }
});
