#!/bin/sh
# Two kb-serve front ends on one PostgreSQL database (a primary and its
# synchronous standby, started by tests/pg_run.sh), then the primary's
# death.  Run by ctest test_pg_cluster through pg_run.sh:
#
#   tests/test_pg_cluster.sh KB_INDEX KB_SERVE KB_USER KB_REPORT DSN DIR
#
# 1. kb-user and kb-report on the DSN; an event on one node and a case
#    on the other; a session signed in on one node is valid on the
#    other, and signing out there ends it on both.
# 2. Events and cases POSTed one after another while the primary is killed
#    with SIGKILL and the standby promoted (scripts/pg.sh promote): every
#    answer is 201 or 503 with Retry-After (never a false 2xx, never a
#    500), searches answer 200 while no primary is reachable, writes
#    resume within 60 s of the kill, and every acknowledged event is in
#    the new primary's database, and so is every acknowledged case.
# KB_PG_FAILOVER_SECONDS (default 4) is how long events are POSTed after
# writes resume: the longer run sets it higher.
set -u
INDEX_BIN=$1 SERVE_BIN=$2 USER_BIN=$3 REPORT_BIN=$4 DSN=$5 DIR=$6
SRC=$(cd "$(dirname "$0")/.." && pwd)
. "$DIR/pg/env"
passed=0
failed=0
pids=""
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }
check() { if [ "$2" = "$3" ]; then ok; else bad "$1: got '$2', want '$3'"; fi; }
cleanup() {
    for p in $pids; do kill "$p" 2>/dev/null; done
    for p in $pids; do wait "$p" 2>/dev/null; done
}
trap cleanup EXIT

psql_new() { # on the standby (the primary after a failover)
    runuser -u postgres -- psql -X -q -t -A -h "$STANDBY" -p "$PORT" -d kb -c "$1"
}

"$INDEX_BIN" --content "$SRC/content" --index "$DIR/index" --quiet >/dev/null 2>&1
[ -d "$DIR/index" ] || { echo "kb-index failed" >&2; exit 1; }
printf 'correct horse battery\n' | "$USER_BIN" --db "$DSN" add author1 --role author \
    >/dev/null 2>&1
check "kb-user add on the DSN" "$?" 0
check "kb-user list" "$("$USER_BIN" --db "$DSN" list | grep -c '^author1 ')" 1

A="$PRIMARY:$((PORT + 1))"
B="$STANDBY:$((PORT + 2))"
start() { # ADDR:PORT
    "$SERVE_BIN" --index "$DIR/index" --db "$DSN" --listen "$1" --case-limit 0 \
        >>"$DIR/serve.log" 2>&1 &
    pids="$pids $!"
    i=0
    while [ $i -lt 150 ]; do
        curl -fs "http://$1/healthz" >/dev/null 2>&1 && return 0
        sleep 0.2
        i=$((i + 1))
    done
    echo "kb-serve on $1 did not start:" >&2
    cat "$DIR/serve.log" >&2
    exit 1
}
start "$A"
start "$B"
J='Content-Type: application/json'
VISIT='X-KB-Visit: vpgtest0123456789abcd'
code() { curl -s -o "$DIR/body" -D "$DIR/headers" -w '%{http_code}' --max-time 20 "$@"; }

# 1. Both nodes on one database.
check "event on A" "$(code -H "$J" -H "$VISIT" -d \
    '{"type":"view","article":"sign-in-and-mfa/reset-password"}' "http://$A/api/events")" 201
check "case on B" "$(code -H "$J" -H "$VISIT" -d \
    '{"subject":"Cannot sign in","email":"a@example.com"}' "http://$B/api/cases")" 201
case_id=$(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' "$DIR/body")
check "login on A" "$(code -H "$J" -d '{"username":"author1","password":"correct horse battery"}' \
    "http://$A/login")" 200
cookie=$(grep -o 'kb_session=[^;]*' "$DIR/headers")
csrf=$(sed -n 's/.*"csrf":"\([^"]*\)".*/\1/p' "$DIR/body")
check "A's session on B" "$(code -H "Cookie: $cookie" "http://$B/api/me")" 200
check "the case from B read on A" "$(code -H "Cookie: $cookie" "http://$A/api/cases/$case_id")" 200
grep -q '"Cannot sign in"' "$DIR/body" && ok || bad "case body: $(cat "$DIR/body")"
lo=$(code -X POST -H "Cookie: $cookie" -H "X-CSRF-Token: $csrf" "http://$B/logout")
case $lo in 200 | 204 | 303) ok ;; *) bad "logout on B: $lo" ;; esac
check "the session is over on A" "$(code -H "Cookie: $cookie" "http://$A/api/me")" 401
visits=$("$REPORT_BIN" --db "$DSN" deflection 2>/dev/null | grep -c "\"visits\"")
[ "$visits" -ge 1 ] && ok || bad "kb-report on the DSN printed nothing"

# 2. The primary dies while events are POSTed.
: >"$DIR/acked"
: >"$DIR/acked_cases"
: >"$DIR/answers"
post_loop() { # every fourth request files a case, the others log a view
    i=0
    while [ ! -e "$DIR/stop" ]; do
        i=$((i + 1))
        if [ $((i % 4)) = 0 ]; then
            url="http://$A/api/cases"
            body="{\"subject\":\"Failover case f$i\",\"email\":\"f@example.com\"}"
        else
            url="http://$A/api/events"
            body="{\"type\":\"view\",\"article\":\"sign-in-and-mfa/reset-password\",\"section\":\"f$i\"}"
        fi
        c=$(curl -s -o "$DIR/b.$i" -D "$DIR/h.$i" -w '%{http_code}' --max-time 30 -H "$J" \
            -H "$VISIT" -d "$body" "$url")
        if [ "$c" = 503 ] && ! grep -qi '^retry-after:' "$DIR/h.$i"; then
            c=503-without-retry-after
        fi
        echo "$(date +%s.%N) $c" >>"$DIR/answers"
        if [ "$c" = 201 ] && [ $((i % 4)) = 0 ]; then
            sed -n 's/.*"id":"\([^"]*\)".*/\1/p' "$DIR/b.$i" >>"$DIR/acked_cases"
        elif [ "$c" = 201 ]; then
            echo "f$i" >>"$DIR/acked"
        fi
        rm -f "$DIR/h.$i" "$DIR/b.$i"
    done
}
post_loop &
loop=$!
pids="$pids $loop"
sleep 2
killed=$(date +%s.%N)
kill -9 "$PRIMARY_PID"
sleep 1
check "search while no primary" "$(code "http://$A/api/search?q=password")" 200
"$SRC/scripts/pg.sh" promote "$DIR" >/dev/null
check "promote" "$?" 0
# Writes resume: the first 201 after the kill.
resumed=""
i=0
while [ $i -lt 300 ] && [ -z "$resumed" ]; do
    resumed=$(awk -v k="$killed" '$1 > k + 0.5 && $2 == 201 {print $1; exit}' "$DIR/answers")
    [ -n "$resumed" ] || sleep 0.2
    i=$((i + 1))
done
sleep "${KB_PG_FAILOVER_SECONDS:-4}"
touch "$DIR/stop"
wait "$loop"
if [ -z "$resumed" ]; then
    bad "writes did not resume within 60 s of the kill"
else
    secs=$(awk -v a="$killed" -v b="$resumed" 'BEGIN {printf "%.1f", b - a}')
    echo "writes resumed ${secs} s after kill -9 of the primary"
    awk -v s="$secs" 'BEGIN {exit !(s < 60)}' && ok || bad "resumed after $secs s"
fi
total=$(wc -l <"$DIR/answers")
acked=$(wc -l <"$DIR/acked")
other=$(awk '$2 != 201 && $2 != 503 {n++} END {print n + 0}' "$DIR/answers")
unavailable=$(awk '$2 == 503 {n++} END {print n + 0}' "$DIR/answers")
echo "requests POSTed: $total, events acknowledged: $acked, 503: $unavailable, other: $other"
check "answers other than 201 and 503 (with Retry-After)" "$other" 0
psql_new "SELECT section FROM events WHERE section LIKE 'f%'" | sort -u >"$DIR/stored"
missing=$(sort -u "$DIR/acked" | comm -23 - "$DIR/stored" | wc -l)
echo "acknowledged events missing from the database: $missing"
check "acknowledged events missing" "$missing" 0
psql_new "SELECT id FROM cases" | sort -u >"$DIR/stored_cases"
cases=$(wc -l <"$DIR/acked_cases")
missing=$(sort -u "$DIR/acked_cases" | comm -23 - "$DIR/stored_cases" | wc -l)
echo "cases acknowledged: $cases, missing from the database: $missing"
check "acknowledged cases missing" "$missing" 0
[ "$cases" -ge 2 ] && ok || bad "too few cases acknowledged ($cases)"
[ "$acked" -ge 5 ] && ok || bad "too few events acknowledged ($acked)"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
