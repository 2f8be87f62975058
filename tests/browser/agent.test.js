'use strict';
/* The agent console: sign-in through the form, an internal article
 * found and marked as internal, its section link copied, a customer's
 * case and the trail that led to it, 403 on the author dashboard, and
 * signing out.  Screenshots agent-console and agent-case at 1280 and
 * 360 px. */
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const kb = require('./support/kb');
const staff = require('./support/staff');

let srv;
let caseId;
const SUBJECT = 'Refund the late fee <charged twice>';

before(async () => {
  srv = await kb.startServer();
  staff.addUser(srv, 'ana', 'agent');
});

after(async () => {
  if (srv) await srv.stop();
});

test('anonymous requests for staff pages go to the sign-in form', async () => {
  for (const path of ['/agent', '/author', '/agent/cases/C-AAAAAAAAAA']) {
    const r = await fetch(`${srv.base}${path}`, { redirect: 'manual' });
    assert.equal(r.status, 303, path);
    assert.equal(r.headers.get('location'), `/login?next=${path}`);
  }
  const r = await fetch(`${srv.base}/login?next=/agent`);
  const html = await r.text();
  assert.match(html, /name="csrf" value="[A-Za-z0-9_-]{43}"/, 'the form carries a CSRF token');
  /* A form post without the token is refused. */
  const post = await fetch(`${srv.base}/login`, {
    method: 'POST', redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: `username=ana&password=${encodeURIComponent(staff.PASSWORD)}`,
  });
  assert.equal(post.status, 403);
  assert.ok(!(post.headers.get('set-cookie') || '').includes('kb_session='), 'no session');
});

test('signing in never leaves the site, whatever next holds', async () => {
  /* A tab, newline or backslash is dropped or read as a slash by the
   * browser: "/\t/evil.example" would be "//evil.example". */
  for (const next of ['/%09/evil.example', '/%5Cevil.example', '/%0A/evil.example',
    '/%20/evil.example', '//evil.example']) {
    const ctx = await kb.openBrowser();
    try {
      const page = await kb.firstPage(ctx);
      await page.goto(`${srv.base}/login?next=${next}`);
      await page.fill('#username', 'ana');
      await page.fill('#password', staff.PASSWORD);
      await Promise.all([
        page.waitForURL((u) => u.pathname !== '/login'),
        page.click('.login-form button[type=submit]'),
      ]);
      const url = new URL(page.url());
      assert.equal(url.origin, new URL(srv.base).origin, `next=${next} left the site: ${page.url()}`);
      assert.equal(url.pathname, '/agent', `next=${next}`);
    } finally {
      await ctx.close();
    }
  }
});

test('a wrong password shows the form again with the reason', async () => {
  const ctx = await kb.openBrowser();
  try {
    const page = await kb.firstPage(ctx);
    await page.goto(`${srv.base}/login?next=/agent`);
    await page.fill('#username', 'ana');
    await page.fill('#password', 'not the password');
    const [resp] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.click('.login-form button[type=submit]'),
    ]);
    assert.equal(resp.status(), 401);
    await page.waitForLoadState();
    assert.match(await page.locator('#login-error').innerText(), /username or the password is wrong/);
    assert.equal(await page.inputValue('#username'), 'ana');
    assert.equal(await page.inputValue('#password'), '');
    assert.equal(await page.locator('#password').getAttribute('aria-describedby'), 'login-error');
    await staff.shoot(page, 'login-error', 1280, assert);
  } finally {
    await ctx.close();
  }
});

test('a customer searches, reads an article and files a case', async () => {
  const ctx = await kb.openBrowser();
  try {
    const page = await kb.firstPage(ctx);
    await page.goto(`${srv.base}/search?q=late+fee`);
    await Promise.all([page.waitForURL(/\/articles\//), page.locator('.hits .hit-title a').first().click()]);
    await page.click('.fb-no summary');
    await page.check('input[name=reason][value=did_not_answer]');
    await page.fill('#fb-comment', 'It does not say how to get the <fee> back.');
    await page.click('.fb-reason button[type=submit]');
    await page.locator('.feedback.done').waitFor();
    await page.goto(`${srv.base}/contact`);
    await page.locator('#subject').pressSequentially('late fee refund', { delay: 20 });
    await page.locator('#deflect-list .deflect-item').first().waitFor();
    await page.fill('#subject', SUBJECT);
    await page.fill('#description', 'The late fee was added\ntwice to invoice 1042.');
    await page.fill('#email', 'ana.customer@example.com');
    await page.selectOption('#product', 'billing');
    await page.click('#case-form button[type=submit]');
    caseId = (await page.locator('.case-id').innerText()).trim();
    assert.match(caseId, /^C-[A-Z0-9]{10}$/);
  } finally {
    await ctx.close();
  }
});

test('an agent finds internal articles, copies a link, reads the case trail', async () => {
  const ctx = await kb.openBrowser();
  await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: srv.base });
  try {
    const page = await kb.firstPage(ctx);
    const errors = kb.watchErrors(page);
    await staff.signIn(page, srv, 'ana', '/agent');

    const bar = page.locator('.staff-bar');
    assert.equal(await bar.locator('.staff-name').innerText(), 'ana');
    assert.equal(await bar.locator('.staff-role').innerText(), 'Agent');
    assert.equal(await bar.locator('a', { hasText: 'Agent console' }).count(), 1);
    assert.equal(await bar.locator('a', { hasText: 'Author dashboard' }).count(), 0);
    assert.match(await bar.locator('form.signout input[name=csrf]').inputValue(), /^\S{20,}$/);

    await page.fill('#agent-q', 'quokkaplasm');
    await Promise.all([page.waitForURL(/q=quokkaplasm/), page.press('#agent-q', 'Enter')]);
    const hit = page.locator('.agent-hit').first();
    assert.equal(await hit.locator('.hit-title a').innerText(), 'Quokkaplasm escalation playbook');
    assert.equal(await hit.locator('.tag-internal').innerText(), 'Internal');
    /* Customers get 404 for an internal article: no link to copy. */
    assert.equal(await hit.locator('button.copy-link, .deep-link').count(), 0);
    assert.match(await hit.locator('.internal-note').innerText(), /customers can't open/);
    await page.fill('#agent-q', 'late fee');
    await Promise.all([page.waitForURL(/q=late\+fee/), page.press('#agent-q', 'Enter')]);
    const pub = page.locator('.agent-hit:not(.is-internal)').first();
    const link = await pub.locator('.deep-link').getAttribute('href');
    assert.match(link, /^\/articles\/billing\/invoices\?locale=en-us(#[a-z-]+)?$/);
    await pub.locator('button.copy-link').click();
    await page.locator('button.copy-link.copied').waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), `${srv.base}${link}`);

    /* The case list shows the customer's case. */
    const row = page.locator('.cases-table tbody tr', { hasText: caseId });
    assert.equal(await row.count(), 1);
    assert.match(await row.innerText(), /Refund the late fee <charged twice>/);
    assert.match(await row.innerText(), /ana\.customer@example\.com/);
    /* The address is not broken inside a word. */
    assert.equal(await row.locator('.case-email').evaluate((el) => {
      const r = document.createRange();
      r.selectNodeContents(el);
      return r.getClientRects().length;
    }), 1);
    /* Its id finds it, typed in any case. */
    await page.fill('#case_q', ` ${caseId.toLowerCase()} `);
    await Promise.all([page.waitForURL(/case_q=/), page.click('.case-filter button[type=submit]')]);
    assert.equal(await page.locator('.cases-table tbody tr').count(), 1);
    assert.equal(await page.locator('.cases-table tbody tr', { hasText: caseId }).count(), 1);
    /* The text filter narrows it. */
    await page.fill('#case_q', 'no such case text');
    await Promise.all([page.waitForURL(/case_q=/), page.click('.case-filter button[type=submit]')]);
    assert.equal(await page.locator('.cases-table').count(), 0);
    assert.match(await page.locator('.cases-count').innerText(), /No cases/);

    await page.goto(`${srv.base}/agent?q=escalate+invoice`);
    assert.ok(await page.locator('.agent-hit .tag-internal:text("Internal")').count() >= 1);
    await staff.shoot(page, 'agent-console', 1280, assert);

    await page.locator('.cases-table a.case-link', { hasText: caseId }).click();
    await page.waitForURL(new RegExp(`/agent/cases/${caseId}`));
    assert.equal(await page.locator('h1').innerText(), SUBJECT);
    const trail = page.locator('.timeline');
    const steps = await trail.locator('.trail-step').allInnerTexts();
    assert.match(steps[0], /Searched for “late fee”/);
    assert.ok(steps.some((s) => /Understand your invoice/.test(s)), 'the article read is listed');
    assert.ok(steps.some((s) => /Opened the contact form/.test(s)));
    const vote = steps.find((s) => /Voted not helpful/.test(s));
    assert.match(vote, /Understand your invoice/);
    assert.match(vote, /Reason: It's related, but it didn't answer my question/);
    assert.match(vote, /It does not say how to get the <fee> back\./);
    assert.ok(steps.some((s) => /Typed “late fee refund” as the subject and was shown:\s+Understand your invoice/.test(s)),
      steps.join('\n'));
    assert.match(steps[steps.length - 1], /Filed this case/);
    assert.match(await trail.locator('a.trail-article').first().getAttribute('href'),
      /^\/articles\/billing\/invoices\?locale=en-us(#[a-z-]+)?$/);
    assert.match(await page.locator('.case-fields').innerText(), /ana\.customer@example\.com/);
    assert.match(await page.locator('.case-fields').innerText(), /Billing and payments/);
    await staff.shoot(page, 'agent-case', 1280, assert);

    /* Agents are not authors (the 403 shows in the console). */
    assert.deepEqual(errors, []);
    const resp = await page.goto(`${srv.base}/author`);
    assert.equal(resp.status(), 403);
    assert.match(await page.locator('h1').innerText(), /don't have access/);
    errors.length = 0;

    /* Signing out ends the session. */
    await Promise.all([page.waitForURL(`${srv.base}/`), page.click('.staff-signout')]);
    assert.equal(await page.locator('.staff-bar').count(), 0);
    await page.goto(`${srv.base}/agent`);
    assert.equal(new URL(page.url()).pathname, '/login');
    assert.deepEqual(errors, []);
  } finally {
    await ctx.close();
  }
});

test('the agent pages at 360 px, and without JavaScript', async () => {
  const ctx = await kb.openBrowser({ viewport: { width: 360, height: 800 }, javaScriptEnabled: false });
  try {
    const page = await kb.firstPage(ctx);
    await staff.signIn(page, srv, 'ana', '/agent');
    await page.goto(`${srv.base}/agent?q=escalate+invoice`);
    const hit = page.locator('.agent-hit:not(.is-internal)').first();
    assert.equal(await hit.locator('button.copy-link').isVisible(), false, 'no copy button without JS');
    assert.equal(await hit.locator('.deep-link').isVisible(), true, 'the link is shown instead');
    await staff.shoot(page, 'agent-console', 360, assert);
    await page.goto(`${srv.base}/agent/cases/${caseId}`);
    await staff.shoot(page, 'agent-case', 360, assert);
  } finally {
    await ctx.close();
  }
});
