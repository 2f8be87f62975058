'use strict';
/* The author dashboard and the reindex status page show what a reindex
 * found: the questions an article must answer that missed, and the
 * replay gate's report.  Readers solve "late fee" with the invoice
 * article (search, click, "this solved my problem", over the HTTP
 * API); the article is then edited so it no longer says "late fee".  A
 * gated reindex started from the dashboard (JavaScript) refuses it and
 * lists the search with its rank before and after; the dashboard then
 * shows that last report; without JavaScript the form's status page
 * shows the same.  Screenshot author-replay at 1280 and 360 px. */
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const kb = require('./support/kb');
const staff = require('./support/staff');

let srv;
let content;
let invoice;
let original;

before(async () => {
  content = fs.mkdtempSync(path.join(os.tmpdir(), 'kb-browser-replay-'));
  fs.cpSync(kb.TEST_KB, content, { recursive: true });
  fs.writeFileSync(path.join(content, 'en-us', 'refunds.md'),
    '---\ntitle: Refunds\nqueries:\n  - "How do I get a refund?"\n  - zebra giraffe\n---\n' +
    '# Refunds\n\nAsk for a refund within 30 days of the charge.\n');
  srv = await kb.startServer(content, { args: ['--deflection-window', '1', '--content', content] });
  staff.addUser(srv, 'rosa', 'author');
  invoice = path.join(content, 'en-us', 'billing', 'invoices.md');
  original = fs.readFileSync(invoice, 'utf8');
});

after(async () => {
  if (srv) await srv.stop();
  if (content) fs.rmSync(content, { recursive: true, force: true });
});

async function api(pathname, visit, body) {
  const r = await fetch(`${srv.base}${pathname}`, body ? {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-KB-Visit': visit },
    body: JSON.stringify(body),
  } : { headers: { 'X-KB-Visit': visit } });
  return r.status;
}

test('readers solve "late fee" with the invoice article', async () => {
  for (let i = 1; i <= 3; i++) {
    const visit = `browser-replay-visit-000${i}`;
    assert.equal(await api('/api/search?q=late%20fee&locale=en-us', visit), 200);
    assert.equal(await api('/api/events', visit, { type: 'click', query: 'late fee',
      article: 'billing/invoices', rank: 1, locale: 'en-us' }), 201);
    assert.equal(await api('/api/events', visit, { type: 'deflect', article: 'billing/invoices',
      locale: 'en-us', source: 'article' }), 201);
  }
  await new Promise((r) => setTimeout(r, 1500));
  fs.writeFileSync(invoice, original.replace(/late fee/gi, 'surcharge'));
});

test('a gated reindex refuses the edit; the dashboard shows the report', async () => {
  const ctx = await kb.openBrowser();
  try {
    const page = await kb.firstPage(ctx);
    const errors = kb.watchErrors(page);
    await staff.signIn(page, srv, 'rosa', '/author');
    assert.match(await page.locator('.last-reindex').innerText(), /No reindex has finished/);

    await page.check('.reindex-form input[name=gate]');
    const started = page.waitForResponse((r) => r.url().endsWith('/api/admin/reindex'));
    await page.click('.reindex-form button[type=submit]');
    assert.equal((await started).status(), 202);
    await page.locator('.reindex.state-failed').waitFor({ timeout: 30000 });
    const live = page.locator('.reindex-live');
    assert.match(await live.locator('.replay-summary').innerText(), /1 replayed, 1 worse, 0 better/);
    assert.match(await live.locator('.replay-changes .replay-worse').innerText(),
      /“late fee” — billing\/invoices: rank 1 → none/);
    assert.match(await live.locator('.job-message').innerText(), /--gate: nothing committed/);

    /* The index is unchanged; the dashboard's last report says why. */
    const r = await fetch(`${srv.base}/api/search?q=late%20fee&locale=en-us`);
    assert.equal((await r.json()).hits[0].id, 'billing/invoices');
    await page.reload();
    const last = page.locator('.last-reindex');
    assert.match(await last.locator('.hint').first().innerText(), /Reindex failed/);
    assert.match(await last.locator('.replay-summary').innerText(), /Searches replayed: 1; 1 worse, 0 better/);
    const row = last.locator('.replay-table tbody tr.replay-worse');
    assert.equal(await row.count(), 1);
    const cells = await row.locator('th, td').allInnerTexts();
    assert.match(cells[0], /^late fee\s+worse$/);
    assert.match(cells[1], /Understand your invoice/);
    assert.deepEqual(cells.slice(2), ['1', 'no results']);
    assert.match(await last.locator('.query-misses').innerText(),
      /en-us\/refunds\.md:5 "zebra giraffe" ranks none/);
    await staff.shoot(page, 'author-replay', 1280, assert);
    await page.setViewportSize({ width: 360, height: 800 });
    await staff.shoot(page, 'author-replay', 360, assert);
    assert.deepEqual(errors, []);
  } finally {
    await ctx.close();
  }
});

test('without JavaScript the status page shows the same report', async () => {
  const ctx = await kb.openBrowser({ javaScriptEnabled: false });
  try {
    const page = await kb.firstPage(ctx);
    await staff.signIn(page, srv, 'rosa', '/author');
    await page.check('.reindex-form input[name=gate]');
    await Promise.all([
      page.waitForURL(/\/author\/reindex\/R-[0-9a-f]+$/),
      page.click('.reindex-form button[type=submit]'),
    ]);
    await page.locator('.reindex-job.state-failed').waitFor({ timeout: 30000 });
    assert.match(await page.locator('.replay-table tbody').innerText(), /late fee/);
    assert.match(await page.locator('.query-misses').innerText(), /zebra giraffe/);
    await staff.shoot(page, 'author-replay-status', 1280, assert);

    /* The article back as it was: the gate passes and the page says so. */
    fs.writeFileSync(invoice, original);
    await page.goto(`${srv.base}/author`);
    await page.check('.reindex-form input[name=gate]');
    await Promise.all([
      page.waitForURL(/\/author\/reindex\/R-[0-9a-f]+$/),
      page.click('.reindex-form button[type=submit]'),
    ]);
    await page.locator('.reindex-job.state-done').waitFor({ timeout: 30000 });
    assert.match(await page.locator('.replay-summary').innerText(), /Searches replayed: 1; 0 worse, 0 better/);
    assert.equal(await page.locator('.replay-table').count(), 0);
  } finally {
    await ctx.close();
  }
});
