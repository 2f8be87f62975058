'use strict';
/* GET /api/openapi.json against the program it describes: a real
 * kb-serve on a free loopback port serves the document; Redocly CLI
 * lints it; it documents every JSON route of the route table
 * (search/cmd/serve_routes.c) with its method and role, and nothing
 * the server does not serve; and the server's real answers -- successes
 * and errors, anonymous and signed in -- match the schemas it gives for
 * them (Ajv, JSON Schema 2020-12), so the document cannot drift from
 * the handlers without this failing.
 *
 * Environment: KB_BUILD_DIR, or KB_INDEX_BIN, KB_SERVE_BIN and
 * KB_USER_BIN (run.sh and ctest set them). */

const test = require('node:test');
const assert = require('node:assert/strict');
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const readline = require('node:readline');
const Ajv2020 = require('ajv/dist/2020').default;
const addFormats = require('ajv-formats').default;

const ROOT = path.resolve(__dirname, '..', '..');
const BUILD = process.env.KB_BUILD_DIR || path.join(ROOT, 'build');
const INDEX_BIN = process.env.KB_INDEX_BIN || path.join(BUILD, 'kb-index');
const SERVE_BIN = process.env.KB_SERVE_BIN || path.join(BUILD, 'kb-serve');
const USER_BIN = process.env.KB_USER_BIN || path.join(BUILD, 'kb-user');
const CONTENT = path.join(ROOT, 'tests', 'data', 'kb');
const PASSWORD = 'correct horse battery';
const REDOCLY = path.join(__dirname, 'node_modules', '.bin', 'redocly');

/* ---- the server ---------------------------------------------------- */

async function startServer() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kb-openapi-'));
  const index = path.join(dir, 'index');
  const db = path.join(dir, 'kb.db');
  const ix = spawnSync(INDEX_BIN, ['--content', CONTENT, '--index', index, '--quiet'],
    { encoding: 'utf8' });
  if (ix.status !== 0 && ix.status !== 1) throw new Error(`kb-index failed: ${ix.stderr}`);
  const child = spawn(SERVE_BIN,
    ['--index', index, '--db', db, '--listen', '127.0.0.1:0', '--content', CONTENT,
     '--indexer', INDEX_BIN, '--web', path.join(ROOT, 'web'), '--threads', '2',
     '--max-body', '65536'],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const lines = readline.createInterface({ input: child.stdout });
  const first = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`kb-serve did not start: ${stderr}`)), 15000);
    lines.once('line', (l) => { clearTimeout(timer); resolve(l); });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`kb-serve exited (${code}): ${stderr}`)); });
  });
  lines.close();
  child.stdout.resume();
  const m = /listening on (http:\/\/[^/\s]+)\//.exec(first);
  if (!m) throw new Error(`unexpected first line from kb-serve: ${first}`);
  return {
    base: m[1], dir, db,
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

/* An account made with the real kb-user, and an API token for it. */
function addUser(server, name, role) {
  const add = spawnSync(USER_BIN, ['--db', server.db, 'add', name, '--role', role],
    { input: `${PASSWORD}\n`, encoding: 'utf8' });
  if (add.status !== 0) throw new Error(`kb-user add ${name}: ${add.stderr}`);
  const tok = spawnSync(USER_BIN, ['--db', server.db, 'token', name], { encoding: 'utf8' });
  if (tok.status !== 0) throw new Error(`kb-user token ${name}: ${tok.stderr}`);
  return tok.stdout.trim().split('\n').pop();
}

/* ---- the route table ----------------------------------------------- */

const ROLE_NAMES = { ROLE_NONE: undefined, ROLE_AGENT: 'agent', ROLE_AUTHOR: 'author' };

function routeTable() {
  const src = fs.readFileSync(path.join(ROOT, 'search', 'cmd', 'serve_routes.c'), 'utf8');
  const re = /\{"(GET|POST|\*)",\s*"([^"]+)",\s*(ROUTE_EXACT|ROUTE_PREFIX),\s*(ROUTE_API|ROUTE_PAGE|ROUTE_FORM),\s*(ROLE_\w+),\s*(\w+)\}/g;
  const routes = [];
  for (const m of src.matchAll(re)) {
    routes.push({ method: m[1], path: m[2], prefix: m[3] === 'ROUTE_PREFIX', kind: m[4],
                  role: ROLE_NAMES[m[5]], fn: m[6] });
  }
  return routes;
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

function operations(doc) {
  const ops = [];
  for (const [p, item] of Object.entries(doc.paths)) {
    for (const m of METHODS) {
      if (item[m]) ops.push({ path: p, method: m.toUpperCase(), op: item[m], item });
    }
  }
  return ops;
}

/* The route a documented path names: "/api/articles/{id}" is the
 * prefix route "/api/articles/", a path without {..} an exact one. */
function routeKey(p) {
  const brace = p.indexOf('{');
  return brace < 0 ? { path: p, prefix: false } : { path: p.slice(0, brace), prefix: true };
}

/* A concrete path for a documented one, each {param} its example. */
function concrete(op, p) {
  return p.replace(/\{(\w+)\}/g, (_, name) => {
    const prm = (op.op.parameters || []).map((x) => resolve(op.doc, x))
      .find((x) => x.in === 'path' && x.name === name);
    return prm && prm.example !== undefined ? String(prm.example) : 'x';
  });
}

function resolve(doc, o) {
  while (o && o.$ref) {
    o = o.$ref.slice(2).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce((acc, k) => acc[k], doc);
  }
  return o;
}

/* ---- the schemas --------------------------------------------------- */

function makeAjv(doc) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addFormat('password', true);
  ajv.addSchema(doc, 'openapi.json');
  return ajv;
}

function pointer(parts) {
  return parts.map((s) => String(s).replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
}

/* The documented operation for a request path: an exact path, or a
 * template whose {param} takes the rest (an article id has slashes). */
function findOperation(doc, method, reqPath) {
  const p = reqPath.split('?')[0];
  for (const [tpl, item] of Object.entries(doc.paths)) {
    const re = new RegExp(`^${tpl.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{\w+\}/g, '.+')}$`);
    if (re.test(p) && item[method.toLowerCase()]) return { tpl, op: item[method.toLowerCase()] };
  }
  return null;
}

/* ---- the test ------------------------------------------------------ */

test('GET /api/openapi.json describes kb-serve as it is', async (t) => {
  for (const bin of [INDEX_BIN, SERVE_BIN, USER_BIN]) {
    assert.ok(fs.existsSync(bin), `${bin} is missing: build first`);
  }
  const server = await startServer();
  t.after(() => server.stop());
  const base = server.base;
  const agentToken = addUser(server, 'agnes', 'agent');
  const authorToken = addUser(server, 'arthur', 'author');

  const res = await fetch(`${base}/api/openapi.json`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^application\/json/);
  assert.equal(res.headers.get('cache-control'), 'public, max-age=3600');
  const text = await res.text();
  const doc = JSON.parse(text);
  let checked = 0;

  await t.test('it is the source file, the same for everyone', async () => {
    const source = fs.readFileSync(path.join(ROOT, 'search', 'http', 'openapi.json'), 'utf8');
    assert.equal(text, source, 'the served document is search/http/openapi.json as compiled in');
    const signedIn = await fetch(`${base}/api/openapi.json`,
      { headers: { Authorization: `Bearer ${authorToken}` } });
    assert.equal(await signedIn.text(), text);
    assert.equal(doc.openapi, '3.1.0');
    assert.deepEqual(doc.servers, [{ url: '/', description: doc.servers[0].description }]);
    const cmake = fs.readFileSync(path.join(ROOT, 'CMakeLists.txt'), 'utf8');
    const version = /project\(kb\s+VERSION\s+([0-9.]+)/.exec(cmake);
    assert.ok(version, 'CMakeLists.txt names the project version');
    assert.equal(doc.info.version, version[1], 'info.version is the package version');
  });

  await t.test('it names no internal article', () => {
    let internal = 0;
    const walk = (dir, top) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const f = path.join(dir, e.name);
        if (e.isDirectory()) { walk(f, top); continue; }
        if (!e.name.endsWith('.md')) continue;
        const md = fs.readFileSync(f, 'utf8');
        const fm = /^---\n([\s\S]*?)\n---/.exec(md);
        if (!fm || !/^audience:\s*internal\s*$/m.test(fm[1])) continue;
        internal++;
        const id = path.relative(top, f).split(path.sep).slice(1).join('/').replace(/\.md$/, '');
        const title = /^title:\s*"?(.*?)"?\s*$/m.exec(fm[1]);
        assert.ok(!text.includes(id), `the document names the internal article ${id}`);
        if (title) assert.ok(!text.includes(title[1]), `the document quotes "${title[1]}"`);
      }
    };
    walk(CONTENT, CONTENT);
    walk(path.join(ROOT, 'content'), path.join(ROOT, 'content'));
    assert.ok(internal >= 2, 'internal articles were found to look for');
  });

  await t.test('every error code of the JSON handlers is in it', () => {
    /* searchreq_parse_page's, for the results page only. */
    const pageOnly = new Set(['no_memory']);
    const codes = new Map();
    const scan = (file, re) => {
      const src = fs.readFileSync(file, 'utf8');
      for (const m of src.matchAll(re)) codes.set(m[1], path.relative(ROOT, file));
    };
    const http = path.join(ROOT, 'search', 'http');
    for (const f of fs.readdirSync(http).filter((x) => x.endsWith('.c'))) {
      scan(path.join(http, f), /reply_error\(\s*\w+(?:->\w+)?,\s*\d+,\s*"([a-z_]+)"/g);
      scan(path.join(http, f), /"error",\s*"([a-z_]+)"/g);
    }
    scan(path.join(ROOT, 'search', 'pages', 'page_login.c'),
      /login_failed\(\s*rq,\s*body,\s*\d+,\s*"([a-z_]+)"/g);
    assert.ok(codes.size > 40, `${codes.size} error codes found in the handlers`);
    for (const [code, file] of codes) {
      if (pageOnly.has(code)) continue;
      assert.ok(text.includes(`"${code}"`) || text.includes(`\`${code}\``),
        `${file} answers the error code ${code}, which search/http/openapi.json does not name`);
    }
  });

  await t.test('Redocly CLI lints it clean (recommended rules, strict)', () => {
    const file = path.join(server.dir, 'openapi.json');
    fs.writeFileSync(file, text);
    const lint = spawnSync(REDOCLY,
      ['lint', file, '--config', path.join(__dirname, 'redocly.yaml'), '--format', 'stylish'],
      { encoding: 'utf8', env: { ...process.env, REDOCLY_TELEMETRY: 'off',
                                 REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' } });
    assert.equal(lint.status, 0, `redocly lint failed:\n${lint.stdout}\n${lint.stderr}`);
    assert.match(lint.stdout + lint.stderr, /valid/);
  });

  const ops = operations(doc).map((o) => ({ ...o, doc }));

  await t.test('every JSON route is documented, and only those', () => {
    const routes = routeTable();
    assert.ok(routes.length > 20, 'serve_routes.c parsed');
    const json = routes.filter((r) => r.fn !== 'NULL' && (r.kind === 'ROUTE_API' || r.kind === 'ROUTE_FORM'));
    for (const r of json) {
      const found = ops.filter((o) => {
        const k = routeKey(o.path);
        return o.method === r.method && k.path === r.path && k.prefix === r.prefix;
      });
      assert.equal(found.length, 1,
        `${r.method} ${r.path}${r.prefix ? '{...}' : ''} (${r.fn}) is documented once`);
      assert.equal(found[0].op['x-kb-role'], r.role,
        `${r.method} ${r.path}: x-kb-role is the route's role`);
    }
    for (const o of ops) {
      const k = routeKey(o.path);
      const r = json.find((x) => x.method === o.method && x.path === k.path && x.prefix === k.prefix);
      assert.ok(r, `${o.method} ${o.path} is documented but no JSON route serves it`);
    }
  });

  await t.test('security says who may call each operation', () => {
    const schemes = doc.components.securitySchemes;
    assert.equal(schemes.apiToken.scheme, 'bearer');
    assert.deepEqual([schemes.session.in, schemes.session.name], ['cookie', 'kb_session']);
    assert.deepEqual([schemes.csrfHeader.in, schemes.csrfHeader.name], ['header', 'X-CSRF-Token']);
    for (const o of ops) {
      const sec = o.op.security;
      const where = `${o.method} ${o.path}`;
      assert.ok(Array.isArray(sec), `${where} states its security`);
      const anonymous = sec.length === 0 || sec.some((s) => Object.keys(s).length === 0);
      assert.equal(anonymous, !o.op['x-kb-role'], `${where}: anonymous callers iff no role`);
      if (o.op['x-kb-role']) {
        assert.ok(sec.some((s) => Object.keys(s).join() === 'apiToken'), `${where}: API token`);
        const session = sec.find((s) => 'session' in s);
        assert.ok(session, `${where}: session cookie`);
        assert.equal('csrfHeader' in session, o.method === 'POST',
          `${where}: the session needs the CSRF token exactly when it changes something`);
        const r401 = resolve(doc, o.op.responses['401']);
        assert.ok(r401, `${where} documents 401`);
        if (o.op['x-kb-role'] === 'author' && o.path !== '/logout') {
          assert.ok(o.op.responses['403'], `${where} documents 403`);
        }
      }
      const input = (o.op.parameters || []).length > 0 || o.op.requestBody;
      if (input) {
        assert.ok(Object.keys(o.op.responses).some((s) => /^4/.test(s)),
          `${where} takes input and documents its 4XX answers`);
      }
    }
  });

  const ajv = makeAjv(doc);

  /* Sends a request, checks its answer against the document: the
   * status is documented for the operation, and the body is valid for
   * that status's schema.  Returns {status, headers, body}. */
  async function call(method, reqPath, { status, token, cookie, csrf, json, form, raw, type, visit, idem } = {}) {
    const headers = {};
    if (visit) headers['X-KB-Visit'] = visit;
    if (idem) headers['Idempotency-Key'] = idem;
    if (token) headers.Authorization = `Bearer ${token}`;
    if (cookie) headers.Cookie = cookie;
    if (csrf) headers['X-CSRF-Token'] = csrf;
    let body;
    if (json !== undefined) { headers['Content-Type'] = 'application/json'; body = JSON.stringify(json); }
    if (form !== undefined) { headers['Content-Type'] = 'application/x-www-form-urlencoded'; body = new URLSearchParams(form).toString(); }
    if (raw !== undefined) { headers['Content-Type'] = type; body = raw; }
    const r = await fetch(`${base}${reqPath}`, { method, headers, body, redirect: 'manual' });
    const ctype = r.headers.get('content-type') || '';
    const textBody = await r.text();
    const where = `${method} ${reqPath} -> ${r.status} ${textBody.slice(0, 300)}`;
    if (status !== undefined) assert.equal(r.status, status, where);
    const found = findOperation(doc, method, reqPath);
    assert.ok(found, `${method} ${reqPath} is documented`);
    const resp = resolve(doc, found.op.responses[String(r.status)]);
    assert.ok(resp, `${found.tpl}: status ${r.status} is documented (${where}); ` +
              'document it in search/http/openapi.json');
    assert.equal(r.headers.get('cache-control'),
      found.tpl === '/api/openapi.json' ? 'public, max-age=3600' : 'no-store', where);
    const media = ctype.split(';')[0].trim();
    assert.ok(resp.content && resp.content[media], `${found.tpl} ${r.status}: ${media} is documented`);
    let parsed = textBody;
    if (media === 'application/json') {
      parsed = JSON.parse(textBody);
      const ptr = pointer(['paths', found.tpl, method.toLowerCase(), 'responses', String(r.status)]);
      const ref = found.op.responses[String(r.status)].$ref;
      const schemaPath = ref ? `openapi.json${ref}/content/application~1json/schema`
                             : `openapi.json#/${ptr}/content/application~1json/schema`;
      const validate = ajv.getSchema(schemaPath);
      assert.ok(validate, `schema ${schemaPath}`);
      assert.ok(validate(parsed),
        `${where}\ndoes not match ${schemaPath}:\n${JSON.stringify(validate.errors, null, 1)}\n` +
        'A handler that changed on purpose changes search/http/openapi.json with it.');
    }
    checked++;
    return { status: r.status, headers: r.headers, body: parsed };
  }

  await t.test('anonymous requests reach every documented operation', async () => {
    for (const o of ops) {
      const p = concrete(o, o.path);
      const r = await fetch(`${base}${p}`, {
        method: o.method,
        headers: o.method === 'POST' ? { 'Content-Type': 'application/json' } : {},
        body: o.method === 'POST' ? '{}' : undefined,
      });
      const b = await r.text();
      const where = `${o.method} ${p} -> ${r.status} ${b.slice(0, 200)}`;
      assert.notEqual(r.status, 405, `${where}: the method is served`);
      assert.ok(!(r.status === 404 && /no such path/.test(b)), `${where}: the path is served`);
      if (o.op['x-kb-role']) assert.equal(r.status, 401, `${where}: needs ${o.op['x-kb-role']}`);
      else assert.notEqual(r.status, 401, `${where}: open to anyone`);
      await call(o.method, p, { json: o.method === 'POST' ? {} : undefined });
    }
  });

  await t.test('customers: search, articles, events, votes, cases', async () => {
    await call('GET', '/healthz', { status: 200 });
    await call('GET', '/api/openapi.json', { status: 200 });
    const visit = 'openapi-visit-0001';
    const s = await call('GET', '/api/search?q=late%20fee&locale=en-us', { status: 200, visit });
    assert.ok(s.body.hits.length > 0 && s.body.hits.some((h) => h.section), 'hits with a section');
    await call('GET', '/api/search?q=invoice&limit=1&offset=1&topic=how-to&exact=1', { status: 200 });
    await call('GET', '/api/search?q=invoce', { status: 200 });
    await call('GET', '/api/search', { status: 400 });
    await call('GET', '/api/search?q=x&limit=abc', { status: 400 });
    await call('GET', '/api/search?q=x&locale=english!', { status: 400 });
    await call('GET', '/api/suggest?q=inv', { status: 200 });
    await call('GET', '/api/articles/billing/invoices', { status: 200 });
    await call('GET', '/api/articles/billing%2Finvoices?locale=de-de', { status: 200 });
    await call('GET', '/api/articles/faq/billing-faq', { status: 200 });
    await call('GET', '/api/articles/internal/escalation', { status: 404 });
    await call('GET', '/api/articles/a%01b', { status: 400 });
    await call('GET', '/api/html/articles/billing/invoices', { status: 200 });
    await call('GET', '/api/html/articles/nope', { status: 404 });
    const ev = await call('POST', '/api/events', { status: 201, visit,
      json: { type: 'click', query: 'late fee', article: 'billing/invoices', section: 'late-fees', rank: 1, locale: 'en-us' } });
    assert.equal(ev.body.visit, visit);
    await call('POST', '/api/events', { status: 201, json: { type: 'view', article: 'billing/invoices' } });
    await call('POST', '/api/events', { status: 201, json: { type: 'case_form' } });
    await call('POST', '/api/events', { status: 201, json: { type: 'deflect', source: 'case_form' } });
    await call('POST', '/api/events', { status: 400, json: { type: 'click', article: 'no/such' } });
    await call('POST', '/api/events', { status: 415, raw: 'x', type: 'text/plain' });
    await call('POST', '/api/events', { status: 400, raw: '{', type: 'application/json' });
    await call('POST', '/api/feedback', { status: 201, visit,
      json: { article: 'billing/invoices', locale: 'en-us', section: 'late-fees', helpful: false, reason: 'did_not_answer', comment: 'When?' } });
    await call('POST', '/api/feedback', { status: 400, json: { article: 'billing/invoices', helpful: 'maybe' } });
    const filed = await call('POST', '/api/cases', { status: 201, visit,
      json: { subject: 'Late fee on a paid invoice', email: 'pat@example.com', description: 'I paid on time.', product: 'billing', locale: 'en-us' } });
    assert.match(filed.body.id, /^C-/);
    const key = 'openapi-idem-key-0001';
    const once = await call('POST', '/api/cases', { status: 201, idem: key,
      json: { subject: 'Sent twice', email: 'twice@example.com' } });
    const twice = await call('POST', '/api/cases', { status: 201, idem: key,
      json: { subject: 'Sent twice', email: 'twice@example.com' } });
    assert.equal(twice.body.id, once.body.id, 'the same submission answers its first case');
    await call('POST', '/api/cases', { status: 201, form: { subject: 'Form case', email: 'form@example.com' } });
    await call('POST', '/api/cases', { status: 400, json: { subject: 'x', email: 'not-an-address' } });
    await call('POST', '/api/cases', { status: 413,
      json: { subject: 'x', email: 'x@example.com', description: 'x'.repeat(70000) } });
  });

  await t.test('staff: sign-in, cases, reports, reindex', async () => {
    await call('POST', '/login', { status: 400, json: { username: 'arthur' } });
    await call('POST', '/login', { status: 401, json: { username: 'arthur', password: 'wrong' } });
    const login = await call('POST', '/login', { status: 200, json: { username: 'arthur', password: PASSWORD } });
    assert.equal(login.body.role, 'author');
    const sid = /kb_session=([^;]+)/.exec(login.headers.get('set-cookie'))[1];
    const cookie = `kb_session=${sid}`;
    const csrf = login.body.csrf;
    const me = await call('GET', '/api/me', { status: 200, cookie });
    assert.equal(me.body.csrf, csrf);
    await call('GET', '/api/me', { status: 200, token: agentToken });
    await call('GET', '/api/me', { status: 401 });
    await call('GET', '/api/me', { status: 401, token: 'not-a-token' });

    const list = await call('GET', '/api/cases', { status: 200, token: agentToken });
    assert.ok(list.body.cases.length >= 2);
    const one = await call('GET', `/api/cases/${list.body.cases[0].id}`, { status: 200, token: agentToken });
    assert.ok(Array.isArray(one.body.trail));
    const withTrail = list.body.cases.find((c) => c.subject === 'Late fee on a paid invoice');
    const trail = await call('GET', `/api/cases/${withTrail.id}`, { status: 200, token: agentToken });
    assert.ok(trail.body.trail.length > 0, 'a trail with events');
    await call('GET', '/api/cases/C-AAAAAAAAAA', { status: 404, token: agentToken });
    await call('GET', '/api/cases?from=yesterday', { status: 400, token: agentToken });

    for (const which of ['deflection', 'queries', 'gaps', 'articles']) {
      const r = await call('GET', `/api/reports/${which}`, { status: 200, token: agentToken });
      assert.ok(JSON.stringify(r.body).length > 20);
      await call('GET', `/api/reports/${which}?format=csv&interval=week`, { status: 200, token: agentToken });
    }
    const q = await call('GET', '/api/reports/queries', { status: 200, token: agentToken });
    assert.ok(q.body.queries.length > 0, 'the queries report has rows');
    const a = await call('GET', '/api/reports/articles', { status: 200, token: agentToken });
    assert.ok(a.body.articles.some((row) => row.comments.length > 0), 'the articles report has comments');
    await call('GET', '/api/reports/deflection?interval=month', { status: 400, token: agentToken });
    await call('GET', '/api/reports/ubi', { status: 403, token: agentToken });
    await call('GET', '/api/reports/ubi', { status: 200, token: authorToken });

    await call('GET', '/api/admin/content-report', { status: 200, token: authorToken });
    await call('GET', '/api/admin/content-report?days=0', { status: 400, token: authorToken });
    await call('GET', '/api/admin/content-report', { status: 403, token: agentToken });
    const links = await call('GET', '/api/admin/broken-links', { status: 200, token: authorToken });
    assert.ok(links.body.links.length > 0, 'the test content has a broken link');
    await call('GET', '/api/admin/broken-links?lang=en-us&q=missing&limit=1&offset=0',
      { status: 200, token: authorToken });
    await call('GET', '/api/admin/broken-links?format=csv', { status: 200, token: authorToken });
    await call('GET', '/api/admin/broken-links?limit=0', { status: 400, token: authorToken });
    await call('GET', '/api/admin/broken-links', { status: 403, token: agentToken });
    await call('POST', '/api/admin/reindex', { status: 403, token: agentToken });
    await call('POST', '/api/admin/reindex', { status: 403, cookie, json: {} });
    const started = await call('POST', '/api/admin/reindex', { status: 202, cookie, csrf, json: { full: true } });
    assert.equal(started.headers.get('location'), started.body.status_url);
    let job;
    for (let i = 0; i < 100; i++) {
      job = await call('GET', started.body.status_url, { status: 200, token: authorToken });
      if (job.body.state !== 'running') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(job.body.state, 'done', JSON.stringify(job.body));
    assert.ok(job.body.summary && job.body.warnings.length > 0, 'a summary and the warnings');
    const gated = await call('POST', '/api/admin/reindex', { status: 202, token: authorToken, json: { gate: true } });
    for (let i = 0; i < 100; i++) {
      job = await call('GET', gated.body.status_url, { status: 200, token: authorToken });
      if (job.body.state !== 'running') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(job.body.gate, true);
    assert.ok(job.body.replay && job.body.summary && job.body.summary.replay, JSON.stringify(job.body));
    await call('GET', '/api/admin/reindex/R-000000000000', { status: 404, token: authorToken });
    const again = await call('POST', '/api/admin/reindex', { token: authorToken });
    assert.ok([202, 409].includes(again.status));

    await call('POST', '/logout', { status: 403, cookie, json: {} });
    await call('POST', '/logout', { status: 200, cookie, csrf, json: {} });
    const ended = await call('GET', '/api/me', { status: 401, cookie });
    assert.equal(ended.body.error, 'session_expired');
  });

  await t.test('errors outside any operation have the one error shape', async () => {
    const validate = ajv.getSchema('openapi.json#/components/schemas/Error');
    for (const [method, p, want] of [['POST', '/api/search', 405], ['GET', '/api/nothing', 404],
                                     ['DELETE', '/api/cases', 405]]) {
      const r = await fetch(`${base}${p}`, { method });
      assert.equal(r.status, want);
      const b = await r.json();
      assert.ok(validate(b), `${method} ${p}: ${JSON.stringify(b)}`);
    }
  });

  t.diagnostic(`${checked} answers checked against the document`);
  assert.ok(checked > 80, `${checked} answers checked against the document`);
});
