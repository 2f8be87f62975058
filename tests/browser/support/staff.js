'use strict';
/* Helpers for the staff-page tests (agent console, author dashboard):
 * accounts made with the real kb-user, sign-in through the form. */

const { spawnSync } = require('node:child_process');
const path = require('node:path');
const kb = require('./kb');

const BUILD = process.env.KB_BUILD_DIR || path.join(kb.ROOT, 'build');
const USER_BIN = process.env.KB_USER_BIN || path.join(BUILD, 'kb-user');
const PASSWORD = 'correct horse battery';

/* Adds an account to the server's database; the password is read from
 * stdin, as an operator would pipe it. */
function addUser(server, name, role) {
  const r = spawnSync(USER_BIN, ['--db', server.db, 'add', name, '--role', role], {
    input: `${PASSWORD}\n`, encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`kb-user add ${name} failed: ${r.stderr}`);
}

/* Signs in through the sign-in form, starting from target (a staff
 * page, which sends an anonymous browser to the form first), and waits
 * for target to load. */
async function signIn(page, server, name, target = '/agent') {
  await page.goto(`${server.base}${target}`);
  await page.waitForURL((u) => u.pathname === '/login');
  await page.fill('#username', name);
  await page.fill('#password', PASSWORD);
  await Promise.all([
    page.waitForURL((u) => u.pathname === target),
    page.click('.login-form button[type=submit]'),
  ]);
}

/* A screenshot of the whole page; at phone width the page must not
 * scroll sideways. */
async function shoot(page, name, width, assert) {
  await page.evaluate(() => document.fonts.ready);
  await page.screenshot({ path: kb.screenshotPath(`${name}-${width}`), fullPage: true });
  if (width <= 360) {
    assert.equal(await kb.horizontalOverflow(page), 0, `${name} scrolls sideways at ${width} px`);
  }
}

module.exports = { PASSWORD, addUser, signIn, shoot };
