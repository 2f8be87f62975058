#!/usr/bin/env bash
# bench/run.sh -- "Fast under load": kb-index and kb-serve against two
# peers, SQLite FTS5 (C API, in-process) and FlexSearch (behind Node's
# http server), on the same articles and the same queries, in one run.
#
#   bench/run.sh [--quick] [--scale] [--scale-1m] [--runs N] [--seconds S]
#                [--keep] [--out FILE] [--no-build] [--report DIR]
#
#   --quick      one run of each measurement, 3 s wrk runs, one pass
#                over the queries (a few minutes)
#   --scale      also the scaled corpus at 100k sections
#   --scale-1m   also 1M sections (implies --scale; long: tens of minutes)
#   --runs N     repeat every measurement N times and print medians (3)
#   --seconds S  length of each wrk run (10)
#   --keep       keep the work folder (indexes, raw key=value results)
#   --out FILE   also write the table to FILE
#   --no-build   use the binaries already in the build folder
#   --report DIR print the table again from a work folder kept by --keep
#
# Environment: BUILD_DIR (default <repo>/build), SHARED_DIR (default
# <repo>/../shared), TMPDIR (where the work folder and the scaled
# corpora go).  Needs wrk and the npm packages of bench/peers/:
# run bench/install-peers.sh once.
#
# Everything runs on 127.0.0.1; every load run is bounded in time.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
SHARED_DIR=${SHARED_DIR:-$ROOT/../shared}

RUNS=3
SECONDS_PER_WRK=10
PASSES=3
QUICK=0
SCALE=0
SCALE_1M=0
KEEP=0
OUT=
BUILD=1
REPORT=
CONNS="4 64 256"

usage() { sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
    case $1 in
    --quick) QUICK=1 RUNS=1 SECONDS_PER_WRK=3 PASSES=1 ;;
    --scale) SCALE=1 ;;
    --scale-1m) SCALE=1 SCALE_1M=1 ;;
    --runs) RUNS=$2; shift ;;
    --seconds) SECONDS_PER_WRK=$2; shift ;;
    --keep) KEEP=1 ;;
    --out) OUT=$2; shift ;;
    --no-build) BUILD=0 ;;
    --report) REPORT=$2; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
    esac
    shift
done
if [ -n "$REPORT" ]; then BUILD=0; fi

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# ---- prerequisites ------------------------------------------------------

command -v wrk >/dev/null || die "wrk not found: run bench/install-peers.sh"
command -v node >/dev/null || die "node not found: run bench/install-peers.sh"
[ -d "$HERE/peers/node_modules/flexsearch" ] ||
    die "FlexSearch not installed: run bench/install-peers.sh"
[ -d "$SHARED_DIR/eval/stackfaq/kb" ] || die "no corpora in $SHARED_DIR"

BENCH_TARGETS="kb-index kb-serve kb-bench-query kb-bench-fts5 kb-bench-http
    kb-bench-export kb-bench-gen"
if [ $BUILD = 1 ]; then
    log "building in $BUILD_DIR"
    cmake -S "$ROOT" -B "$BUILD_DIR" >/dev/null
    # shellcheck disable=SC2086
    cmake --build "$BUILD_DIR" -j2 --target $BENCH_TARGETS >/dev/null
fi
for t in $BENCH_TARGETS; do
    [ -x "$BUILD_DIR/$t" ] || die "$BUILD_DIR/$t is missing (build it or drop --no-build)"
done
B=$BUILD_DIR

if [ -n "$REPORT" ]; then
    WORK=$(cd "$REPORT" && pwd)
    KEEP=1
    [ -f "$WORK/config" ] || die "$WORK is not a kept bench work folder"
    # shellcheck disable=SC1091
    . "$WORK/config"
else
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/kb-bench.XXXXXX")
fi
RES=$WORK/results
mkdir -p "$RES"
PIDS=()

cleanup() {
    local p
    for p in "${PIDS[@]}"; do
        kill "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
    if [ $KEEP = 1 ]; then
        log "work folder kept: $WORK"
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- small helpers ------------------------------------------------------

now_ns() { date +%s%N; }

# kv FILE KEY: the value of KEY= in a key=value file.
kv() { awk -F= -v k="$2" '$1 == k { v = substr($0, length(k) + 2) } END { print v }' "$1"; }

# med KEY FILE...: the median of KEY over the files (lower middle for
# an even count); "-" when no file has it.
med() {
    local key=$1; shift
    local f
    for f in "$@"; do if [ -f "$f" ]; then kv "$f" "$key"; fi; done |
        awk 'NF && $1 != "" { print }' | sort -g |
        awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else print v[int((NR + 1) / 2)] }'
}

# fmt VALUE SCALE DECIMALS: VALUE/SCALE, or "-".
fmt() {
    awk -v v="$1" -v s="$2" -v d="$3" 'BEGIN {
        if (v == "-" || v == "") print "-"; else printf "%.*f\n", d, v / s }'
}

# ratio A B: A/B with two decimals, or "-".
ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN {
        if (a == "-" || b == "-" || a == "" || b == "" || b + 0 == 0) print "-";
        else printf "%.2fx\n", a / b }'
}

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
LOAD_LOG=$WORK/load.log
note_load() { echo "$(date +%H:%M:%S) $1 $(loadavg)" >>"$LOAD_LOG"; }

# vmhwm PID: peak resident set in kB.
vmhwm() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo -; }

corpus_bytes() {
    find "$1" -type f \( -name '*.md' -o -name '*.yml' \) -printf '%s\n' |
        awk '{ s += $1 } END { print s + 0 }'
}

# start_server NAME OUTFILE TIMEOUT_S CMD...: starts CMD in the
# background, waits for its "listening on http://HOST:PORT/" line and
# sets SERVER_PID and SERVER_PORT.
start_server() {
    local name=$1 out=$2 timeout=$3
    shift 3
    : >"$out"
    "$@" >>"$out" 2>"$out.err" &
    SERVER_PID=$!
    PIDS+=("$SERVER_PID")
    local waited=0
    SERVER_PORT=
    while [ $waited -lt $((timeout * 10)) ]; do
        SERVER_PORT=$(sed -n 's|.*listening on http://[^ ]*:\([0-9][0-9]*\)/.*|\1|p' "$out" | sed -n 1p)
        [ -n "$SERVER_PORT" ] && break
        kill -0 "$SERVER_PID" 2>/dev/null || die "$name exited: $(tail -3 "$out.err")"
        sleep 0.1
        waited=$((waited + 1))
    done
    [ -n "$SERVER_PORT" ] || die "$name did not start in $timeout s"
}

stop_server() {
    kill "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}

# ---- one corpus ---------------------------------------------------------

# bench_corpus NAME CONTENT_SRC QUERIES POLL_FILE POLL_LOCALE [FLEX=1]
#
# Copies CONTENT_SRC into the work folder (the reindex test edits the
# copy), indexes it RUNS times, exports the articles for the peers,
# then measures in-process latency (kb, FTS5), HTTP latency and wrk
# throughput (kb-serve, FlexSearch), peak RSS and the reindex delay.
bench_corpus() {
    local name=$1 src=$2 queries=$3 poll_file=$4 poll_locale=$5 flex=${6:-1}
    local dir=$WORK/$name r c
    local R=$RES/$name
    mkdir -p "$dir" "$R"
    case $src in
    "$WORK"/*) mv "$src" "$dir/content" ;; # generated here: no copy
    *) log "$name: copying the content"; cp -r "$src" "$dir/content" ;;
    esac
    corpus_bytes "$dir/content" >"$R/bytes"

    local index_runs=${INDEX_RUNS:-$RUNS}
    for r in $(seq 1 "$index_runs"); do
        log "$name: kb-index run $r/$index_runs"
        note_load "$name-index-$r"
        rm -rf "$dir/ix"
        local t0 t1
        t0=$(now_ns)
        "$B/kb-index" --full --json --quiet --content "$dir/content" --index "$dir/ix" \
            >"$dir/index.json" 2>"$dir/index.err" || [ $? = 1 ] ||
            die "$name: kb-index failed: $(tail -3 "$dir/index.err")"
        t1=$(now_ns)
        {
            echo "wall_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')"
            sed 's/[{}"]//g; s/,/\n/g; s/:/=/g' "$dir/index.json"
            echo "index_bytes=$(du -sb "$dir/ix" | cut -f1)"
        } >"$R/index.$r"
    done
    "$B/kb-bench-export" --index "$dir/ix" >"$dir/articles.tsv" 2>"$dir/export.err"

    for r in $(seq 1 "$RUNS"); do
        log "$name: in-process queries run $r/$RUNS (kb, FTS5)"
        note_load "$name-inproc-$r"
        "$B/kb-bench-query" --index "$dir/ix" --queries "$queries" --passes "$PASSES" \
            >"$R/kbq.$r"
        local reuse=
        [ "$r" -gt 1 ] && [ "${FTS_REUSE:-0}" = 1 ] && reuse=--reuse
        "$B/kb-bench-fts5" --articles "$dir/articles.tsv" --db "$dir/fts5.db" $reuse \
            --queries "$queries" --passes "$PASSES" >"$R/fts5.$r"
    done

    log "$name: starting kb-serve$([ "$flex" = 1 ] && echo " and the FlexSearch server")"
    start_server kb-serve "$dir/serve.out" 60 "$B/kb-serve" --index "$dir/ix" \
        --listen 127.0.0.1:0 --db "$dir/serve.db"
    local kb_pid=$SERVER_PID kb_port=$SERVER_PORT flex_pid= flex_port=
    if [ "$flex" = 1 ]; then
        start_server flex-server "$dir/flex.out" 1800 node "$HERE/peers/flex_server.js" \
            --articles "$dir/articles.tsv" --port 0
        flex_pid=$SERVER_PID flex_port=$SERVER_PORT
        sed -n 's/.*indexed \([0-9]*\) articles (\([0-9]*\) bytes) in \([0-9.]*\) s.*/articles=\1\ninput_bytes=\2\nbuild_s=\3/p' \
            "$dir/flex.out" >"$R/flexload"
    fi
    local kb_url="http://127.0.0.1:$kb_port/api/search?limit=10"
    local flex_url="http://127.0.0.1:$flex_port/search?limit=10"

    for r in $(seq 1 "$RUNS"); do
        log "$name: HTTP latency run $r/$RUNS"
        note_load "$name-http-$r"
        "$B/kb-bench-http" --url "$kb_url" --queries "$queries" --passes "$PASSES" \
            >"$R/kbh.$r"
        if [ "$flex" = 1 ]; then
            "$B/kb-bench-http" --url "$flex_url" --queries "$queries" \
                --passes "$PASSES" >"$R/flexh.$r"
        fi
        for c in $CONNS; do
            local t=2
            [ "$c" -lt 2 ] && t=1
            log "$name: wrk -c$c ${SECONDS_PER_WRK}s run $r/$RUNS"
            note_load "$name-wrk$c-$r"
            wrk -t$t -c"$c" -d"${SECONDS_PER_WRK}s" --timeout 10s -s "$HERE/wrk_queries.lua" \
                "http://127.0.0.1:$kb_port" -- "$queries" "/api/search?limit=10" \
                >"$R/kbw$c.$r" 2>&1
            if [ "$flex" = 1 ]; then
                wrk -t$t -c"$c" -d"${SECONDS_PER_WRK}s" --timeout 10s \
                    -s "$HERE/wrk_queries.lua" "http://127.0.0.1:$flex_port" -- "$queries" \
                    "/search?limit=10" >"$R/flexw$c.$r" 2>&1
            fi
        done
    done

    # The same load with kb-serve's result cache off: every search runs
    # the index, as when each query is new to the server.
    log "$name: starting kb-serve --cache-mb 0"
    start_server kb-serve "$dir/serve-nc.out" 60 "$B/kb-serve" --index "$dir/ix" \
        --listen 127.0.0.1:0 --db "$dir/serve-nc.db" --cache-mb 0
    local nc_pid=$SERVER_PID nc_port=$SERVER_PORT
    for r in $(seq 1 "$RUNS"); do
        for c in 4 64; do
            log "$name: wrk -c$c ${SECONDS_PER_WRK}s, cache off, run $r/$RUNS"
            note_load "$name-wrknc$c-$r"
            wrk -t2 -c"$c" -d"${SECONDS_PER_WRK}s" --timeout 10s -s "$HERE/wrk_queries.lua" \
                "http://127.0.0.1:$nc_port" -- "$queries" "/api/search?limit=10" \
                >"$R/kbwnc$c.$r" 2>&1
        done
    done
    stop_server "$nc_pid"

    if [ -n "$poll_file" ]; then
        for r in $(seq 1 "$RUNS"); do
            # A word no article has: letters only, new in every run.
            local word
            word=kbbenchmarker$(echo "$r$RANDOM" | tr 0-9 a-j)
            log "$name: reindex run $r/$RUNS ($poll_file)"
            note_load "$name-reindex-$r"
            printf '\n\nReindex check: %s.\n' "$word" >>"$dir/content/$poll_file"
            local t0 t1 t2
            t0=$(now_ns)
            "$B/kb-index" --json --quiet --content "$dir/content" --index "$dir/ix" \
                >"$dir/reindex.json" 2>"$dir/reindex.err" || [ $? = 1 ] ||
                die "$name: kb-index (reindex) failed: $(tail -3 "$dir/reindex.err")"
            t1=$(now_ns)
            "$B/kb-bench-http" --url "$kb_url${poll_locale:+&locale=$poll_locale}" \
                --poll "$word" --timeout-ms 10000 >"$R/poll.$r" || true
            t2=$(now_ns)
            {
                awk -v a="$t0" -v b="$t1" 'BEGIN { printf "index_ms=%.1f\n", (b - a) / 1e6 }'
                awk -v a="$t0" -v b="$t2" 'BEGIN { printf "total_ms=%.1f\n", (b - a) / 1e6 }'
            } >>"$R/poll.$r"
        done
    fi

    vmhwm "$kb_pid" >"$R/kbrss"
    stop_server "$kb_pid"
    if [ "$flex" = 1 ]; then
        echo "$(vmhwm "$flex_pid")" >"$R/flexrss"
        stop_server "$flex_pid"
    fi
    awk -F'\t' 'END { print NR }' "$queries" >"$R/nqueries"
}

# bench_locale_latency NAME INDEX QUERIES TAG: latencies of one query
# file for the foundation figures, in-process and over HTTP (to the
# kb-serve at $KB_URL).
bench_locale_latency() {
    local name=$1 index=$2 qfile=$3 tag=$4
    local R=$RES/$name r
    mkdir -p "$R"
    for r in $(seq 1 "$RUNS"); do
        "$B/kb-bench-query" --index "$index" --queries "$qfile" --passes "$PASSES" \
            >"$R/kbq-$tag.$r"
        "$B/kb-bench-http" --url "$KB_URL" --queries "$qfile" --passes "$PASSES" \
            >"$R/kbh-$tag.$r"
    done
}

# ---- the table ----------------------------------------------------------

TABLE=$WORK/table.txt
: >"$TABLE"
out() { printf "$@" >>"$TABLE"; }
ROWFMT="%-30s %12s %12s %12s %10s %10s   %s\n"
row() { out "$ROWFMT" "$@"; }

# wrk_errors FILE...: socket errors and non-2xx answers over the files.
wrk_errors() {
    local f
    for f in "$@"; do
        if [ -f "$f" ]; then cat "$f"; fi
    done | awk -F= '$1 ~ /^wrk_(errors|non2xx)$/ { s += $2 } END { print s + 0 }'
}

# verdict OP VALUE LIMIT: MET / MISSED for VALUE OP LIMIT.
verdict() {
    awk -v op="$1" -v v="$2" -v l="$3" 'BEGIN {
        if (v == "-" || v == "" || l == "-" || l == "") { print "n/a"; exit }
        if (op == "<") ok = v + 0 < l + 0
        else if (op == "<=") ok = v + 0 <= l + 0
        else if (op == ">=") ok = v + 0 >= l + 0
        else ok = v + 0 > l + 0
        print ok ? "MET" : "MISSED" }'
}

TARGETS=$WORK/targets.txt
: >"$TARGETS"
target() { printf '%-62s %-10s %s\n' "$1" "$2" "$3" >>"$TARGETS"; }

# table_corpus NAME TITLE: the side-by-side rows of one corpus.
table_corpus() {
    local name=$1 title=$2 c
    local R=$RES/$name
    local arts secs bytes nq
    arts=$(med articles "$R"/index.*)
    secs=$(med sections "$R"/index.*)
    bytes=$(cat "$R/bytes")
    nq=$(cat "$R/nqueries" 2>/dev/null || echo -)
    out "\n== %s: %s articles, %s sections, %s MB of Markdown, %s queries ==\n" \
        "$title" "$arts" "$secs" "$(fmt "$bytes" 1e6 1)" "$nq"
    row "metric" "kb" "SQLite FTS5" "FlexSearch" "kb/FTS5" "kb/Flex" "target"
    row "------" "--" "-----------" "----------" "-------" "-------" "------"

    local kb_aps kb_mbs kb_s f_aps f_mbs f_s x_aps x_mbs x_s
    kb_s=$(med wall_s "$R"/index.*)
    kb_aps=$(awk -v a="$arts" -v s="$kb_s" 'BEGIN { printf "%.0f", a / s }')
    kb_mbs=$(awk -v b="$bytes" -v s="$kb_s" 'BEGIN { printf "%.2f", b / 1e6 / s }')
    f_s=$(med build_s "$R"/fts5.*)
    f_aps=$(med articles_per_s "$R"/fts5.*)
    f_mbs=$(med mb_per_s "$R"/fts5.*)
    x_s=$(med build_s "$R/flexload")
    x_aps=$(awk -v a="$(med articles "$R/flexload")" -v s="$x_s" 'BEGIN {
        if (s == "-" || s + 0 == 0) print "-"; else printf "%.0f", a / s }')
    x_mbs=$(awk -v a="$(med input_bytes "$R/flexload")" -v s="$x_s" 'BEGIN {
        if (s == "-" || s + 0 == 0) print "-"; else printf "%.2f", a / 1e6 / s }')
    row "index time s" "$kb_s" "$f_s" "$x_s" "$(ratio "$kb_s" "$f_s")" "$(ratio "$kb_s" "$x_s")" ""
    row "index articles/s" "$kb_aps" "$f_aps" "$x_aps" "$(ratio "$kb_aps" "$f_aps")" \
        "$(ratio "$kb_aps" "$x_aps")" ">= 1000 $(verdict '>=' "$kb_aps" 1000)"
    target "$name: indexing >= 1,000 articles/s ($kb_aps)" "$(verdict '>=' "$kb_aps" 1000)" ""
    row "index MB/s" "$kb_mbs" "$f_mbs" "$x_mbs" "$(ratio "$kb_mbs" "$f_mbs")" \
        "$(ratio "$kb_mbs" "$x_mbs")" ""
    local kb_sz f_sz
    kb_sz=$(fmt "$(med index_bytes "$R"/index.*)" 1e6 1)
    f_sz=$(fmt "$(med db_bytes "$R"/fts5.*)" 1e6 1)
    row "index size MB" "$kb_sz" "$f_sz" "(memory)" "$(ratio "$kb_sz" "$f_sz")" "-" ""

    local p k f
    for p in p50 p99 p999; do
        k=$(fmt "$(med q_${p}_us "$R"/kbq.*)" 1000 3)
        f=$(fmt "$(med q_${p}_us "$R"/fts5.*)" 1000 3)
        local tgt=""
        if [ $p = p50 ]; then
            tgt="< FTS5 $(verdict '<' "$k" "$f")"
            target "$name: in-process p50 below FTS5 ($k vs $f ms)" "$(verdict '<' "$k" "$f")" ""
        fi
        row "in-process $p ms" "$k" "$f" "-" "$(ratio "$k" "$f")" "-" "$tgt"
    done
    row "in-process hits/query" "$(med hits_avg "$R"/kbq.*)" "$(med hits_avg "$R"/fts5.*)" \
        "-" "" "" ""
    for p in p50 p99 p999; do
        k=$(fmt "$(med http_${p}_us "$R"/kbh.*)" 1000 3)
        f=$(fmt "$(med http_${p}_us "$R"/flexh.*)" 1000 3)
        row "HTTP 1 conn $p ms" "$k" "-" "$f" "-" "$(ratio "$k" "$f")" ""
    done
    row "HTTP hits/query" "$(med hits_avg "$R"/kbh.*)" "-" "$(med hits_avg "$R"/flexh.*)" \
        "" "" ""
    for c in $CONNS; do
        local kr fr kp fp ke fe
        kr=$(fmt "$(med wrk_rps "$R"/kbw$c.*)" 1 0)
        fr=$(fmt "$(med wrk_rps "$R"/flexw$c.*)" 1 0)
        kp=$(fmt "$(med wrk_p99_us "$R"/kbw$c.*)" 1000 2)
        fp=$(fmt "$(med wrk_p99_us "$R"/flexw$c.*)" 1000 2)
        local tr="" tp=""
        if [ "$c" = 4 ] || [ "$c" = 64 ]; then
            local two
            two=$(awk -v f="$fr" 'BEGIN { if (f == "-") print "-"; else print 2 * f }')
            tr=">= 2x Flex $(verdict '>=' "$kr" "$two")"
            if [ "$fr" != "-" ]; then
                target "$name: kb-serve >= 2x FlexSearch req/s at $c conns ($kr vs $fr)" \
                    "$(verdict '>=' "$kr" "$two")" ""
            fi
        fi
        if [ "$c" = 4 ]; then
            tp="<= 2 ms $(verdict '<=' "$kp" 2)"
            target "$name: kb-serve p99 <= 2 ms at 4 conns ($kp ms)" "$(verdict '<=' "$kp" 2)" ""
        fi
        row "wrk c=$c req/s" "$kr" "-" "$fr" "-" "$(ratio "$kr" "$fr")" "$tr"
        row "wrk c=$c p50 ms" "$(fmt "$(med wrk_p50_us "$R"/kbw$c.*)" 1000 2)" "-" \
            "$(fmt "$(med wrk_p50_us "$R"/flexw$c.*)" 1000 2)" "-" "" ""
        row "wrk c=$c p99 ms" "$kp" "-" "$fp" "-" "$(ratio "$kp" "$fp")" "$tp"
        row "wrk c=$c p99.9 ms" "$(fmt "$(med wrk_p999_us "$R"/kbw$c.*)" 1000 2)" "-" \
            "$(fmt "$(med wrk_p999_us "$R"/flexw$c.*)" 1000 2)" "-" "" ""
        ke=$(wrk_errors "$R"/kbw$c.*)
        fe=$(wrk_errors "$R"/flexw$c.*)
        if [ "$ke" != 0 ] || [ "$fe" != 0 ]; then
            row "wrk c=$c errors (all runs)" "$ke" "-" "$fe" "" "" ""
        fi
    done
    for c in 4 64; do
        if ls "$R"/kbwnc$c.* >/dev/null 2>&1; then
            local nr np
            nr=$(fmt "$(med wrk_rps "$R"/kbwnc$c.*)" 1 0)
            np=$(fmt "$(med wrk_p99_us "$R"/kbwnc$c.*)" 1000 2)
            row "wrk c=$c req/s, cache off" "$nr" "-" "$(fmt "$(med wrk_rps "$R"/flexw$c.*)" 1 0)" \
                "-" "$(ratio "$nr" "$(fmt "$(med wrk_rps "$R"/flexw$c.*)" 1 0)")" ""
            row "wrk c=$c p99 ms, cache off" "$np" "-" \
                "$(fmt "$(med wrk_p99_us "$R"/flexw$c.*)" 1000 2)" "-" "" ""
        fi
    done
    local krss frss
    krss=$(fmt "$(cat "$R/kbrss")" 1024 1)
    frss=$(fmt "$(cat "$R/flexrss" 2>/dev/null || echo -)" 1024 1)
    local rss_target=""
    if [ "$name" = scale100k ]; then
        rss_target="< 64 MB $(verdict '<' "$krss" 64)"
        target "$name: kb-serve peak RSS < 64 MB ($krss MB)" "$(verdict '<' "$krss" 64)" ""
    fi
    row "server peak RSS MB" "$krss" "-" "$frss" "-" "$(ratio "$krss" "$frss")" \
        "$rss_target"
    if ls "$R"/poll.* >/dev/null 2>&1; then
        local tot idx
        tot=$(med total_ms "$R"/poll.*)
        idx=$(med index_ms "$R"/poll.*)
        row "reindex 1 article + visible ms" "$tot" "-" "-" "" "" \
            "< 1000 $(verdict '<' "$tot" 1000)"
        row "  of which kb-index ms" "$idx" "-" "-" "" "" ""
        target "$name: one changed article searchable < 1 s ($tot ms)" \
            "$(verdict '<' "$tot" 1000)" ""
    fi
    if [ "$name" = scale100k ] || [ "$name" = scale1m ]; then
        local k99
        k99=$(fmt "$(med q_p99_us "$R"/kbq.*)" 1000 3)
        target "$name: in-process p99 < 5 ms ($k99 ms)" "$(verdict '<' "$k99" 5)" ""
        k99=$(fmt "$(med wrk_p99_us "$R"/kbw4.*)" 1000 3)
        target "$name: HTTP p99 at 4 conns < 5 ms ($k99 ms)" "$(verdict '<' "$k99" 5)" ""
    fi
}

# ---- the runs -----------------------------------------------------------

QDIR=$WORK/queries
PC=$SHARED_DIR/corpus/partner-center

first_md() {
    local f
    for f in "$1"/*.md; do
        basename "$f"
        return
    done
}

# measure_all: every measurement; raw results go to $RES, the settings
# to $WORK/config (read back by --report).
measure_all() {
    local l n reps tag flex runs
    RUN_DATE=$(date -u +%Y-%m-%dT%H:%MZ)
    START_LOAD=$(loadavg)
    log "load average at start: $START_LOAD (work folder $WORK)"
    top -bn1 | awk 'NR <= 15' >"$WORK/top-start.txt" 2>/dev/null || true

    mkdir -p "$QDIR"
    awk -F'\t' 'NF >= 2 && $2 != "" { print "\t" $2 }' \
        "$SHARED_DIR/eval/stackfaq/queries.tsv" >"$QDIR/stackfaq.tsv"
    : >"$QDIR/pc.tsv"
    for l in ru-ru zh-cn de-de; do
        awk -F'\t' -v l=$l 'NR > 1 && $1 != "" { print l "\t" $1 }' \
            "$PC/anchor-queries-$l.tsv" >"$QDIR/pc-$l.tsv"
        cat "$QDIR/pc-$l.tsv" >>"$QDIR/pc.tsv"
    done
    cat "$QDIR/stackfaq.tsv" "$QDIR/pc.tsv" >"$QDIR/mixed.tsv"
    # The scaled corpora get every 7th of those (533 queries, both
    # languages and all locales): a query there costs many times more.
    awk 'NR % 7 == 1' "$QDIR/mixed.tsv" >"$QDIR/scale.tsv"

    # The article the reindex test changes, one per corpus.
    local sf_poll pc_poll
    sf_poll=$(first_md "$SHARED_DIR/eval/stackfaq/kb")
    pc_poll=ru-ru/partner-center/$(first_md "$PC/ru-ru/partner-center")

    bench_corpus stackfaq "$SHARED_DIR/eval/stackfaq/kb" "$QDIR/stackfaq.tsv" "$sf_poll" ""
    bench_corpus partner-center "$PC" "$QDIR/pc.tsv" "$pc_poll" ru-ru

    # Foundation figures: latency per anchor-query file.
    log "partner-center: latency per anchor-query file"
    start_server kb-serve "$WORK/partner-center/serve2.out" 60 "$B/kb-serve" \
        --index "$WORK/partner-center/ix" --listen 127.0.0.1:0 \
        --db "$WORK/partner-center/serve2.db"
    KB_URL="http://127.0.0.1:$SERVER_PORT/api/search?limit=10"
    for l in ru-ru zh-cn de-de; do
        bench_locale_latency partner-center "$WORK/partner-center/ix" "$QDIR/pc-$l.tsv" "$l"
    done
    stop_server "$SERVER_PID"

    if [ $SCALE = 1 ]; then
        local gen_src=(stackfaq="$SHARED_DIR/eval/stackfaq/kb"
            scifact="$SHARED_DIR/eval/scifact/kb" cacm="$SHARED_DIR/eval/cacm/kb" pc="$PC")
        log "scale: measuring sections per replica"
        "$B/kb-bench-gen" --out "$WORK/gen1" --replicas 1 "${gen_src[@]}" >/dev/null
        "$B/kb-index" --full --json --quiet --content "$WORK/gen1" --index "$WORK/gen1-ix" \
            >"$WORK/gen1.json" 2>/dev/null || true
        local per_replica
        per_replica=$(sed -n 's/.*"sections":\([0-9]*\).*/\1/p' "$WORK/gen1.json")
        rm -rf "$WORK/gen1" "$WORK/gen1-ix"
        if [ -z "$per_replica" ] || [ "$per_replica" -eq 0 ]; then
            die "scale: no sections in one replica"
        fi
        local sizes=100000
        if [ $SCALE_1M = 1 ]; then sizes="100000 1000000"; fi
        for n in $sizes; do
            reps=$(((n + per_replica - 1) / per_replica))
            tag=scale100k
            if [ "$n" = 1000000 ]; then tag=scale1m; fi
            log "$tag: generating $reps replicas ($per_replica sections each)"
            "$B/kb-bench-gen" --out "$WORK/gen-$tag" --replicas "$reps" "${gen_src[@]}" \
                >"$WORK/gen-$tag.kv"
            # A big corpus is indexed once (each run takes minutes), FTS5
            # builds once and the latency runs make one pass; the load runs
            # repeat as usual.
            # At 1M everything runs once and FlexSearch is left out (it
            # keeps the whole index in the JavaScript heap).
            flex=1 runs=$RUNS
            if [ "$tag" = scale1m ]; then
                flex=0 runs=1
            fi
            RUNS=$runs INDEX_RUNS=1 FTS_REUSE=1 PASSES=1 bench_corpus "$tag" "$WORK/gen-$tag" \
                "$QDIR/scale.tsv" "en-us/r000/stackfaq/$sf_poll" "" "$flex"
            if [ $KEEP = 0 ]; then
                rm -rf "$WORK/$tag/content" "$WORK/$tag/ix" "$WORK/$tag/fts5.db" \
                    "$WORK/$tag/articles.tsv"
            fi
        done
    fi

    END_LOAD=$(loadavg)
    cat >"$WORK/config" <<EOF_CONFIG
RUN_DATE="$RUN_DATE"
RUNS=$RUNS
PASSES=$PASSES
SECONDS_PER_WRK=$SECONDS_PER_WRK
SCALE=$SCALE
SCALE_1M=$SCALE_1M
START_LOAD="$START_LOAD"
END_LOAD="$END_LOAD"
EOF_CONFIG
}

if [ -z "$REPORT" ]; then
    measure_all
fi

# ---- print --------------------------------------------------------------

{
    echo "kb bench: $RUN_DATE on $(nproc) cores, $(uname -sr)"
    echo "runs per measurement: $RUNS (medians shown), query passes: $PASSES, wrk: ${SECONDS_PER_WRK} s per run, 2 threads"
    echo "load average at start: $START_LOAD; at end: $END_LOAD; highest 1-min load seen between measurements: $(awk '{ if ($3 > m) m = $3 } END { print m + 0 }' "$LOAD_LOG")"
    echo "kb = kb-index / libkb (in-process) / kb-serve (HTTP); FTS5 = SQLite $(sqlite3 --version 2>/dev/null | cut -d' ' -f1) in-process;"
    echo "FlexSearch $(node -p "require('$HERE/peers/node_modules/flexsearch/package.json').version") on Node $(node --version) http."
    echo "Ratios are kb / peer: above 1 is better for rates, below 1 is better for times, sizes and memory."
} >>"$TABLE"
table_corpus stackfaq "StackFAQ (eval/stackfaq)"
table_corpus partner-center "Partner Center (corpus/partner-center, locale= per query)"
if [ $SCALE = 1 ]; then
    table_corpus scale100k "Scaled corpus, 100k sections (every 7th query of both sets; 1 pass)"
    if [ $SCALE_1M = 1 ]; then
        table_corpus scale1m "Scaled corpus, 1M sections (as 100k; 1 run; no FlexSearch)"
    fi
fi

{
    echo
    echo "== Foundation figures: Partner Center =="
    R=$RES/partner-center
    printf '%-40s %s s (%s articles, %s sections; median of %s)\n' "kb-index --full time" \
        "$(med wall_s "$R"/index.*)" "$(med articles "$R"/index.*)" \
        "$(med sections "$R"/index.*)" "$RUNS"
    printf '%-22s %10s %10s %10s %10s %10s\n' "anchor queries" "queries" "in-proc p50" \
        "in-proc p99" "HTTP p50" "HTTP p99"
    for l in ru-ru zh-cn de-de; do
        printf '%-22s %10s %10s %10s %10s %10s   (ms)\n' "anchor-queries-$l" \
            "$(awk 'END { print NR }' "$QDIR/pc-$l.tsv")" \
            "$(fmt "$(med q_p50_us "$R"/kbq-$l.*)" 1000 3)" \
            "$(fmt "$(med q_p99_us "$R"/kbq-$l.*)" 1000 3)" \
            "$(fmt "$(med http_p50_us "$R"/kbh-$l.*)" 1000 3)" \
            "$(fmt "$(med http_p99_us "$R"/kbh-$l.*)" 1000 3)"
    done
    echo
    echo "== Targets =="
    cat "$TARGETS"
} >>"$TABLE"

cat "$TABLE"
[ -n "$OUT" ] && cp "$TABLE" "$OUT"
exit 0
