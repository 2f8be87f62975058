#!/bin/bash
# scripts/cluster.sh -- the help center as a cluster on one machine, each
# node on its own loopback address: an indexer node (kb-index on
# DIR/content writing the master index with changesets, served by
# xapian-replicate-server, and a kb-serve with --content for authors'
# reindexing), two front-end kb-serve nodes each on its own replica kept
# by xapian-replicate, HAProxy in front of them all, and the service
# database on PostgreSQL: a primary and its synchronous standby
# (scripts/pg.sh), which every kb-serve reaches through one multi-host
# DSN.
#
#   scripts/cluster.sh up DIR [--shards N] [--port P] [--build BUILD]
#   scripts/cluster.sh failover DIR
#   scripts/cluster.sh down DIR
#
# `up` returns once every node answers /healthz through the load
# balancer and prints, as its last line, one JSON object with the URLs
# and process ids (README: "Running a cluster").  `failover` makes the
# standby the primary, as an operator would after the primary's loss.
# `down` stops every process `up` started (their ids are in DIR/pids,
# PostgreSQL's in DIR/pg/) and waits for them.
set -euo pipefail

usage() {
    cat <<'EOF'
Usage: scripts/cluster.sh up DIR [--shards N] [--port P] [--build BUILD]
       scripts/cluster.sh failover DIR
       scripts/cluster.sh down DIR

Runs the help center as a cluster on this machine, every node on its own
loopback address (127.0.0.10 the indexer node, 127.0.0.11 and
127.0.0.12 the front ends), HAProxy on 127.0.0.1:P (default 8080),
PostgreSQL's primary on 127.0.0.13:P+1 and its standby on 127.0.0.14:P+1.

  up DIR       DIR/content (a copy of content/ when missing) is indexed
               on the indexer node into DIR/master/index, with
               changesets; xapian-replicate-server serves it and each
               front end keeps its replica with xapian-replicate.  The
               last line printed is a JSON object: the load balancer's
               URL, each node's URL and pid, the indexer's, the content
               folder, the database's DSN (for kb-user and kb-report),
               the PostgreSQL pids and the shards.  Again on the DIR
               of an earlier run, it keeps its database (DIR/pg) and
               brings the master index up to date with DIR/content.
  --shards N   the master index is N shards (kb-index --shards N) and
               the front ends search them through xapian-tcpsrv, two
               replicas of each shard (127.0.0.(20+s), ports P+2 and
               P+3), instead of local replicas
  --port P     the load balancer's port; nodes listen on the same port
               on their own addresses, the index servers on P+1...
  --build B    the build folder with kb-index and kb-serve (default:
               build/ of this source tree, or $KB_BUILD_DIR)
  failover DIR the standby becomes the primary, as an operator does after
               the primary's loss: the old primary is stopped if it still
               runs (no two primaries), the standby promoted, and its
               synchronous_standby_names cleared (with no standby left,
               every commit would wait forever).  The front ends find it
               by themselves (target_session_attrs=read-write).
  down DIR     stops every process up started, PostgreSQL included, and
               waits until they end

Needs haproxy, xapian-tools and postgresql-15, and root (PostgreSQL runs
as the user postgres): KB_WITH_CLUSTER=1 scripts/install-deps.sh.
EOF
}

die() { echo "cluster.sh: $*" >&2; exit 1; }

SRC=$(cd "$(dirname "$0")/.." && pwd)
cmd=${1:-}
case "$cmd" in
-h|--help|help) usage; exit 0 ;;
up|down|failover) ;;
*) usage >&2; exit 2 ;;
esac
shift
[ $# -ge 1 ] || { usage >&2; exit 2; }
DIR=$1
shift
SHARDS=0
PORT=8080
BUILD=${KB_BUILD_DIR:-$SRC/build}
while [ $# -gt 0 ]; do
    case "$1" in
    --shards) SHARDS=${2:?--shards needs N}; shift 2 ;;
    --port) PORT=${2:?--port needs P}; shift 2 ;;
    --build) BUILD=${2:?--build needs a folder}; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
    esac
done
case "$SHARDS" in ''|*[!0-9]*) die "--shards wants a number" ;; esac
case "$PORT" in ''|*[!0-9]*) die "--port wants a number" ;; esac
[ "$SHARDS" -le 16 ] || die "--shards: at most 16"

# ---- PostgreSQL ------------------------------------------------------------
# The service database: scripts/pg.sh starts, promotes and stops it (its
# files and pids in DIR/pg/); every kb-serve gets the DSN naming both
# servers, and libpq takes the one that accepts writes.

PG_PRIMARY=127.0.0.13
PG_STANDBY=127.0.0.14

# Starts the primary and its synchronous standby on port $1; sets DSN,
# PG_PRIMARY_PID and PG_STANDBY_PID.
pg_up() {
    local out rc=0
    out=$("$SRC/scripts/pg.sh" up "$DIR" --primary "$PG_PRIMARY" --standby "$PG_STANDBY" \
        --port "$1" 2>&1) || rc=$?
    if [ "$rc" != 0 ]; then
        echo "$out" >&2
        "$SRC/scripts/pg.sh" down "$DIR" >/dev/null 2>&1 || true
        [ "$rc" = 3 ] && die "PostgreSQL cannot run here (KB_WITH_CLUSTER=1 scripts/install-deps.sh, as root)"
        die "PostgreSQL did not start (DIR/pg/*.log)"
    fi
    DSN=$(sed -n 's/^DSN=//p' "$DIR/pg/env")
    PG_PRIMARY_PID=$(sed -n 's/^PRIMARY_PID=//p' "$DIR/pg/env")
    PG_STANDBY_PID=$(sed -n 's/^STANDBY_PID=//p' "$DIR/pg/env")
}

# Stops both servers (whichever is the primary now) and waits for every
# process of theirs.
pg_stop() {
    [ -d "$1/pg" ] || return 0
    "$SRC/scripts/pg.sh" down "$1" >/dev/null || echo "cluster.sh: pg.sh down failed" >&2
}

pg_failover() {
    "$SRC/scripts/pg.sh" promote "$DIR"
}

# ---- down ------------------------------------------------------------------

stop_all() {
    stop_nodes "$1"
    pg_stop "$1"
}

stop_nodes() {
    local pidfile=$1/pids pid name left
    [ -f "$pidfile" ] || return 0
    # Last started first: the load balancer, then the nodes, then the
    # index servers they read from.
    tac "$pidfile" | while read -r pid name; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for _ in $(seq 1 100); do
        left=0
        while read -r pid name; do
            if kill -0 "$pid" 2>/dev/null; then left=1; fi
        done <"$pidfile"
        [ "$left" = 0 ] && break
        sleep 0.1
    done
    while read -r pid name; do
        if kill -0 "$pid" 2>/dev/null; then
            echo "cluster.sh: $name ($pid) did not stop on SIGTERM; SIGKILL" >&2
            kill -KILL "$pid" 2>/dev/null || true
        fi
    done <"$pidfile"
    rm -f "$pidfile"
}

if [ "$cmd" = down ]; then
    [ -d "$DIR" ] || die "no such folder: $DIR"
    stop_all "$DIR"
    echo "cluster.sh: stopped"
    exit 0
fi

if [ "$cmd" = failover ]; then
    [ -f "$DIR/pg/env" ] || die "no PostgreSQL of a running cluster in $DIR"
    pg_failover
    exit 0
fi

# ---- up --------------------------------------------------------------------

for p in haproxy xapian-replicate xapian-replicate-server xapian-tcpsrv curl runuser; do
    command -v "$p" >/dev/null || die "$p is missing (KB_WITH_CLUSTER=1 scripts/install-deps.sh)"
done
KB_INDEX=$BUILD/kb-index
KB_SERVE=$BUILD/kb-serve
[ -x "$KB_INDEX" ] && [ -x "$KB_SERVE" ] || die "no kb-index/kb-serve in $BUILD (build first, or --build)"
[ -f "$DIR/pids" ] && die "$DIR has a running cluster (scripts/cluster.sh down $DIR first)"
[ -f "$DIR/pg/env" ] && die "$DIR has a running database (scripts/cluster.sh down $DIR first)"

mkdir -p "$DIR/logs"
DIR=$(cd "$DIR" && pwd)
[ -d "$DIR/content" ] || cp -r "$SRC/content" "$DIR/content"
: >"$DIR/pids"

IXADDR=127.0.0.10
FRONT=(127.0.0.11 127.0.0.12)
REPL_PORT=$((PORT + 1))
# kb-serve runs kb-index for authors' reindexing: the environment makes
# those runs keep changesets too.
export XAPIAN_MAX_CHANGESETS=100

# Starts "$@" in the background, in a session of its own, with its
# output in DIR/logs/NAME.log, and records its pid.  Its own session:
# xapian-replicate-server and xapian-tcpsrv answer SIGTERM by sending
# SIGTERM to their whole process group, which would otherwise be ours
# and our caller's.  (A background job of a script is no group leader,
# so setsid runs the program in place and $! is its pid.)
start() {
    local name=$1
    shift
    setsid "$@" </dev/null >"$DIR/logs/$name.log" 2>&1 &
    echo "$! $name" >>"$DIR/pids"
}
pid_of() { awk -v n="$1" '$2 == n { print $1 }' "$DIR/pids"; }

# Waits until URL answers 200 (or the process NAME exits: its log says why).
wait_healthy() {
    local url=$1 name=$2 i
    for i in $(seq 1 600); do
        if curl -fsS -m 2 -o /dev/null "$url/healthz" 2>/dev/null; then return 0; fi
        if [ -n "$name" ] && ! kill -0 "$(pid_of "$name")" 2>/dev/null; then
            tail -5 "$DIR/logs/$name.log" >&2
            stop_all "$DIR"
            die "$name exited"
        fi
        sleep 0.1
    done
    stop_all "$DIR"
    die "$url did not become healthy in 60 s"
}

# Fails up, stopping what it started.
fail() { stop_all "$DIR"; die "$*"; }

# The service database first: every kb-serve opens it at its start.
pg_up "$((PORT + 1))"

# The indexer node: the master index, as N shards with --shards (kb-index
# keeps the number in later runs, authors' reindexing included).
mkdir -p "$DIR/master"
shard_opt=()
[ "$SHARDS" -gt 0 ] && shard_opt=(--shards "$SHARDS")
"$KB_INDEX" --content "$DIR/content" --index "$DIR/master/index" --changesets 100 --quiet \
    "${shard_opt[@]}" >"$DIR/logs/kb-index.log" 2>&1 || [ $? -eq 1 ] ||
    fail "kb-index failed: $(tail -3 "$DIR/logs/kb-index.log")"
if [ "$SHARDS" -eq 0 ]; then
    start replicate-server xapian-replicate-server -I "$IXADDR" -p "$REPL_PORT" "$DIR/master"
fi
start indexer "$KB_SERVE" --index "$DIR/master/index" --content "$DIR/content" \
    --indexer "$KB_INDEX" --listen "$IXADDR:$PORT" --db "$DSN" \
    --trusted-proxy 127.0.0.1
wait_healthy "http://$IXADDR:$PORT" indexer

# The index the front ends read: each its own replica, or N shards, each
# served by two xapian-tcpsrv replicas (one machine here: both read the
# master's shard folder; on several machines each its own copy) plus the
# shards' auxiliary database (spelling), read locally.
for i in "${!FRONT[@]}"; do
    n=$((i + 1))
    addr=${FRONT[$i]}
    mkdir -p "$DIR/node$n"
    if [ "$SHARDS" -gt 0 ]; then
        # Shard s, replica r, on 127.0.0.(20+s), port P+1+r.
        stub=$DIR/node$n/index.stub
        echo "aux $DIR/master/index/aux" >"$stub"
        for s in $(seq 1 "$SHARDS"); do
            saddr=127.0.0.$((20 + s))
            sport=$((PORT + 1 + n))
            start "shard$s-$n" xapian-tcpsrv --interface "$saddr" --port "$sport" \
                --idle-timeout 60000 "$DIR/master/index/shard$s"
            # Listening before kb-serve opens the stub at its start.
            for _ in $(seq 1 100); do
                (exec 3<>"/dev/tcp/$saddr/$sport") 2>/dev/null && break
                sleep 0.1
            done
            # Each node asks its own replica first, the other one next.
            other=$((PORT + 1 + (3 - n)))
            echo "remote :$saddr:$sport :$saddr:$other" >>"$stub"
        done
        index=$stub
    else
        index=$DIR/node$n/index
        xapian-replicate -h "$IXADDR" -p "$REPL_PORT" -m index -o -q "$index" \
            >"$DIR/logs/replicate$n-first.log" 2>&1 || fail "first copy of the index to node $n failed"
        start "replicate$n" xapian-replicate -h "$IXADDR" -p "$REPL_PORT" -m index -i 1 -r 1 -q "$index"
    fi
    start "node$n" "$KB_SERVE" --index "$index" --listen "$addr:$PORT" --db "$DSN" \
        --trusted-proxy 127.0.0.1
done
for i in "${!FRONT[@]}"; do
    wait_healthy "http://${FRONT[$i]}:$PORT" "node$((i + 1))"
done

# The load balancer.
sed -e "s/@PORT@/$PORT/g" -e "s/@IXADDR@/$IXADDR/g" -e "s/@NODE1@/${FRONT[0]}/g" \
    -e "s/@NODE2@/${FRONT[1]}/g" -e "s|@DIR@|$DIR|g" \
    "$SRC/deploy/haproxy/kb-cluster.cfg.in" >"$DIR/haproxy.cfg"
haproxy -c -q -f "$DIR/haproxy.cfg" || fail "haproxy refuses $DIR/haproxy.cfg"
start haproxy haproxy -db -f "$DIR/haproxy.cfg"
LB=http://127.0.0.1:$PORT
wait_healthy "$LB" haproxy
printf '{"url": "%s", "nodes": [{"url": "http://%s:%s", "pid": %s}, {"url": "http://%s:%s", "pid": %s}], "indexer": {"url": "http://%s:%s", "pid": %s}, "content": "%s", "db": "%s", "postgres": {"primary_pid": %s, "standby_pid": %s}, "shards": %s}\n' \
    "$LB" "${FRONT[0]}" "$PORT" "$(pid_of node1)" "${FRONT[1]}" "$PORT" "$(pid_of node2)" \
    "$IXADDR" "$PORT" "$(pid_of indexer)" "$DIR/content" "$DSN" "$PG_PRIMARY_PID" \
    "$PG_STANDBY_PID" "$SHARDS"
