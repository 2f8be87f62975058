/* flex_server.js -- the FlexSearch peer for bench/run.sh: loads the
 * articles exported by kb-bench-export into one FlexSearch Index per
 * locale and answers
 *
 *   GET /search?q=&locale=&limit=   {"query","locale","total","hits":[{"id","title"}]}
 *   GET /healthz                    {"status":"ok","articles":N}
 *
 * over Node's http module on 127.0.0.1.
 *
 *   node flex_server.js --articles TSV [--port 0] [--default-locale en-us]
 *
 * The first line on stdout is "flex-server: listening on http://HOST:PORT/",
 * the second "flex-server: indexed N articles (B bytes) in S s".
 *
 * Index settings: tokenize "strict" (whole words, like the other
 * engines), Charset.Normalize (case and diacritics folded) or
 * Charset.CJK for zh/ja/ko; title and body in one field.  Searches use
 * suggest: true so that a document matching only some of the words is
 * still returned (an OR query, as for the other engines). */
'use strict';

const fs = require('fs');
const http = require('http');
const { Index, Charset } = require('flexsearch');

function parseArgs(argv) {
  const opt = { articles: null, port: 0, defaultLocale: 'en-us' };
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    if (a === '--articles') { opt.articles = v; i++; }
    else if (a === '--port') { opt.port = Number(v); i++; }
    else if (a === '--default-locale') { opt.defaultLocale = v; i++; }
    else {
      process.stderr.write(`flex-server: unknown option ${a}\n`);
      process.exit(2);
    }
  }
  if (!opt.articles) {
    process.stderr.write('Usage: node flex_server.js --articles TSV [--port N] [--default-locale LOC]\n');
    process.exit(2);
  }
  return opt;
}

function newIndex(locale) {
  const cjk = /^(zh|ja|ko)/.test(locale);
  return new Index({
    tokenize: 'strict',
    encoder: cjk ? Charset.CJK : Charset.Normalize,
  });
}

function load(path) {
  const t0 = process.hrtime.bigint();
  const byLocale = new Map(); /* locale -> { index, ids: [], titles: [] } */
  const text = fs.readFileSync(path, 'utf8');
  let articles = 0;
  let bytes = 0;
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end);
    start = end + 1;
    const f = line.split('\t');
    if (f.length < 4) continue;
    const locale = f[0] || 'en-us';
    let slot = byLocale.get(locale);
    if (!slot) {
      slot = { index: newIndex(locale), ids: [], titles: [] };
      byLocale.set(locale, slot);
    }
    const doc = slot.ids.length;
    slot.ids.push(f[1]);
    slot.titles.push(f[2]);
    slot.index.add(doc, f[2] + '\n' + f[3]);
    articles++;
    bytes += Buffer.byteLength(f[2]) + Buffer.byteLength(f[3]);
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { byLocale, articles, bytes, seconds };
}

function reply(res, status, obj) {
  const body = JSON.stringify(obj) + '\n';
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  });
  res.end(body);
}

function main() {
  const opt = parseArgs(process.argv);
  const kb = load(opt.articles);
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET') return reply(res, 405, { error: 'method_not_allowed' });
    const url = new URL(req.url, 'http://localhost');
    if (url.pathname === '/healthz') return reply(res, 200, { status: 'ok', articles: kb.articles });
    if (url.pathname !== '/search') return reply(res, 404, { error: 'not_found' });
    const q = url.searchParams.get('q');
    if (!q) return reply(res, 400, { error: 'missing_query' });
    let locale = (url.searchParams.get('locale') || opt.defaultLocale).toLowerCase();
    let slot = kb.byLocale.get(locale);
    if (!slot) {
      locale = opt.defaultLocale;
      slot = kb.byLocale.get(locale);
    }
    let limit = Number(url.searchParams.get('limit') || 10);
    if (!(limit >= 1 && limit <= 100)) limit = 10;
    const found = slot ? slot.index.search(q, { limit, suggest: true }) : [];
    const hits = found.map((d) => ({ id: slot.ids[d], title: slot.titles[d] }));
    return reply(res, 200, { query: q, locale, total: hits.length, hits });
  });
  server.keepAliveTimeout = 15000;
  server.listen(opt.port, '127.0.0.1', () => {
    const a = server.address();
    process.stdout.write(`flex-server: listening on http://${a.address}:${a.port}/\n`);
    process.stdout.write(`flex-server: indexed ${kb.articles} articles (${kb.bytes} bytes) in ${kb.seconds.toFixed(3)} s\n`);
  });
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main();
