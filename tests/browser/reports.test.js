'use strict';
/* What readers tell authors, and the broken links page:
 *   - a reader who came by a section link (#reset-by-email) votes "No"
 *     with a comment: the vote counts for the article and the section
 *     in /api/reports/articles, and the author dashboard shows the
 *     comment as text under "What readers said", with the section;
 *   - /author/links, without JavaScript: the language filter and the
 *     text filter are a plain form, the pager pages, the CSV download
 *     holds the filtered links; and it does not scroll sideways at
 *     360 px.  Screenshots author-links at 1280 and 360 px. */
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const kb = require('./support/kb');
const staff = require('./support/staff');

const COMMENT = 'Step 2 <b>never</b> sends the email & the link is "gone"';

let srv;
let content;

before(async () => {
  content = fs.mkdtempSync(path.join(os.tmpdir(), 'kb-browser-links-'));
  fs.cpSync(kb.TEST_KB, content, { recursive: true });
  /* Broken links in two languages, enough for two pages. */
  let many = '---\ntitle: Many links\ndescription: Links.\n---\n# Many links\n\n';
  for (let i = 0; i < 60; i++) many += `See [gone ${i}](gone-${String(i).padStart(2, '0')}.md).\n\n`;
  fs.writeFileSync(path.join(content, 'en-us', 'many-links.md'), many);
  fs.writeFileSync(path.join(content, 'de-de', 'alte-links.md'),
    '---\ntitle: Alte Links\ndescription: Links.\n---\n# Alte Links\n\n' +
    'Siehe [Rechnung](billing/invoices.md#kein-abschnitt) und [weg](weg.md).\n');
  srv = await kb.startServer(content);
  staff.addUser(srv, 'rosa', 'author');
});

after(async () => {
  if (srv) await srv.stop();
  if (content) fs.rmSync(content, { recursive: true, force: true });
});

test('a vote from a section link counts for the section and the article, with its comment', async () => {
  const reader = await kb.openBrowser();
  try {
    const page = await kb.firstPage(reader);
    await page.goto(`${srv.base}/articles/sign-in/reset?locale=en-us#reset-by-email`);
    await page.click('.fb-no summary');
    await page.check('input[name=reason][value=did_not_answer]');
    await page.fill('#fb-comment', COMMENT);
    await page.click('.fb-reason button[type=submit]');
    await page.locator('.fb-thanks').waitFor();
  } finally {
    await reader.close();
  }

  const author = await kb.openBrowser();
  try {
    const page = await kb.firstPage(author);
    const errors = kb.watchErrors(page);
    await staff.signIn(page, srv, 'rosa', '/author');
    const rep = await page.evaluate(async () => (await fetch('/api/reports/articles')).json());
    const row = (section) => rep.articles.find((a) => a.article === 'sign-in/reset' && a.section === section);
    for (const section of ['', 'reset-by-email']) {
      assert.ok(row(section), `no row for section "${section}"`);
      assert.equal(row(section).helpful_no, 1, `helpful_no of "${section}"`);
      assert.equal(row(section).comments[0].comment, COMMENT);
    }
    const card = page.locator('#comments');
    await card.scrollIntoViewIfNeeded();
    const text = card.locator('.comment-text').first();
    assert.equal((await text.textContent()).trim(), COMMENT);
    assert.equal(await card.locator('.comment-text b').count(), 0, 'the comment became markup');
    const meta = await card.locator('.comment-meta').first().textContent();
    assert.match(meta, /Not helpful/);
    assert.match(meta, /It's related, but it didn't answer my question/);
    assert.match(meta, /came by the section/);
    assert.ok(await card.locator('.comment-meta a[href*="#reset-by-email"]').count() >= 1);
    /* The least helpful table lists the article and the section. */
    const least = await page.locator('section[aria-labelledby=least-h] tbody tr').count();
    assert.ok(least >= 2, `least helpful rows: ${least}`);
    assert.deepEqual(errors, []);
  } finally {
    await author.close();
  }
});

test('broken links: filters, pages and CSV without JavaScript', async () => {
  for (const width of [1280, 360]) {
    const ctx = await kb.openBrowser({ viewport: { width, height: 900 }, javaScriptEnabled: false,
                                       acceptDownloads: true });
    try {
      const page = await kb.firstPage(ctx);
      await staff.signIn(page, srv, 'rosa', '/author');
      /* The content-health card leads to the page. */
      await Promise.all([
        page.waitForURL((u) => u.pathname === '/author/links'),
        page.click('.health-all a'),
      ]);
      assert.match(await page.locator('.links-count').textContent(), /63 broken links/);
      assert.equal(await page.locator('.links-table tbody tr').count(), 50);
      await staff.shoot(page, 'author-links', width, assert);

      /* Next page: the other 13. */
      await Promise.all([page.waitForURL(/page=2/), page.click('.pager a[rel=next]')]);
      assert.equal(await page.locator('.links-table tbody tr').count(), 13);

      /* One language, then text in the target. */
      await page.selectOption('#links-lang', 'de-de');
      await Promise.all([page.waitForURL(/lang=de-de/), page.click('.links-filter button[type=submit]')]);
      const rows = await page.locator('.links-table tbody tr').allTextContents();
      assert.equal(rows.length, 2);
      assert.ok(rows.every((r) => r.includes('de-de/alte-links.md') && r.includes('de-de')));
      assert.ok(rows.some((r) => /kein-abschnitt/.test(r) && /No such section/.test(r)));
      await page.fill('#links-q', 'WEG.md');
      await Promise.all([page.waitForURL(/q=WEG\.md/), page.click('.links-filter button[type=submit]')]);
      assert.equal(await page.locator('.links-table tbody tr').count(), 1);
      assert.match(await page.locator('.links-count').textContent(), /1 of 63 broken links match/);
      assert.equal(await page.inputValue('#links-q'), 'WEG.md');

      /* The CSV holds what the filters kept. */
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('a[download]')]);
      const csv = fs.readFileSync(await download.path(), 'utf8');
      assert.equal(csv, 'file,line,locale,article,target,problem\r\n' +
        'de-de/alte-links.md,7,de-de,alte-links,weg.md,missing article\r\n');

      /* Clearing the filters shows everything again. */
      await Promise.all([page.waitForURL((u) => !u.search.includes('q=')), page.click('.links-filter a')]);
      assert.equal(await page.locator('.links-table tbody tr').count(), 50);
    } finally {
      await ctx.close();
    }
  }
});
