'use strict';
/* Learned questions on the author dashboard.  Three visits search a
 * made-up question, open the invoice article's "Late fees" section and
 * say "this solved my problem"; kb-index --learn puts the question on
 * that section, so the search finds it, and the dashboard lists it under
 * the article.  The author removes it: it is gone from the dashboard at
 * once, from the search after the next kb-index --learn, and it stays
 * gone when more visits confirm it.  Screenshot author-learned. */
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const kb = require('./support/kb');
const staff = require('./support/staff');

const BUILD = process.env.KB_BUILD_DIR || path.join(kb.ROOT, 'build');
const INDEX_BIN = process.env.KB_INDEX_BIN || path.join(BUILD, 'kb-index');
const QUESTION = 'frobnicated surcharge';
const WINDOW = 1; /* seconds: the visits' windows close during the test */

let srv;
let content;

before(async () => {
  content = fs.mkdtempSync(path.join(os.tmpdir(), 'kb-browser-content-'));
  fs.cpSync(kb.TEST_KB, content, { recursive: true });
  srv = await kb.startServer(content, { args: ['--deflection-window', String(WINDOW)] });
  staff.addUser(srv, 'rosa', 'author');
});

after(async () => {
  if (srv) await srv.stop();
  if (content) fs.rmSync(content, { recursive: true, force: true });
});

/* One visit: the search, a click on the answer, "this solved my problem". */
async function solvedVisit(n) {
  const headers = { 'X-KB-Visit': `learned-visit-${String(n).padStart(4, '0')}-abcdef` };
  const search = await fetch(`${srv.base}/api/search?q=${encodeURIComponent(QUESTION)}&locale=en-us`,
    { headers });
  assert.equal(search.status, 200);
  const post = (body) => fetch(`${srv.base}/api/events`, {
    method: 'POST',
    headers: { ...headers, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal((await post({ type: 'click', query: QUESTION, article: 'billing/invoices',
    section: 'late-fees', rank: 1, locale: 'en-us' })).status, 201);
  assert.equal((await post({ type: 'deflect', article: 'billing/invoices', section: 'late-fees',
    source: 'article', locale: 'en-us' })).status, 201);
}

/* kb-index --learn on the server's own index and database, after the
 * visits' windows have closed; the summary's "learned". */
async function learn() {
  await new Promise((r) => setTimeout(r, (WINDOW + 0.5) * 1000));
  const r = spawnSync(INDEX_BIN, ['--content', content, '--index', path.join(srv.dir, 'index'),
    '--json', '--learn', srv.db, '--deflection-window', String(WINDOW)], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()).learned;
}

async function search() {
  const r = await fetch(`${srv.base}/api/search?q=${encodeURIComponent(QUESTION)}&locale=en-us`);
  assert.equal(r.status, 200);
  return r.json();
}

test('a solved question is learned, shown to the author, and removed for good', async () => {
  assert.equal((await search()).total, 0);
  for (let i = 0; i < 3; i++) await solvedVisit(i);
  assert.equal(await learn(), 1);
  const found = await search();
  assert.equal(found.hits[0].id, 'billing/invoices');
  assert.equal(found.hits[0].section.anchor, 'late-fees');

  const ctx = await kb.openBrowser();
  try {
    const page = await kb.firstPage(ctx);
    const errors = kb.watchErrors(page);
    await staff.signIn(page, srv, 'rosa', '/author');
    const row = page.locator('#learned tbody tr', { hasText: QUESTION });
    assert.equal(await row.count(), 1);
    assert.match(await row.locator('td').first().innerText(), /Understand your invoice › Late fees/);
    await row.scrollIntoViewIfNeeded();
    await staff.shoot(page, 'author-learned', 1280, assert);

    await Promise.all([
      page.waitForURL((u) => u.pathname === '/author'),
      row.locator('button[type=submit]').click(),
    ]);
    assert.equal(await page.locator('#learned tbody tr', { hasText: QUESTION }).count(), 0);
    assert.match(await page.locator('#learned .empty-note').innerText(), /No learned questions/);

    /* Out of the search at the next run, and not learned again when
     * more visits confirm it. */
    assert.equal(await learn(), 0);
    assert.equal((await search()).total, 0);
    await solvedVisit(3);
    await solvedVisit(4);
    assert.equal(await learn(), 0);
    assert.equal((await search()).total, 0);
    await page.reload();
    assert.equal(await page.locator('#learned tbody tr', { hasText: QUESTION }).count(), 0);
    assert.deepEqual(errors, []);
  } finally {
    await ctx.close();
  }
});
