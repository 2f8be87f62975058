'use strict';
/* The author dashboard: the deflection chart and its data table follow
 * the visits just made (one "This solved my problem", one case), the
 * reports list their query, and a reindex started from the dashboard
 * runs to the end -- with JavaScript through the JSON API and a
 * progress bar, without it through a form post and a status page that
 * reloads itself.  Screenshots author-dashboard at 1280 and 360 px. */
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const kb = require('./support/kb');
const staff = require('./support/staff');

/* Short, so the visits leave their deflection window during the test;
 * long enough for a browser to search and then file a case inside it. */
const WINDOW = 4;

let srv;
let content;

before(async () => {
  content = fs.mkdtempSync(path.join(os.tmpdir(), 'kb-browser-content-'));
  fs.cpSync(kb.TEST_KB, content, { recursive: true });
  srv = await kb.startServer(content, {
    args: ['--deflection-window', String(WINDOW), '--content', content],
  });
  staff.addUser(srv, 'rosa', 'author');
  staff.addUser(srv, 'ana', 'agent');
});

after(async () => {
  if (srv) await srv.stop();
  if (content) fs.rmSync(content, { recursive: true, force: true });
});

/* The numbers of today's row of the chart's data table. */
async function todayRow(page) {
  const cells = await page.locator('.chart-data tbody tr').last().locator('th, td').allTextContents();
  const [period, visits, confirmed, potential, none, pending] = cells;
  return { period, visits: +visits, confirmed: +confirmed, potential: +potential, none: +none, pending: +pending };
}

test('customers: one search solved on the contact form, one search that ends in a case', async () => {
  const solved = await kb.openBrowser();
  try {
    const page = await kb.firstPage(solved);
    await page.goto(`${srv.base}/search?q=late+fee`);
    await page.goto(`${srv.base}/contact`);
    await page.fill('#subject', 'late fee');
    await page.locator('#deflect-list .deflect-title').first().click();
    await page.locator('#deflect-list button.solved').first().click();
    await page.locator('.deflected h1').waitFor();
  } finally {
    await solved.close();
  }
  const filed = await kb.openBrowser();
  try {
    const page = await kb.firstPage(filed);
    await page.goto(`${srv.base}/search?q=refund+for+a+cancelled+plan`);
    await page.goto(`${srv.base}/contact`);
    await page.fill('#subject', 'Refund for a cancelled plan');
    await page.fill('#email', 'li@example.com');
    await page.click('#case-form button[type=submit]');
    await page.locator('.case-id').waitFor();
  } finally {
    await filed.close();
  }
  /* A vote from a visit that neither searched nor filed a case: it
   * counts for the article, not for deflection. */
  const vote = await fetch(`${srv.base}/api/feedback`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-KB-Visit': 'browser-test-vote-0001' },
    body: JSON.stringify({ article: 'billing/invoices', locale: 'en-us', section: 'late-fees',
      helpful: false, reason: 'did_not_answer' }),
  });
  assert.equal(vote.status, 201);
  await new Promise((r) => setTimeout(r, (WINDOW + 0.5) * 1000));
});

test('the author sees the visits in the chart and reports, and reindexes', async () => {
  const ctx = await kb.openBrowser();
  try {
    const page = await kb.firstPage(ctx);
    const errors = kb.watchErrors(page);
    await staff.signIn(page, srv, 'rosa', '/author');
    const bar = page.locator('.staff-bar');
    assert.equal(await bar.locator('.staff-role').innerText(), 'Author');
    assert.equal(await bar.locator('a[aria-current=page]').innerText(), 'Author dashboard');

    /* The chart: an SVG with a title, a description, a legend and bars. */
    const svg = page.locator('svg.chart');
    assert.equal(await svg.getAttribute('role'), 'img');
    assert.match(await svg.locator('title').first().textContent(), /Deflection by day/);
    assert.match(await svg.locator('desc').textContent(), /[1-9]\d* confirmed, \d+ potential, [1-9]\d* not deflected/);
    const tips = await svg.locator('rect > title').allTextContents();
    assert.ok(tips.some((s) => /: Confirmed [1-9]/.test(s)), tips.join('; '));
    assert.ok(tips.some((s) => /: Not deflected [1-9]/.test(s)), tips.join('; '));

    /* The same numbers in the data table and the tiles. */
    const today = await todayRow(page);
    assert.equal(today.period, new Date().toISOString().slice(0, 10));
    assert.ok(today.confirmed >= 1, `confirmed ${today.confirmed}`);
    assert.ok(today.none >= 1, `none ${today.none}`);
    assert.equal(today.pending, 0);
    assert.equal(await page.locator('.chart-data tbody tr').count(), 30);
    const tile = (cls) => page.locator(`.tile.${cls} .tile-value`).innerText();
    assert.ok(+(await tile('tile-confirmed')) >= 1);
    assert.ok(+(await tile('tile-none')) >= 1);
    assert.match(await tile('tile-rate'), /^\d+%$/);

    /* Reports: the case's query is a top query and a content gap with
     * the case's subject. */
    assert.match(await page.locator('#queries-h + .hint + .table-scroll').innerText(), /late fee/);
    const gap = page.locator('.gap', { hasText: 'refund for a cancelled plan' });
    assert.match(await gap.locator('.gap-cases').innerText(), /Refund for a cancelled plan/);
    assert.match(await page.locator('.health').innerText(), /Broken links/);
    /* The vote was cast on a section: it counts for the section and
     * for the article, each with its own row. */
    const least = page.locator('#least-h ~ .table-scroll tbody tr');
    assert.match(await least.nth(0).innerText(), /^Understand your invoice\s+1\s+0/);
    assert.match(await least.nth(1).innerText(), /Understand your invoice › Late fees\s+1\s+0/);

    /* The week view. */
    await page.click('.segmented a:text("By week")');
    await page.waitForURL(/interval=week/);
    assert.match(await page.locator('svg.chart title').first().textContent(), /by week/);
    const week = await todayRow(page);
    assert.ok(week.confirmed >= 1 && week.none >= 1);
    await page.click('.segmented a:text("By day")');
    await page.waitForURL((u) => !u.search.includes('interval=week'));

    /* A full reindex with live progress, then the per-file
     * diagnostics (the test content has one broken link). */
    await page.check('.reindex-form input[name=full]');
    const started = page.waitForResponse((r) => r.url().endsWith('/api/admin/reindex'));
    await page.click('.reindex-form button[type=submit]');
    assert.equal((await started).status(), 202);
    await page.locator('.reindex.state-done').waitFor({ timeout: 30000 });
    assert.match(await page.locator('.reindex .job-status').innerText(), /^Done/);
    const bar2 = page.locator('.reindex progress');
    assert.equal(await bar2.evaluate((p) => p.value === p.max), true);
    assert.match(await page.locator('.reindex .diag-warnings').innerText(), /missing-page\.md/);
    assert.equal(await page.locator('.reindex-form button[type=submit]').isEnabled(), true);
    await staff.shoot(page, 'author-dashboard', 1280, assert);
    assert.deepEqual(errors, []);
  } finally {
    await ctx.close();
  }
});

test('without JavaScript the reindex form goes to a status page that refreshes', async () => {
  /* A file with an error: the strict reindex fails, says where, and
   * commits nothing. */
  const broken = path.join(content, 'en-us', 'broken.md');
  fs.writeFileSync(broken, '---\ntitle: [unclosed\n---\n# Broken\n\nText.\n');
  const ctx = await kb.openBrowser({ javaScriptEnabled: false });
  try {
    const page = await kb.firstPage(ctx);
    await staff.signIn(page, srv, 'rosa', '/author');
    assert.match(await page.locator('.chart-data table').textContent(), /Not deflected/);
    await Promise.all([
      page.waitForURL(/\/author\/reindex\/R-[0-9a-f]+$/),
      page.click('.reindex-form button[type=submit]'),
    ]);
    await page.locator('.reindex-job.state-failed').waitFor({ timeout: 30000 });
    assert.match(await page.locator('h1').innerText(), /Reindex failed/);
    assert.match(await page.locator('.job-status').innerText(), /Failed/);
    assert.match(await page.locator('.diag-errors').innerText(), /en-us\/broken\.md:2 .*invalid YAML/);
    assert.equal(await page.locator('meta[http-equiv=refresh]').count(), 0);
    await staff.shoot(page, 'author-reindex', 1280, assert);

    fs.rmSync(broken);
    await page.goto(`${srv.base}/author`);
    await Promise.all([
      page.waitForURL(/\/author\/reindex\/R-[0-9a-f]+$/),
      page.click('.reindex-form button[type=submit]'),
    ]);
    await page.locator('.reindex-job.state-done').waitFor({ timeout: 30000 });
    assert.match(await page.locator('h1').innerText(), /Reindex finished/);
    assert.match(await page.locator('.job-stats').innerText(), /Unchanged\s+8/);
  } finally {
    await ctx.close();
    fs.rmSync(broken, { force: true });
  }
});

test('a forged reindex form post is refused; agents get 403', async () => {
  const ctx = await kb.openBrowser();
  try {
    const page = await kb.firstPage(ctx);
    await staff.signIn(page, srv, 'rosa', '/author');
    const r = await page.request.post(`${srv.base}/author/reindex`, {
      form: { csrf: 'forged-token', full: 'true' }, maxRedirects: 0,
    });
    assert.equal(r.status(), 403);
    await page.click('.staff-signout');
    await page.waitForURL(`${srv.base}/`);
    await staff.signIn(page, srv, 'ana', '/agent');
    const resp = await page.goto(`${srv.base}/author`);
    assert.equal(resp.status(), 403);
  } finally {
    await ctx.close();
  }
});

test('the dashboard at 360 px', async () => {
  const ctx = await kb.openBrowser({ viewport: { width: 360, height: 800 } });
  try {
    const page = await kb.firstPage(ctx);
    await staff.signIn(page, srv, 'rosa', '/author');
    await staff.shoot(page, 'author-dashboard', 360, assert);
  } finally {
    await ctx.close();
  }
});
