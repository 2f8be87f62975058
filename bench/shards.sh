#!/usr/bin/env bash
# bench/shards.sh -- query latency on one index against the same articles
# as three shards, in one run: kb-index writes both, three xapian-tcpsrv
# serve the shards on 127.0.0.1, and kb-bench-query (one read handle, as
# one kb-serve worker thread) times every query with facets on
#
#   local      the plain index folder
#   shards     the folder of three shards, opened locally (Xapian's multi-
#              database: the cost of the layout alone)
#   remote     a stub of the three shards served by xapian-tcpsrv (what
#              front ends of a sharded cluster do, over loopback)
#
#   bench/shards.sh [--corpus DIR] [--queries FILE] [--runs N] [--passes N]
#                   [--no-build]
#
#   --corpus DIR   articles to index (default: the StackFAQ collection of
#                  $SHARED_DIR/eval, else content/)
#   --queries FILE 'locale<TAB>query' lines (default: StackFAQ's questions,
#                  else the titles of the corpus)
#   --runs N       measurements of each setup, interleaved (default 3);
#                  the medians are printed last
#   --passes N     passes over the queries per measurement (default 2)
#   --no-build     use the binaries already in the build folder
#
# Environment: BUILD_DIR (default <repo>/build), SHARED_DIR (default
# <repo>/../shared), TMPDIR.  Needs xapian-tools.  The replication delay
# of the replicated setup is bench/cluster.sh's.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
SHARED_DIR=${SHARED_DIR:-$ROOT/../shared}
RUNS=3
PASSES=2
BUILD=1
CORPUS=
QUERIES=

die() { echo "shards.sh: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
    case "$1" in
    --corpus) CORPUS=${2:?--corpus needs a folder}; shift 2 ;;
    --queries) QUERIES=${2:?--queries needs a file}; shift 2 ;;
    --runs) RUNS=${2:?--runs needs N}; shift 2 ;;
    --passes) PASSES=${2:?--passes needs N}; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    -h|--help) sed -n '2,28p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $1 (--help)" ;;
    esac
done
case "$RUNS$PASSES" in *[!0-9]*) die "--runs and --passes want numbers" ;; esac
command -v xapian-tcpsrv >/dev/null || die "xapian-tcpsrv is missing (apt-get install xapian-tools)"
if [ "$BUILD" = 1 ]; then
    cmake -S "$ROOT" -B "$BUILD_DIR" >/dev/null
    nice cmake --build "$BUILD_DIR" -j2 --target kb-index kb-bench-query >/dev/null
fi
B=$BUILD_DIR
[ -x "$B/kb-index" ] && [ -x "$B/kb-bench-query" ] || die "no kb-index/kb-bench-query in $B"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/kb-bench-shards.XXXXXX")
PIDS=()
cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill -TERM -- "-$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT

if [ -z "$CORPUS" ]; then
    CORPUS=$SHARED_DIR/eval/stackfaq/kb
    [ -d "$CORPUS" ] || CORPUS=$ROOT/content
fi
if [ -z "$QUERIES" ]; then
    QUERIES=$WORK/queries.tsv
    if [ -f "$SHARED_DIR/eval/stackfaq/queries.tsv" ] && [ "$CORPUS" = "$SHARED_DIR/eval/stackfaq/kb" ]; then
        awk -F'\t' 'NF >= 2 && $2 != "" { print "\t" $2 }' "$SHARED_DIR/eval/stackfaq/queries.tsv" >"$QUERIES"
    else
        grep -rh '^title:' "$CORPUS" | sed 's/^title: *//; s/"//g; s/^/\t/' >"$QUERIES"
    fi
fi
echo "corpus $CORPUS, $(wc -l <"$QUERIES") queries, $RUNS runs of $PASSES passes (load average $(cut -d' ' -f1-3 /proc/loadavg))"

"$B/kb-index" --content "$CORPUS" --index "$WORK/local" --quiet || [ $? -eq 1 ]
"$B/kb-index" --content "$CORPUS" --index "$WORK/shards" --shards 3 --quiet || [ $? -eq 1 ]

# Three xapian-tcpsrv, each in a session of its own (it signals its group).
free_port() {
    local p
    while :; do
        p=$((20000 + RANDOM % 30000))
        (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
    done
}
echo "aux $WORK/shards/aux" >"$WORK/remote.stub"
for s in 1 2 3; do
    port=$(free_port)
    setsid xapian-tcpsrv --interface 127.0.0.1 --port "$port" "$WORK/shards/shard$s" \
        </dev/null >/dev/null 2>&1 &
    PIDS+=($!)
    for _ in $(seq 1 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
        sleep 0.05
    done
    echo "remote :127.0.0.1:$port" >>"$WORK/remote.stub"
done

declare -A P50 P90
SETUPS="local shards remote"
for r in $(seq 1 "$RUNS"); do
    for s in $SETUPS; do
        ix=$WORK/$s
        [ "$s" = remote ] && ix=$WORK/remote.stub
        out=$("$B/kb-bench-query" --index "$ix" --queries "$QUERIES" --passes "$PASSES" --facets)
        p50=$(sed -n 's/^q_p50_us=//p' <<<"$out")
        p90=$(sed -n 's/^q_p90_us=//p' <<<"$out")
        printf 'run %d %-7s p50 %8.0f us  p90 %8.0f us\n' "$r" "$s" "$p50" "$p90"
        P50[$s]="${P50[$s]:-} $p50"
        P90[$s]="${P90[$s]:-} $p90"
    done
done
median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
echo
printf '%-8s %12s %12s %10s\n' setup "median p50" "median p90" "p50 ratio"
base=$(median <<<"${P50[local]}")
for s in $SETUPS; do
    m=$(median <<<"${P50[$s]}")
    printf '%-8s %9.0f us %9.0f us %9.2fx\n' "$s" "$m" "$(median <<<"${P90[$s]}")" \
        "$(awk -v a="$m" -v b="$base" 'BEGIN { print a / b }')"
done
