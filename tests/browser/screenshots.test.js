'use strict';
/* Screenshots of every customer page at a desktop and a phone width,
 * over the sample knowledge base in content/ (a realistic amount of
 * text), into KB_SCREENSHOT_DIR or build/screenshots.  At 360 px no
 * page may scroll sideways. */
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const kb = require('./support/kb');

const WIDTHS = [1280, 360];

let srv;

before(async () => {
  srv = await kb.startServer(kb.SAMPLE_KB);
});

after(async () => {
  if (srv) await srv.stop();
});

async function shoot(page, name, width) {
  await page.evaluate(() => document.fonts.ready);
  await page.screenshot({ path: kb.screenshotPath(`${name}-${width}`), fullPage: true });
  if (width <= 360) {
    assert.equal(await kb.horizontalOverflow(page), 0, `${name} scrolls sideways at ${width} px`);
  }
}

for (const width of WIDTHS) {
  test(`pages at ${width} px`, async () => {
    const ctx = await kb.openBrowser({ viewport: { width, height: 900 } });
    try {
      const page = await kb.firstPage(ctx);
      const errors = kb.watchErrors(page);

      await page.goto(`${srv.base}/`);
      await shoot(page, 'home', width);

      await page.fill('#q', 'late fee');
      await page.locator('#q-suggest [role=option]').first().waitFor();
      await page.keyboard.press('ArrowDown');
      await shoot(page, 'suggestions', width);

      await page.goto(`${srv.base}/search?q=invoice+late+fee`);
      await shoot(page, 'results', width);

      await page.goto(`${srv.base}/search?q=quantum+teleporter`);
      await shoot(page, 'no-results', width);

      await page.goto(`${srv.base}/articles/billing/understand-your-invoice?locale=en-us`);
      await shoot(page, 'article', width);

      await page.goto(`${srv.base}/articles/sign-in-and-mfa/reset-password?locale=zh-cn`);
      await shoot(page, 'article-zh', width);

      /* The zh-cn article above made zh-cn the visitor's choice. */
      await page.goto(`${srv.base}/contact?locale=en-us`);
      await page.locator('#subject').pressSequentially('charged twice', { delay: 15 });
      await page.locator('#deflect-list .deflect-item').first().waitFor();
      await page.locator('#deflect-list .deflect-title').first().click();
      await page.locator('#deflect-list .reader .content').first().waitFor();
      await shoot(page, 'contact-suggestions', width);

      await page.locator('#deflect-list button.solved').first().click();
      await page.locator('.deflected h1').waitFor();
      await shoot(page, 'thank-you', width);

      /* The form with errors answers 400, which the console reports. */
      assert.deepEqual(errors, []);
      await page.goto(`${srv.base}/contact?locale=ru-ru`);
      await page.fill('#description', 'Счёт за март пришёл дважды.');
      await page.fill('#email', 'ivan@example');
      await page.click('#case-form button[type=submit]');
      await page.locator('.error-summary').waitFor();
      await shoot(page, 'contact-errors', width);
      errors.length = 0;

      await page.goto(`${srv.base}/contact?locale=en-us`);
      await page.fill('#subject', 'Charged twice for one invoice');
      await page.fill('#email', 'ana@example.com');
      await page.selectOption('#product', 'billing');
      await page.click('#case-form button[type=submit]');
      await page.locator('.case-id').waitFor();
      await shoot(page, 'case-submitted', width);

      assert.deepEqual(errors, []);
    } finally {
      await ctx.close();
    }
  });
}
