'use strict';
/* The case form is sent once: POST/redirect/GET, so a reload of "We've
 * received your request" files nothing; the same form posted twice (a
 * double click) files one case; the received page is
 * the filing visit's only. */
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const kb = require('./support/kb');

let srv;
let token;

before(async () => {
  srv = await kb.startServer();
  token = kb.agentToken(srv);
});

after(async () => {
  if (srv) await srv.stop();
});

async function casesWithSubject(subject) {
  const r = await fetch(`${srv.base}/api/cases?q=${encodeURIComponent(subject)}`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  assert.equal(r.status, 200);
  const body = await r.json();
  return body.cases.filter((c) => c.subject === subject);
}

for (const javaScriptEnabled of [true, false]) {
  test(`reloading the received page files no second case (JavaScript ${javaScriptEnabled ? 'on' : 'off'})`, async () => {
    const subject = `Printer offline ${javaScriptEnabled ? 'js' : 'nojs'}`;
    const ctx = await kb.openBrowser({ javaScriptEnabled });
    try {
      const page = await kb.firstPage(ctx);
      await page.goto(`${srv.base}/contact`);
      await page.fill('#subject', subject);
      await page.fill('#email', 'ana@example.com');
      await page.click('#case-form button[type=submit]');
      await page.waitForURL(/\/contact\/received\?case=C-[A-Z0-9]{10}&locale=en-us$/);
      const id = await page.locator('.case-id').innerText();
      assert.match(await page.locator('.case-created').innerText(), /ana@example\.com/);

      await page.reload();
      assert.equal(await page.locator('.case-id').innerText(), id);
      await page.reload();
      const cases = await casesWithSubject(subject);
      assert.deepEqual(cases.map((c) => c.id), [id]);

    } finally {
      await ctx.close();
    }
  });
}

test('the same form posted twice files one case; another visit cannot see it', async () => {
  const subject = 'Charged twice for one invoice, sent twice';
  const ctx = await kb.openBrowser();
  try {
    const page = await kb.firstPage(ctx);
    await page.goto(`${srv.base}/contact`);
    await page.fill('#subject', subject);
    await page.fill('#email', 'ana@example.com');
    const form = await page.evaluate(() => {
      const f = document.getElementById('case-form');
      return { action: f.action, body: new URLSearchParams(new FormData(f)).toString() };
    });
    assert.match(form.body, /(^|&)idem=[A-Za-z0-9_-]{16,}/);
    /* Two posts at once, as a double click sends them. */
    const urls = await page.evaluate(async ({ action, body }) => {
      const post = () => fetch(action, {
        method: 'POST', body, credentials: 'same-origin',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      }).then((r) => r.url);
      return Promise.all([post(), post()]);
    }, form);
    assert.match(urls[0], /\/contact\/received\?case=C-/);
    assert.equal(urls[0], urls[1]);
    const cases = await casesWithSubject(subject);
    assert.equal(cases.length, 1);

    /* A validation error shows the form again with the same key. */
    await page.goto(`${srv.base}/contact`);
    const key = await page.inputValue('input[name=idem]');
    await page.fill('#subject', 'Export never finishes');
    await page.fill('#email', 'not-an-email');
    await page.click('#case-form button[type=submit]');
    await page.locator('.error-summary').waitFor();
    assert.equal(await page.inputValue('input[name=idem]'), key);

    /* Someone else with the link gets nothing. */
    const other = await fetch(urls[0]);
    assert.equal(other.status, 404);
    assert.doesNotMatch(await other.text(), /ana@example\.com/);
  } finally {
    await ctx.close();
  }
});

test('the form shown again after errors logs its suggestions once', async () => {
  const subject = 'late fee on my invoice';
  const ctx = await kb.openBrowser({ javaScriptEnabled: false });
  try {
    const page = await kb.firstPage(ctx);
    await page.goto(`${srv.base}/contact`);
    await page.fill('#subject', subject);
    for (let i = 0; i < 3; i++) {
      await page.fill('#email', `not-an-email-${i}`);
      await page.click('#case-form button[type=submit]');
      await page.locator('.error-summary').waitFor();
      assert.ok((await page.locator('#deflect-list .deflect-item').count()) >= 1, 'suggestions shown');
    }
    await page.fill('#email', 'ana@example.com');
    await page.click('#case-form button[type=submit]');
    await page.waitForURL(/\/contact\/received\?case=/);
    const id = await page.locator('.case-id').innerText();
    const r = await fetch(`${srv.base}/api/cases/${id}`, { headers: { Authorization: `Bearer ${token}` } });
    const c = await r.json();
    const shown = c.trail.filter((e) => e.type === 'suggest' && e.query === subject);
    assert.equal(shown.length, 1, JSON.stringify(c.trail));
  } finally {
    await ctx.close();
  }
});
