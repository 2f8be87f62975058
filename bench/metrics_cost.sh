#!/bin/bash
# bench/metrics_cost.sh -- what counting every request for GET /metrics
# costs a search: the kb-serve of BUILD (which counts) against the
# kb-serve of a build made from a commit before the counters (--base),
# on StackFAQ's articles and test queries, in one run, interleaved.
#
#   bench/metrics_cost.sh --base DIR [--build DIR] [--rounds N] [--seconds S]
#
# --base DIR   a build folder whose kb-serve has no /metrics (made, for
#              example, with: git archive COMMIT | tar -x -C /tmp/base;
#              cmake -S /tmp/base -B /tmp/base/build; cmake --build
#              /tmp/base/build --target kb-serve)
# --build DIR  the build to measure (build/): kb-serve, kb-index,
#              kb-bench-http
# --rounds N   rounds (5); each runs both servers, in alternating order
# --seconds S  length of each wrk run (3)
#
# Each round, per server: kb-bench-http (one keep-alive connection,
# every query once after a warm-up pass, so the searches come from the
# result cache, where a fixed cost per request weighs most), then wrk
# -t2 -c4 with bench/wrk_queries.lua.  Prints the median over the
# rounds of each figure and the ratio counted/base.  Servers listen on
# 127.0.0.1 only and are stopped at the end.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
BUILD=$ROOT/build
BASE=""
ROUNDS=5
SECS=3
SHARED_DIR=${SHARED_DIR:-$ROOT/../shared}
while [ $# -gt 0 ]; do
    case $1 in
    --base) BASE=$2; shift ;;
    --build) BUILD=$2; shift ;;
    --rounds) ROUNDS=$2; shift ;;
    --seconds) SECS=$2; shift ;;
    -h | --help) sed -n '2,24s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "metrics_cost.sh: unknown argument '$1'" >&2; exit 2 ;;
    esac
    shift
done
[ -n "$BASE" ] && [ -x "$BASE/kb-serve" ] || { echo "metrics_cost.sh: --base DIR with a kb-serve is required" >&2; exit 2; }
for p in kb-serve kb-index kb-bench-http; do
    [ -x "$BUILD/$p" ] || { echo "metrics_cost.sh: no $BUILD/$p (build it first)" >&2; exit 2; }
done
command -v wrk >/dev/null || { echo "metrics_cost.sh: wrk is not installed (scripts/install-deps.sh)" >&2; exit 2; }
[ -d "$SHARED_DIR/eval/stackfaq/kb" ] || { echo "metrics_cost.sh: no $SHARED_DIR/eval/stackfaq" >&2; exit 2; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/kb-metrics-cost.XXXXXX")
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
awk -F'\t' 'NF >= 2 && $2 != "" { print "\t" $2 }' "$SHARED_DIR/eval/stackfaq/queries.tsv" \
    >"$WORK/q.tsv"
"$BUILD/kb-index" --content "$SHARED_DIR/eval/stackfaq/kb" --index "$WORK/ix" --full --quiet

# start NAME BIN: starts BIN on a free port; sets port_NAME.
start() {
    local name=$1 bin=$2
    "$bin" --index "$WORK/ix" --db "$WORK/$name.db" --listen 127.0.0.1:0 --web "$ROOT/web" \
        >"$WORK/$name.out" 2>"$WORK/$name.err" &
    pids+=($!)
    for _ in $(seq 100); do
        grep -q "listening on" "$WORK/$name.out" 2>/dev/null && break
        sleep 0.1
    done
    local port
    port=$(sed -n 's/.*listening on http:\/\/127.0.0.1:\([0-9]*\)\/.*/\1/p' "$WORK/$name.out")
    [ -n "$port" ] || { echo "metrics_cost.sh: $name did not start" >&2; cat "$WORK/$name.err" >&2; exit 1; }
    eval "port_$name=$port"
}
start counted "$BUILD/kb-serve"
start base "$BASE/kb-serve"
curl -sf "http://127.0.0.1:$port_counted/metrics" >/dev/null ||
    { echo "metrics_cost.sh: $BUILD/kb-serve has no /metrics" >&2; exit 1; }
if curl -sf "http://127.0.0.1:$port_base/metrics" >/dev/null; then
    echo "metrics_cost.sh: --base's kb-serve has /metrics: not a base" >&2
    exit 1
fi

# measure NAME ROUND: one kb-bench-http and one wrk run.
measure() {
    local name=$1 r=$2 port
    eval "port=\$port_$name"
    "$BUILD/kb-bench-http" --url "http://127.0.0.1:$port/api/search?limit=10" \
        --queries "$WORK/q.tsv" --passes 1 >"$WORK/$name.http.$r"
    wrk -t2 -c4 -d"${SECS}s" --timeout 10s -s "$HERE/wrk_queries.lua" \
        "http://127.0.0.1:$port" -- "$WORK/q.tsv" "/api/search?limit=10" >"$WORK/$name.wrk.$r"
}
for r in $(seq "$ROUNDS"); do
    if [ $((r % 2)) = 1 ]; then measure counted "$r"; measure base "$r"
    else measure base "$r"; measure counted "$r"; fi
done

# median NAME KIND KEY: the median over the rounds.
median() {
    local name=$1 kind=$2 key=$3
    for r in $(seq "$ROUNDS"); do
        if [ "$kind" = http ]; then
            sed -n "s/^$key=//p" "$WORK/$name.http.$r"
        else
            awk '/^Requests\/sec:/ { print $2 }' "$WORK/$name.wrk.$r"
        fi
    done | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
printf '%-28s %12s %12s %8s\n' "StackFAQ, cached searches" "counted" "base" "ratio"
for key in http_p50_us http_p90_us qps_1conn; do
    a=$(median counted http $key)
    b=$(median base http $key)
    printf '%-28s %12s %12s %8.3f\n' "1 conn $key" "$a" "$b" "$(awk -v a="$a" -v b="$b" 'BEGIN { print a / b }')"
done
a=$(median counted wrk rps)
b=$(median base wrk rps)
printf '%-28s %12s %12s %8.3f\n' "wrk -t2 -c4 req/s" "$a" "$b" "$(awk -v a="$a" -v b="$b" 'BEGIN { print a / b }')"
echo "medians of $ROUNDS rounds; load average now: $(cut -d' ' -f1-3 /proc/loadavg)"
