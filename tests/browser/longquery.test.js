'use strict';
/* A long pasted question is searched by its most telling words, with
 * the question kept in the box and a note that it was shortened; the
 * box's limit is one the server accepts, in any script. */
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const kb = require('./support/kb');

let srv;

before(async () => {
  srv = await kb.startServer(kb.SAMPLE_KB);
});

after(async () => {
  if (srv) await srv.stop();
});

const EN = 'Hello, I have a problem: yesterday I tried to reset my password for the admin account '
  + 'and the email with the reset link never arrived, so I cannot sign in to pay the overdue '
  + 'invoice before my subscription is suspended. ';
const RU = 'Здравствуйте, я не могу войти в учётную запись, потому что забыл пароль, '
  + 'а письмо для сброса пароля так и не пришло. ';

for (const [lang, locale, text, word] of [['en', 'en-us', EN.repeat(3), 'password'],
  ['ru', 'ru-ru', RU.repeat(7), 'пароль']]) {
  test(`${lang}: a long pasted question is shortened, not refused`, async () => {
    const ctx = await kb.openBrowser({ javaScriptEnabled: false });
    try {
      const page = await kb.firstPage(ctx);
      await page.goto(`${srv.base}/?locale=${locale}`);
      const question = text.trim();
      assert.ok(Buffer.byteLength(question) > 1024 || question.split(/\s+/).length > 64);
      const max = Number(await page.getAttribute('#q', 'maxlength'));
      assert.ok(question.length <= max, 'the box takes the whole question');
      await page.fill('#q', question);
      const [response] = await Promise.all([
        page.waitForNavigation(),
        page.click('form[role=search] button[type=submit]'),
      ]);
      assert.equal(response.status(), 200);
      assert.equal(await page.inputValue('#q'), question);
      const notes = (await page.locator('.notice').allInnerTexts()).join('\n');
      assert.match(notes, new RegExp(word));
      assert.ok((await page.locator('.hits .hit').count()) >= 1);
    } finally {
      await ctx.close();
    }
  });
}

test('the box\'s limit in Cyrillic and Chinese is accepted by the server', async () => {
  const ctx = await kb.openBrowser({ javaScriptEnabled: false });
  try {
    const page = await kb.firstPage(ctx);
    await page.goto(`${srv.base}/?locale=zh-cn`);
    const max = Number(await page.getAttribute('#q', 'maxlength'));
    for (const [locale, unit] of [['ru-ru', 'пароль '], ['zh-cn', '如何重置密码']]) {
      const q = unit.repeat(Math.ceil(max / unit.length)).slice(0, max);
      const r = await fetch(`${srv.base}/search?locale=${locale}&q=${encodeURIComponent(q)}`);
      assert.equal(r.status, 200, `${locale}: ${max} characters`);
    }
  } finally {
    await ctx.close();
  }
});
