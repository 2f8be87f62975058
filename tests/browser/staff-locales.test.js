'use strict';
/* The staff pages in every UI language: for ru, zh and de an agent and
 * an author, whose browser asks for English, reach the sign-in form,
 * the agent console, a case and its trail, the 403 page, the author
 * dashboard with its chart, the reindex status page and a staff message
 * in that language -- <html lang> is the language, the headings,
 * buttons, labels, table headers and chart labels are the language's
 * UI strings, dates and percentages are worded its way, and no English
 * UI string of these pages is left anywhere on them.  The language is
 * chosen in the language menu (or by ?locale=) and kept for the pages
 * after it.  Screenshots staff-<page>-<lang> at 360 px (long German
 * words, Chinese text) must not scroll sideways. */
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const kb = require('./support/kb');
const staff = require('./support/staff');

const UI = {};
for (const code of ['en', 'de', 'ru', 'zh']) {
  UI[code] = JSON.parse(fs.readFileSync(path.join(kb.ROOT, 'web', 'i18n', `${code}.json`), 'utf8'));
}
const LANGS = ['ru', 'zh', 'de'];
const QUERY = { ru: 'пароль', zh: '发票', de: 'Rechnung' };
/* A date and time as each language words them (date.*, num.percent). */
const DATE_TIME = {
  ru: /^\d{2}\.\d{2}\.\d{4}, \d{2}:\d{2} по UTC$/,
  zh: /^\d{4}年\d{1,2}月\d{1,2}日 UTC \d{2}:\d{2}$/,
  de: /^\d{2}\.\d{2}\.\d{4}, \d{2}:\d{2} Uhr UTC$/,
};
const PERCENT = { ru: /^\d+ %$/, zh: /^\d+%$/, de: /^\d+ %$/ };

/* Words that are the same in English and the language (checked by a
 * native speaker, as in tests/test_i18n_staff.c): no missing translation. */
const SAME_AS_ENGLISH = {
  de: ['role.agent', 'agent.case.details', 'product.onboarding', 'topic.faq', 'topic.tutorial',
    'field.optional', 'links.col.problem'],
  zh: ['num.percent'],
  ru: [],
};

/* The English UI strings a page in lang must not show: every string of
 * en.json but those above.  Whole strings are compared
 * with whole texts; the fixed parts of a string with placeholders
 * ("Opened result {n}:") are looked for inside texts when long enough
 * to be no accident. */
function englishOf(lang) {
  const whole = new Set();
  const parts = new Set();
  for (const [key, en] of Object.entries(UI.en)) {
    if (key.startsWith('meta.') || SAME_AS_ENGLISH[lang].includes(key)) continue;
    if (/\{[a-z_]+\}/.test(en)) {
      for (const p of en.split(/\{[a-z_]+\}/)) if (p.trim().length >= 10) parts.add(p.trim());
    } else {
      whole.add(en.trim());
      if (en.length >= 16 && en.includes(' ')) parts.add(en.trim());
    }
  }
  return { whole, parts };
}

/* Every text a reader meets on the page (text nodes, the title, and the
 * attributes read aloud or shown: aria-label, placeholder, title, alt,
 * data-label, and the chart's <title>/<desc>), except inside an element
 * marked with another language (an article in en-us among the hits,
 * the names in the language menu, kb-index's messages). */
async function pageTexts(page) {
  return page.evaluate(() => {
    const lang = document.documentElement.lang;
    const out = [document.title];
    const foreign = (el) => {
      const l = el.closest('[lang]');
      return l && l !== document.documentElement && !l.getAttribute('lang').startsWith(lang);
    };
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      if (!el || ['SCRIPT', 'STYLE'].includes(el.tagName) || foreign(el)) continue;
      if (n.textContent.trim()) out.push(n.textContent.trim());
    }
    for (const el of document.querySelectorAll('[aria-label],[placeholder],[title],[alt],[data-label]')) {
      if (foreign(el)) continue;
      for (const a of ['aria-label', 'placeholder', 'title', 'alt', 'data-label']) {
        const v = el.getAttribute(a);
        if (v && v.trim()) out.push(v.trim());
      }
    }
    return out;
  });
}

async function assertNoEnglish(page, lang, where) {
  const { whole, parts } = englishOf(lang);
  const leaks = [];
  for (const t of await pageTexts(page)) {
    if (whole.has(t)) leaks.push(t);
    else for (const p of parts) if (t.includes(p)) leaks.push(`${p} (in "${t}")`);
  }
  assert.deepEqual(leaks, [], `English on ${where} in ${lang}`);
}

async function assertLang(page, lang, where) {
  assert.equal(await page.getAttribute('html', 'lang'), lang, `<html lang> of ${where}`);
}

let srv;
let content;
let caseId;

before(async () => {
  content = fs.mkdtempSync(path.join(os.tmpdir(), 'kb-browser-content-'));
  fs.cpSync(kb.TEST_KB, content, { recursive: true });
  srv = await kb.startServer(content, { args: ['--content', content] });
  staff.addUser(srv, 'rosa', 'author');
  staff.addUser(srv, 'ana', 'agent');
});

after(async () => {
  if (srv) await srv.stop();
  if (content) fs.rmSync(content, { recursive: true, force: true });
});

test('a customer reads, votes and files a case (the trail the agents see)', async () => {
  const ctx = await kb.openBrowser({ locale: 'ru-RU' });
  try {
    const page = await kb.firstPage(ctx);
    await page.goto(`${srv.base}/search?q=late+fee&locale=en-us`);
    await Promise.all([page.waitForURL(/\/articles\//), page.locator('.hits .hit-title a').first().click()]);
    await page.click('.fb-no summary');
    await page.check('input[name=reason][value=did_not_answer]');
    await page.click('.fb-reason button[type=submit]');
    await page.locator('.feedback.done').waitFor();
    await page.goto(`${srv.base}/contact?locale=en-us`);
    await page.locator('#subject').pressSequentially('late fee refund', { delay: 20 });
    await page.locator('#deflect-list .deflect-item').first().waitFor();
    await page.fill('#subject', 'Пени начислены дважды');
    await page.fill('#email', 'klient@example.com');
    await page.selectOption('#product', 'billing');
    await page.click('#case-form button[type=submit]');
    caseId = (await page.locator('.case-id').innerText()).trim();
    assert.match(caseId, /^C-[A-Z0-9]{10}$/);
  } finally {
    await ctx.close();
  }
});

for (const lang of LANGS) {
  const T = UI[lang];
  const loc = T['meta.locale'];

  test(`the agent pages in ${T['meta.name']}`, async () => {
    /* An English browser: the language comes from the link alone. */
    const ctx = await kb.openBrowser({ locale: 'en-US' });
    try {
      const page = await kb.firstPage(ctx);
      const errors = kb.watchErrors(page);
      /* A staff page asked for in the language sends to the sign-in
       * form in that language. */
      await page.goto(`${srv.base}/agent?locale=${loc}`);
      await page.waitForURL((u) => u.pathname === '/login');
      await assertLang(page, lang, 'the sign-in form');
      assert.equal(await page.locator('h1').innerText(), T['login.title']);
      assert.equal(await page.locator('label[for=username]').innerText(), T['login.username']);
      assert.equal(await page.locator('label[for=password]').innerText(), T['login.password']);
      assert.equal(await page.locator('.login-form button[type=submit]').innerText(), T['login.submit']);
      await assertNoEnglish(page, lang, 'the sign-in form');
      /* A wrong password: the reason in the language. */
      await page.fill('#username', 'ana');
      await page.fill('#password', 'not the password');
      await Promise.all([
        page.waitForResponse((r) => r.request().method() === 'POST'),
        page.click('.login-form button[type=submit]'),
      ]);
      await page.waitForLoadState();
      await assertLang(page, lang, 'the sign-in error');
      assert.match(await page.locator('#login-error').innerText(), new RegExp(T['login.err.invalid'].replace(/[.?]/g, '\\$&')));
      await assertNoEnglish(page, lang, 'the sign-in error');
      await page.fill('#password', staff.PASSWORD);
      await Promise.all([
        page.waitForURL((u) => u.pathname === '/agent'),
        page.click('.login-form button[type=submit]'),
      ]);

      /* The console, in the language without ?locale= (remembered). */
      await assertLang(page, lang, 'the agent console');
      assert.equal(await page.locator('h1').innerText(), T['agent.heading']);
      assert.equal(await page.locator('#kb-h').innerText(), T['agent.search_title']);
      assert.equal(await page.locator('#cases-h').innerText(), T['agent.cases_title']);
      assert.equal(await page.locator('.case-filter button[type=submit]').innerText(), T['agent.filter']);
      assert.equal(await page.getAttribute('#case_q', 'placeholder'), T['agent.case_q_placeholder']);
      const bar = page.locator('.staff-bar');
      assert.equal(await bar.locator('.staff-role').innerText(), T['role.agent']);
      assert.equal(await bar.locator('a[aria-current=page]').innerText(), T['staff.agent']);
      assert.equal(await bar.locator('button.staff-signout').innerText(), T['staff.signout']);
      assert.equal(await bar.locator('nav').getAttribute('aria-label'), T['staff.nav_label']);
      const heads = await page.locator('.cases-table thead th').allTextContents();
      assert.deepEqual(heads, ['agent.col.case', 'agent.col.subject', 'agent.col.product', 'agent.col.created'].map((k) => T[k]));
      const row = page.locator('.cases-table tbody tr', { hasText: caseId });
      assert.equal(await row.count(), 1);
      assert.match(await row.locator('time').innerText(), DATE_TIME[lang]);
      assert.equal(await row.locator('td').nth(1).innerText(), T['product.billing']);

      /* A search in the language; the copy button is its word. */
      await page.fill('#agent-q', QUERY[lang]);
      await Promise.all([page.waitForURL(/q=/), page.press('#agent-q', 'Enter')]);
      await assertLang(page, lang, 'the agent search');
      assert.ok(await page.locator('.agent-hit').count() >= 1, `no hits for ${QUERY[lang]}`);
      const copy = page.locator('button.copy-link').first();
      if (await copy.count()) assert.equal(await copy.innerText(), T['agent.copy_link']);
      await assertNoEnglish(page, lang, 'the agent console');
      await page.setViewportSize({ width: 360, height: 800 });
      await staff.shoot(page, `staff-agent-${lang}`, 360, assert);
      await page.setViewportSize({ width: 1280, height: 900 });

      /* The case and its trail. */
      await Promise.all([
        page.waitForURL(new RegExp(`/agent/cases/${caseId}`)),
        page.locator('a.case-link', { hasText: caseId }).click(),
      ]);
      await assertLang(page, lang, 'the case page');
      assert.equal(await page.locator('#details-h').innerText(), T['agent.case.details']);
      assert.equal(await page.locator('#desc-h').innerText(), T['agent.case.description']);
      assert.equal(await page.locator('#trail-h').innerText(), T['agent.case.trail']);
      const kinds = (await page.locator('.trail-kind').allTextContents()).map((k) => k.trim());
      assert.ok(kinds.includes(T['trail.kind.search']), kinds.join(', '));
      assert.ok(kinds.includes(T['trail.kind.vote']), kinds.join(', '));
      assert.ok(kinds.includes(T['trail.kind.case']), kinds.join(', '));
      const steps = await page.locator('.trail-text').allInnerTexts();
      assert.ok(steps.some((s) => s.startsWith(T['trail.vote_no'])), steps.join('\n'));
      assert.ok(steps.includes(T['trail.this_case']), steps.join('\n'));
      assert.match(await page.locator('.case-fields time').innerText(), DATE_TIME[lang]);
      await assertNoEnglish(page, lang, 'the case page');

      /* An author page: the 403 page in the language. */
      const resp = await page.goto(`${srv.base}/author`);
      assert.equal(resp.status(), 403);
      await assertLang(page, lang, 'the 403 page');
      assert.equal(await page.locator('h1').innerText(), T['staff.forbidden_title']);
      assert.equal(await page.locator('.message-page a').innerText(), T['message.back']);
      await assertNoEnglish(page, lang, 'the 403 page');
      /* The wrong password (401) and the author page (403) were meant. */
      assert.deepEqual(errors.filter((e) => !/status of 40[13]/.test(e)), []);
    } finally {
      await ctx.close();
    }
  });

  test(`the author pages in ${T['meta.name']}, chosen in the language menu`, async () => {
    const ctx = await kb.openBrowser({ locale: 'en-US' });
    try {
      const page = await kb.firstPage(ctx);
      const errors = kb.watchErrors(page);
      await staff.signIn(page, srv, 'rosa', '/author');
      await assertLang(page, 'en', 'the dashboard before the switch');
      assert.equal(await page.locator('h1').innerText(), UI.en['author.heading']);
      /* The language menu, as a customer uses it. */
      await page.click('.lang-menu summary');
      await Promise.all([
        page.waitForURL(new RegExp(`locale=${loc}`)),
        page.click(`.lang-list a[hreflang=${loc}]`),
      ]);
      await assertLang(page, lang, 'the dashboard');
      assert.equal(await page.locator('h1').innerText(), T['author.heading']);
      assert.equal(await page.locator('.staff-bar .staff-role').innerText(), T['role.author']);
      assert.deepEqual(await page.locator('.segmented a').allInnerTexts(), [T['author.by_day'], T['author.by_week']]);
      assert.deepEqual(await page.locator('.tile-label').allInnerTexts(),
        ['author.rate', 'author.confirmed', 'author.potential', 'author.none'].map((k) => T[k]));
      assert.match(await page.locator('.tile-rate .tile-value').innerText(), new RegExp(`${PERCENT[lang].source}|^—$`));
      for (const [id, key] of [['chart-h', 'author.chart_h'], ['queries-h', 'author.queries_title'],
        ['gaps-h', 'author.gaps_title'], ['least-h', 'author.least_title'], ['reindex-h', 'author.reindex_title'],
        ['learned-h', 'author.learned_title'], ['health-h', 'author.health_title']]) {
        assert.equal(await page.locator(`#${id}`).innerText(), T[key], id);
      }
      assert.equal(await page.locator('.reindex-form button[type=submit]').innerText(), T['author.reindex_button']);
      assert.equal(await page.locator('.chart-data summary').innerText(), T['author.show_table']);
      /* The chart: its title, axis titles, legend and percent axis. */
      const svg = page.locator('svg.chart');
      assert.equal(await svg.locator('title').first().textContent(), T['author.chart_title_day']);
      const svgText = await svg.locator('text').allTextContents();
      assert.ok(svgText.includes(T['author.axis_visits']), svgText.join('|'));
      assert.ok(svgText.includes(T['author.axis_rate']), svgText.join('|'));
      assert.ok(svgText.some((s) => PERCENT[lang].test(s) && s.startsWith('100')), svgText.join('|'));
      assert.deepEqual(await page.locator('.chart-legend li').allInnerTexts(),
        ['author.confirmed', 'author.potential', 'author.none', 'author.rate'].map((k) => T[k]));
      const chartHeads = await page.locator('.chart-data thead th').allTextContents();
      assert.deepEqual(chartHeads, ['period', 'visits', 'confirmed', 'potential', 'none', 'pending', 'rate']
        .map((k) => T[`author.col.${k}`]));
      const broken = page.locator('.health-group', { hasText: T['author.health_broken'] });
      assert.equal(await broken.count(), 1);
      assert.match(await broken.textContent(), new RegExp(T['author.problem.missing_article']));
      await assertNoEnglish(page, lang, 'the author dashboard');
      await page.setViewportSize({ width: 360, height: 800 });
      await staff.shoot(page, `staff-author-${lang}`, 360, assert);
      await page.setViewportSize({ width: 1280, height: 900 });

      /* The week view keeps the language. */
      await Promise.all([page.waitForURL(/interval=week/), page.click('.segmented a >> nth=1')]);
      await assertLang(page, lang, 'the week view');
      assert.equal(await page.locator('svg.chart title').first().textContent(), T['author.chart_title_week']);

      /* The reindex status page (the form without JavaScript's help),
       * reached without ?locale=: the choice is remembered. */
      await page.goto(`${srv.base}/author`);
      await assertLang(page, lang, 'the dashboard without ?locale=');
      await Promise.all([
        page.waitForURL(/\/author\/reindex\/R-[0-9a-f]+$/),
        page.evaluate(() => document.querySelector('form[data-reindex]').submit()),
      ]);
      await page.locator('.reindex-job.state-done').waitFor({ timeout: 30000 });
      await assertLang(page, lang, 'the reindex status page');
      assert.equal(await page.locator('h1').innerText(), T['reindex.finished_h']);
      assert.equal(await page.locator('.job-status').innerText(), T['reindex.done']);
      assert.deepEqual(await page.locator('.job-stats dt').allInnerTexts(),
        ['indexed', 'unchanged', 'deleted', 'errors', 'warnings', 'articles'].map((k) => T[`reindex.${k}`]));
      assert.equal(await page.locator('.reindex-job a.button').innerText(), T['reindex.back']);
      assert.match(await page.locator('.reindex-job a.button').getAttribute('href'), new RegExp(`locale=${loc}`));
      await assertNoEnglish(page, lang, 'the reindex status page');

      /* A staff message: no such job. */
      const resp = await page.goto(`${srv.base}/author/reindex/R-000000000000`);
      assert.equal(resp.status(), 404);
      await assertLang(page, lang, 'a staff message');
      assert.equal(await page.locator('h1').innerText(), T['author.reindex_title']);
      assert.equal(await page.locator('.message-page p').first().innerText(), T['reindex.missing']);
      await assertNoEnglish(page, lang, 'a staff message');

      /* And back to English through the menu. */
      await page.goto(`${srv.base}/author`);
      await page.click('.lang-menu summary');
      await Promise.all([page.waitForURL(/locale=en-us/), page.click('.lang-list a[hreflang=en-us]')]);
      await assertLang(page, 'en', 'the dashboard after switching back');
      assert.equal(await page.locator('h1').innerText(), UI.en['author.heading']);
      /* The missing job (404) was meant. */
      assert.deepEqual(errors.filter((e) => !/status of 404/.test(e)), []);
    } finally {
      await ctx.close();
    }
  });
}

test('staff pages are in every UI language, even one the articles lack', async () => {
  /* The sample content has no German articles: customers get English
   * pages, staff with a German browser get German ones, and the
   * language menu of the staff pages offers Deutsch. */
  const sample = await kb.startServer(kb.SAMPLE_KB);
  try {
    staff.addUser(sample, 'rosa', 'author');
    const ctx = await kb.openBrowser({ locale: 'de-DE' });
    try {
      const page = await kb.firstPage(ctx);
      await page.goto(`${sample.base}/`);
      await assertLang(page, 'en', 'a customer page in a locale the index lacks');
      assert.equal(await page.locator('.lang-list a[hreflang=de-de]').count(), 0);
      await staff.signIn(page, sample, 'rosa', '/agent');
      await assertLang(page, 'de', 'the agent console');
      assert.equal(await page.locator('h1').innerText(), UI.de['agent.heading']);
      assert.deepEqual(await page.locator('.lang-list a').allTextContents(), ['Deutsch', 'English', 'Русский', '中文']);
      /* The console searches the default locale's articles. */
      await page.fill('#agent-q', 'invoice');
      await Promise.all([page.waitForURL(/q=invoice/), page.press('#agent-q', 'Enter')]);
      assert.ok(await page.locator('.agent-hit').count() >= 1);
      await assertNoEnglish(page, 'de', 'the agent console on the sample content');
      await page.goto(`${sample.base}/author`);
      await assertLang(page, 'de', 'the author dashboard');
      assert.equal(await page.locator('h1').innerText(), UI.de['author.heading']);
      await assertNoEnglish(page, 'de', 'the author dashboard on the sample content');
    } finally {
      await ctx.close();
    }
  } finally {
    await sample.stop();
  }
});
