#!/bin/bash
# bench/cluster.sh -- what the cluster of scripts/cluster.sh costs and
# survives, measured on this machine: each run brings a cluster up in a
# fresh folder, measures, and takes it down.
#
#   bench/cluster.sh [--runs N] [--samples S] [--build BUILD] [--port P]
#
# Per run:
# - replication delay: S times, a new article is added to DIR/content and
#   kb-index (incremental, with changesets) commits it to the master
#   index; the delay is from kb-index's exit (the commit) until every
#   front end's /healthz reports the master's new revision (polled every
#   10 ms);
# - failover time: events POSTed one after another through HAProxy,
#   the PostgreSQL primary killed with SIGKILL, `cluster.sh failover`
#   run at once (the operator's or a manager's step, with no reaction
#   time); the time from the kill to the first acknowledged (201) event.
#   Measured before the load below: the searches' own log rows, tens of
#   thousands from a wrk run, queue ahead of an event's commit for a
#   while after it;
# - requests failed during a front end's death: wrk (2 threads, 8
#   connections, 8 s, bench/wrk_queries.lua over a few queries in three
#   locales) through HAProxy, node 1 killed with SIGKILL after 3 s;
#   failed = wrk's socket errors + answers other than 2xx/3xx.
#
# Prints each run's figures and the medians.  Root (PostgreSQL runs as
# the user postgres), haproxy, xapian-tools, postgresql-15 and wrk:
# KB_WITH_CLUSTER=1 scripts/install-deps.sh.  About 40 s a run here.
set -euo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
RUNS=3
SAMPLES=5
BUILD=${KB_BUILD_DIR:-$SRC/build}
PORT=$((30000 + $$ % 20000))
usage() { sed -n '2,/^set -euo/{/^set/d;s/^# \{0,1\}//p}' "$0"; }
while [ $# -gt 0 ]; do
    case $1 in
    --runs) RUNS=${2:?--runs needs N}; shift 2 ;;
    --samples) SAMPLES=${2:?--samples needs S}; shift 2 ;;
    --build) BUILD=${2:?--build needs a folder}; shift 2 ;;
    --port) PORT=${2:?--port needs P}; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
    esac
done
for v in "$RUNS" "$SAMPLES" "$PORT"; do
    case $v in '' | *[!0-9]*) echo "bench/cluster.sh: numbers wanted: $v" >&2; exit 2 ;; esac
done
command -v wrk >/dev/null || { echo "bench/cluster.sh: wrk is missing (scripts/install-deps.sh)" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/kb-bench-cluster.XXXXXX")
chmod 711 "$WORK"
CDIR=""
cleanup() {
    [ -n "$CDIR" ] && [ -d "$CDIR" ] && "$SRC/scripts/cluster.sh" down "$CDIR" >/dev/null 2>&1
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

now() { date +%s.%N; }
# json KEY.PATH FILE: a value of up's JSON line (python3: jq is optional).
json() {
    python3 -c 'import json,sys
v = json.loads(open(sys.argv[2]).read().strip().splitlines()[-1])
for k in sys.argv[1].split("."):
    v = v[int(k)] if k.isdigit() else v[k]
print(v)' "$1" "$2"
}
revision() { curl -fsS -m 2 "$1/healthz" | grep -o '"revision":[0-9]*' | head -n 1 | cut -d: -f2; }
median() { sort -g | awk '{v[NR] = $1} END {if (NR == 0) print "n/a"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

printf 'en-us\tinvoice\nen-us\tpasword reset\nen-us\tlate fee\nru-ru\tсчет\nzh-cn\t发票\nen-us\taccount\n' \
    >"$WORK/queries.tsv"
: >"$WORK/repl"
: >"$WORK/failed"
: >"$WORK/failover"
echo "bench/cluster.sh: $RUNS runs, $SAMPLES replication samples each; load average $(cut -d' ' -f1-3 /proc/loadavg)"

for run in $(seq 1 "$RUNS"); do
    CDIR=$WORK/run$run
    "$SRC/scripts/cluster.sh" up "$CDIR" --port "$PORT" --build "$BUILD" >"$WORK/up.out" 2>&1 || {
        tail -5 "$WORK/up.out" >&2
        exit 1
    }
    LB=$(json url "$WORK/up.out")
    IX=$(json indexer.url "$WORK/up.out")
    N1=$(json nodes.0.url "$WORK/up.out")
    N2=$(json nodes.1.url "$WORK/up.out")
    N1PID=$(json nodes.0.pid "$WORK/up.out")
    PGPID=$(json postgres.primary_pid "$WORK/up.out")
    CONTENT=$(json content "$WORK/up.out")

    # Replication delay.
    for s in $(seq 1 "$SAMPLES"); do
        printf -- '---\ntitle: Bench replication %s %s\n---\n\nReplication sample r%ss%s.\n' \
            "$run" "$s" "$run" "$s" >"$CONTENT/en-us/bench-repl-$s.md"
        XAPIAN_MAX_CHANGESETS=100 "$BUILD/kb-index" --content "$CONTENT" \
            --index "$CDIR/master/index" --changesets 100 --quiet >/dev/null 2>&1 || true
        t0=$(now)
        want=$(revision "$IX")
        d=""
        for _ in $(seq 1 1000); do
            if [ "$(revision "$N1")" = "$want" ] && [ "$(revision "$N2")" = "$want" ]; then
                d=$(awk -v a="$t0" -v b="$(now)" 'BEGIN {printf "%.3f", b - a}')
                break
            fi
            sleep 0.01
        done
        echo "${d:-timeout}" >>"$WORK/repl"
        echo "run $run: replication delay ${d:-over 10 s} s (revision $want)"
    done

    # Failover time.
    (
        i=0
        while [ ! -e "$WORK/stop" ]; do
            i=$((i + 1))
            c=$(curl -s -o /dev/null -w '%{http_code}' -m 30 -H 'Content-Type: application/json' \
                -H 'X-KB-Visit: vbenchcluster0123456789' \
                -d "{\"type\":\"view\",\"article\":\"sign-in-and-mfa/reset-password\",\"section\":\"b$i\"}" \
                "$LB/api/events")
            echo "$(now) $c"
        done
    ) >"$WORK/posts" &
    poster=$!
    sleep 2
    killed=$(now)
    kill -KILL "$PGPID"
    "$SRC/scripts/cluster.sh" failover "$CDIR" >"$WORK/failover.out" 2>&1 ||
        { echo "run $run: failover failed:" >&2; cat "$WORK/failover.out" >&2; }
    promoted=$(now)
    for _ in $(seq 1 600); do
        resumed=$(awk -v k="$killed" '$1 > k && $2 == 201 {print $1; exit}' "$WORK/posts")
        [ -n "$resumed" ] && break
        sleep 0.1
    done
    touch "$WORK/stop"
    wait "$poster" || true
    rm -f "$WORK/stop"
    if [ -n "$resumed" ]; then
        f=$(awk -v a="$killed" -v b="$resumed" 'BEGIN {printf "%.3f", b - a}')
        echo "$f" >>"$WORK/failover"
    else
        f="over 60"
    fi
    codes=$(awk -v k="$killed" '$1 > k {n[$2]++} END {for (c in n) printf "%s:%d ", c, n[c]}' "$WORK/posts")
    p=$(awk -v a="$killed" -v b="$promoted" 'BEGIN {printf "%.3f", b - a}')
    echo "run $run: failover (kill -9 of the primary -> first acknowledged event): $f s (cluster.sh failover done after $p s); answers after the kill: $codes"

    # Requests failed while a front end dies.
    (sleep 3; kill -KILL "$N1PID") &
    killer=$!
    wrk -t2 -c8 -d8s -s "$SRC/bench/wrk_queries.lua" "$LB" -- "$WORK/queries.tsv" \
        "/api/search?limit=10" >"$WORK/wrk.out" 2>&1 || true
    wait "$killer" || true
    reqs=$(sed -n 's/^wrk_requests=//p' "$WORK/wrk.out")
    errs=$(sed -n 's/^wrk_errors=//p' "$WORK/wrk.out")
    non2xx=$(sed -n 's/^wrk_non2xx=//p' "$WORK/wrk.out")
    echo "$((errs + non2xx))" >>"$WORK/failed"
    echo "run $run: requests during node 1's kill -9: $reqs, failed $((errs + non2xx)) (socket errors $errs, non-2xx $non2xx)"

    "$SRC/scripts/cluster.sh" down "$CDIR" >/dev/null
    rm -rf "$CDIR"
    CDIR=""
done

echo
echo "| measure (median of the runs) | value |"
echo "|---|---|"
echo "| replication delay, master commit -> every replica serving it | $(grep -v timeout "$WORK/repl" | median) s ($(wc -l <"$WORK/repl") samples, $(grep -c timeout "$WORK/repl" || true) over 10 s) |"
echo "| requests failed during a front end's kill -9 (wrk -c8) | $(median <"$WORK/failed") (runs: $(tr '\n' ' ' <"$WORK/failed")) |"
echo "| failover, primary's kill -9 -> first acknowledged write | $(median <"$WORK/failover") s (runs: $(tr '\n' ' ' <"$WORK/failover")) |"
