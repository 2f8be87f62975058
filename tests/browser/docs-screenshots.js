'use strict';
/* The screenshots in docs/screenshots/, made again from the sample
 * knowledge base in content/ with the real kb-index, kb-serve and
 * Chromium (playwright-core):
 *
 *   home-topics-{1280,360}.png          the home page with its topics
 *   results-filters-{1280,360}.png      a results page with its filters
 *   contact-zh-suggestions-{1280,360}.png
 *                                       the Chinese case form showing the
 *                                       articles that match its subject
 *
 * Run from the repository after a build:
 *   node tests/browser/docs-screenshots.js [OUTPUT_DIR]
 * (KB_BUILD_DIR and KB_CHROMIUM as for the browser tests).  The
 * viewport is shot, not the whole page, at a device scale of 1, so the
 * files stay small.  Exits non-zero when a page did not show what it
 * should (no topics, no filters, no suggestions) or scrolls sideways at
 * 360 px. */
const fs = require('node:fs');
const path = require('node:path');
const kb = require('./support/kb');

const OUT = path.resolve(process.argv[2] || path.join(kb.ROOT, 'docs', 'screenshots'));
const WIDTHS = [1280, 360];

async function shoot(page, name, width) {
  await page.evaluate(() => document.fonts.ready);
  const file = path.join(OUT, `${name}-${width}.png`);
  await page.screenshot({ path: file });
  if (width <= 360 && (await kb.horizontalOverflow(page)) !== 0) {
    throw new Error(`${name} scrolls sideways at ${width} px`);
  }
  return file;
}

async function main() {
  fs.mkdirSync(OUT, { recursive: true });
  const srv = await kb.startServer(kb.SAMPLE_KB);
  const made = [];
  try {
    for (const width of WIDTHS) {
      const ctx = await kb.openBrowser({
        viewport: { width, height: width > 600 ? 900 : 780 },
        deviceScaleFactor: 1,
      });
      try {
        const page = await kb.firstPage(ctx);

        await page.goto(`${srv.base}/?locale=en-us`);
        const topics = page.locator('section.topics .topic-grid > *').first();
        await topics.waitFor();
        await topics.scrollIntoViewIfNeeded();
        made.push(await shoot(page, 'home-topics', width));

        await page.goto(`${srv.base}/search?q=invoice&locale=en-us`);
        const filters = page.locator('nav.filters').first();
        await filters.waitFor({ state: 'attached' });
        if (width > 600) await page.evaluate(() => window.scrollTo(0, 0));
        else await filters.scrollIntoViewIfNeeded();
        made.push(await shoot(page, 'results-filters', width));

        await page.goto(`${srv.base}/contact?locale=zh-cn`);
        await page.locator('#subject').pressSequentially('如何提交服务请求', { delay: 20 });
        const item = page.locator('#deflect-list .deflect-item').first();
        await item.waitFor();
        if (width <= 600) await item.scrollIntoViewIfNeeded();
        made.push(await shoot(page, 'contact-zh-suggestions', width));
      } finally {
        await ctx.close();
      }
    }
  } finally {
    await srv.stop();
  }
  for (const f of made) console.log(`${path.relative(process.cwd(), f)} ${fs.statSync(f).size} bytes`);
}

main().catch((e) => {
  console.error(`docs-screenshots: ${e.message}`);
  process.exit(1);
});
