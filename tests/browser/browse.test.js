'use strict';
/* Browsing as help-center readers expect, without JavaScript: the home
 * page lists the topics with their articles, a topic has a page of its
 * own, and the results page offers the facet counts as filters.
 * Screenshots home-topics-* and results-filters-* at 1280 and 360 px. */
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const kb = require('./support/kb');

let srv;

before(async () => {
  srv = await kb.startServer(kb.SAMPLE_KB, { args: [] });
});

after(async () => {
  if (srv) await srv.stop();
});

/* The topics come from the popular lists, made in the background. */
async function gotoWithTopics(page, url) {
  for (let i = 0; i < 100; i++) {
    await page.goto(url);
    if (await page.locator('.topic').count()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail('the home page never showed its topics');
}

async function shoot(page, name, width) {
  await page.evaluate(() => document.fonts.ready);
  await page.screenshot({ path: kb.screenshotPath(`${name}-${width}`), fullPage: true });
  if (width <= 360) assert.equal(await kb.horizontalOverflow(page), 0, `${name} scrolls sideways`);
}

for (const width of [1280, 360]) {
  test(`topics on the home page and filters on the results page at ${width} px, without JavaScript`, async () => {
    const ctx = await kb.openBrowser({ javaScriptEnabled: false, viewport: { width, height: 900 } });
    try {
      const page = await kb.firstPage(ctx);
      await gotoWithTopics(page, `${srv.base}/?locale=en-us`);
      const names = await page.locator('.topic h3').allInnerTexts();
      assert.ok(names.includes('Billing and payments'), names.join(', '));
      assert.ok(names.includes('Sign-in and security'));
      assert.deepEqual([...names].sort((a, b) => a.localeCompare(b)), names, 'topics in name order');
      const billing = page.locator('.topic', { has: page.locator('h3', { hasText: 'Billing and payments' }) });
      assert.ok((await billing.locator('li a').count()) >= 1);
      assert.ok((await billing.locator('li a').count()) <= 5);
      await shoot(page, 'home-topics', width);

      /* All of a topic's articles on its page; each opens. */
      await billing.locator('.topic-all a').click();
      await page.waitForURL(/\/search\?product=billing&locale=en-us$/);
      assert.equal(await page.locator('h1').innerText(), 'Billing and payments');
      const all = await page.locator('.topic-page li a').count();
      assert.match(await page.locator('.topic-page .lead').innerText(), new RegExp(`^${all} articles$`));
      assert.ok(all > 5);
      await page.locator('.topic-page li a').first().click();
      await page.waitForURL(/\/articles\//);

      /* Filters: counts from the search; choosing one narrows it. */
      await page.goto(`${srv.base}/search?q=password&locale=en-us`);
      const product = page.locator('.filters [data-facet=product]');
      const identity = product.locator('a', { hasText: 'Sign-in and security' });
      const count = Number(await identity.locator('.facet-count').innerText());
      assert.ok(count >= 1);
      await shoot(page, 'results-filters', width);
      await identity.click();
      await page.waitForURL(/product=identity/);
      assert.equal(await product.locator('a[aria-current=true] .facet-name').innerText(), 'Sign-in and security');
      assert.match(await page.locator('#results-h').innerText(), new RegExp(`^${count} results? for`));
      const hits = await page.locator('.hits .hit').count();
      assert.equal(hits, Math.min(count, 10));
      /* Back to every topic. */
      await product.locator('.facet-clear a').click();
      await page.waitForURL((u) => !/product=/.test(u.search));
      assert.equal(await page.locator('.filters a[aria-current=true]').count(), 1, 'only the locale is current');
    } finally {
      await ctx.close();
    }
  });
}

test('topics and filters in German words', async () => {
  const de = await kb.startServer(kb.TEST_KB);
  const ctx = await kb.openBrowser({ locale: 'de-DE' });
  try {
    const page = await kb.firstPage(ctx);
    for (let i = 0; i < 100 && !(await page.locator('.topic').count()); i++) {
      await page.goto(`${de.base}/`);
      if (!(await page.locator('.topic').count())) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(await page.locator('#topics-h').innerText(), 'Nach Thema stöbern');
    assert.equal(await page.locator('.topic h3').first().innerText(), 'Abrechnung und Zahlungen');
    await page.goto(`${de.base}/search?q=Rechnung`);
    assert.equal(await page.locator('#filters-h').innerText(), 'Ergebnisse filtern');
  } finally {
    await ctx.close();
    await de.stop();
  }
});
