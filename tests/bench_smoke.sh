#!/bin/sh
# ctest test_bench_smoke: the bench programs still run and still measure
# something, on the sample content and a few of its questions, in a few
# seconds -- the quick smoke test of bench/run.sh's tools (the real
# figures come from bench/run.sh, never from a timed test):
#   kb-bench-export   the index's articles as TSV for the FTS5 peer
#   kb-bench-query    in-process search latency over libkb
#   kb-bench-fts5     the SQLite FTS5 peer on the same articles
#   kb-bench-http     HTTP latency against a real kb-serve
#   kb-bench-gen      the scaled-corpus generator
# Each must exit 0 and print its key=value lines with sane values: every
# question found something, percentiles in order.
#
#   tests/bench_smoke.sh BUILD_DIR SOURCE_DIR
set -eu
B=$1
S=$2
dir=$(mktemp -d "${TMPDIR:-/tmp}/kb-bench-smoke-XXXXXX")
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$dir"
}
trap cleanup EXIT
fail() {
    echo "bench_smoke: FAIL: $*" >&2
    exit 1
}
# value KEY FILE: the value of the last KEY=... line.
value() { sed -n "s/^$1=//p" "$2" | tail -n 1; }
# Checks the latency keys PREFIX_p50_us <= PREFIX_p99_us and n > 0.
check_latency() {
    p50=$(value "${1}_p50_us" "$2")
    p99=$(value "${1}_p99_us" "$2")
    n=$(value "${1}_n" "$2")
    [ -n "$p50" ] && [ -n "$p99" ] && [ -n "$n" ] || fail "$2: no ${1}_* latency lines"
    awk -v a="$p50" -v b="$p99" -v n="$n" 'BEGIN { exit !(n > 0 && a > 0 && a <= b) }' ||
        fail "$2: ${1} latencies out of order (n=$n p50=$p50 p99=$p99)"
}

printf '\tforgot password\nen-us\tinvoice late fee\nen-us\tcharged twice\nru-ru\tпароль\n' \
    >"$dir/q.tsv"
"$B/kb-index" --content "$S/content" --index "$dir/ix" --quiet || fail "kb-index"

"$B/kb-bench-export" --index "$dir/ix" >"$dir/articles.tsv" 2>"$dir/export.err" ||
    fail "kb-bench-export: $(cat "$dir/export.err")"
[ "$(wc -l <"$dir/articles.tsv")" -ge 20 ] || fail "kb-bench-export wrote too few articles"

"$B/kb-bench-query" --index "$dir/ix" --queries "$dir/q.tsv" --passes 2 >"$dir/query.out" ||
    fail "kb-bench-query"
check_latency "$(sed -n 's/_p50_us=.*//p' "$dir/query.out" | head -n 1)" "$dir/query.out"
grep -q '^zero_hit_pct=0' "$dir/query.out" || fail "kb-bench-query: a question found nothing"

"$B/kb-bench-fts5" --articles "$dir/articles.tsv" --db "$dir/fts5.db" --queries "$dir/q.tsv" \
    --passes 2 >"$dir/fts5.out" || fail "kb-bench-fts5"
check_latency "$(sed -n 's/_p50_us=.*//p' "$dir/fts5.out" | head -n 1)" "$dir/fts5.out"

"$B/kb-serve" --index "$dir/ix" --db "$dir/kb.db" --web "$S/web" --listen 127.0.0.1:0 \
    >"$dir/serve.out" 2>"$dir/serve.err" &
pid=$!
url=
for _ in $(seq 100); do
    url=$(sed -n 's|^kb-serve: listening on \(http://[^/]*\)/.*|\1|p' "$dir/serve.out")
    [ -n "$url" ] && break
    kill -0 "$pid" 2>/dev/null || fail "kb-serve did not start: $(cat "$dir/serve.err")"
    sleep 0.1
done
[ -n "$url" ] || fail "kb-serve did not say where it listens"
"$B/kb-bench-http" --url "$url/api/search" --queries "$dir/q.tsv" --passes 2 \
    >"$dir/http.out" || fail "kb-bench-http"
check_latency http "$dir/http.out"
[ "$(value failed "$dir/http.out")" = 0 ] || fail "kb-bench-http: failed requests"
[ "$(value zero_hit_pct "$dir/http.out")" = 0.0 ] ||
    fail "kb-bench-http: a question found nothing over HTTP (or its answers were not read)"

"$B/kb-bench-gen" --out "$dir/gen" --replicas 2 sample="$S/content" >"$dir/gen.out" 2>&1 ||
    fail "kb-bench-gen: $(tail -n 3 "$dir/gen.out")"
"$B/kb-index" --content "$dir/gen" --index "$dir/gen-ix" --json --quiet >"$dir/gen.json" 2>"$dir/gen.err" ||
    fail "kb-index on the generated corpus"
grep -q '"errors":0' "$dir/gen.json" || fail "the generated corpus has errors: $(cat "$dir/gen.json")"
echo "bench_smoke: ok ($(value queries "$dir/query.out") questions; in-process, FTS5 and HTTP measured)"
