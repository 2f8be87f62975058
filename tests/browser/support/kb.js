'use strict';
/* Shared setup for the browser tests: build a fresh index with the real
 * kb-index, start the real kb-serve on a free loopback port, and drive
 * Debian's Chromium through playwright-core with a fresh profile.
 *
 * Environment (all optional):
 *   KB_BUILD_DIR        where kb-index and kb-serve are (../../build)
 *   KB_INDEX_BIN, KB_SERVE_BIN, KB_USER_BIN   the programs themselves
 *   KB_CHROMIUM         the browser (/usr/bin/chromium)
 *   KB_SCREENSHOT_DIR   where screenshots go (<build>/screenshots) */

const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const readline = require('node:readline');
const { chromium } = require('playwright-core');

const ROOT = path.resolve(__dirname, '..', '..', '..');
const BUILD = process.env.KB_BUILD_DIR || path.join(ROOT, 'build');
const INDEX_BIN = process.env.KB_INDEX_BIN || path.join(BUILD, 'kb-index');
const SERVE_BIN = process.env.KB_SERVE_BIN || path.join(BUILD, 'kb-serve');
const USER_BIN = process.env.KB_USER_BIN || path.join(BUILD, 'kb-user');
const CHROMIUM = process.env.KB_CHROMIUM || '/usr/bin/chromium';
const SCREENSHOT_DIR = process.env.KB_SCREENSHOT_DIR || path.join(BUILD, 'screenshots');
const TEST_KB = path.join(ROOT, 'tests', 'data', 'kb');
const SAMPLE_KB = path.join(ROOT, 'content');

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function tempDir(tag) {
  return fs.mkdtempSync(path.join(os.tmpdir(), `kb-browser-${tag}-`));
}

/* Indexes content into a new temporary folder and starts kb-serve on
 * it (options.args: more kb-serve arguments).  Resolves to {base, dir,
 * stop()}. */
async function startServer(content = TEST_KB, options = {}) {
  const dir = tempDir('srv');
  const index = path.join(dir, 'index');
  const ix = spawnSync(INDEX_BIN, ['--content', content, '--index', index, '--quiet'], {
    encoding: 'utf8',
  });
  if (ix.status !== 0 && ix.status !== 1) {
    throw new Error(`kb-index failed (${ix.status}): ${ix.stderr}`);
  }
  const child = spawn(
    SERVE_BIN,
    ['--index', index, '--db', path.join(dir, 'kb.db'), '--listen', '127.0.0.1:0',
     '--web', path.join(ROOT, 'web'), '--threads', '4', ...(options.args || [])],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const lines = readline.createInterface({ input: child.stdout });
  const first = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`kb-serve did not start: ${stderr}`)), 15000);
    lines.once('line', (line) => { clearTimeout(timer); resolve(line); });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`kb-serve exited (${code}): ${stderr}`));
    });
  });
  lines.close();
  child.stdout.resume();
  const m = /listening on (http:\/\/[^/\s]+)\//.exec(first);
  if (!m) throw new Error(`unexpected first line from kb-serve: ${first}`);
  const db = path.join(dir, 'kb.db');
  return {
    base: m[1],
    dir,
    db,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/* An API token of a new agent account (kb-user), for the reports. */
function agentToken(server, name = 'agent') {
  const add = spawnSync(USER_BIN, ['--db', server.db, 'add', name, '--role', 'agent'], {
    input: 'correct horse battery\n', encoding: 'utf8',
  });
  if (add.status !== 0) throw new Error(`kb-user add failed: ${add.stderr}`);
  const tok = spawnSync(USER_BIN, ['--db', server.db, 'token', name], { encoding: 'utf8' });
  if (tok.status !== 0) throw new Error(`kb-user token failed: ${tok.stderr}`);
  return tok.stdout.trim().split('\n').pop();
}

/* GET a JSON report as that agent. */
async function report(server, token, which) {
  const r = await fetch(`${server.base}/api/reports/${which}`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  if (!r.ok) throw new Error(`report ${which}: ${r.status} ${await r.text()}`);
  return r.json();
}

/* A browser with a fresh profile directory; options go to the context
 * (viewport, javaScriptEnabled, ...).  Resolves to the context; its
 * close() also removes the profile. */
async function openBrowser(options = {}) {
  const profile = tempDir('profile');
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 900 },
    locale: 'en-US',
    ...options,
  });
  const close = context.close.bind(context);
  context.close = async () => {
    await close();
    fs.rmSync(profile, { recursive: true, force: true });
  };
  return context;
}

/* The first page of a persistent context (one opens with it). */
async function firstPage(context) {
  return context.pages()[0] || context.newPage();
}

/* Fails on any console error or failed request of the page: a CSP
 * violation (inline script, inline style) shows up as one. */
function watchErrors(page) {
  const errors = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => errors.push(`page error: ${err.message}`));
  return errors;
}

function screenshotPath(name) {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  return path.join(SCREENSHOT_DIR, `${name}.png`);
}

/* 1 when the page scrolls sideways (wider content than the viewport). */
async function horizontalOverflow(page) {
  return page.evaluate(() => {
    const d = document.documentElement;
    return Math.max(d.scrollWidth, document.body.scrollWidth) - d.clientWidth;
  });
}

module.exports = {
  ROOT, TEST_KB, SAMPLE_KB, SCREENSHOT_DIR,
  startServer, agentToken, report, openBrowser, firstPage, watchErrors, screenshotPath, horizontalOverflow,
};
