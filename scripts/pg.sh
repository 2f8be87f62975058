#!/bin/sh
# PostgreSQL for the service database on one machine: a primary and its
# synchronous standby, each on its own loopback address, for the tests
# and scripts/cluster.sh.
#
#   scripts/pg.sh up DIR [--primary ADDR] [--standby ADDR] [--port P]
#   scripts/pg.sh promote DIR     promote the standby (after the primary died)
#   scripts/pg.sh down DIR        stop both servers
#   scripts/pg.sh status DIR      print DIR/pg/env
#
# up: initdb and the servers run as the user postgres (PostgreSQL refuses
# root) in DIR/pg/primary and DIR/pg/standby (DIR gets o+x so that user
# can reach it); defaults 127.0.0.2 and 127.0.0.3, port 55432.  The
# standby streams from the primary and is its synchronous standby
# (synchronous_standby_names = standby1, synchronous_commit = on): a
# commit returns only once both have it.  Returns when the standby is in
# sync; writes DIR/pg/env (PRIMARY_PID, STANDBY_PID, DSN, ...) and prints
# as its last line the DSN for kb-serve, kb-user and kb-report --db:
#   postgresql://postgres@ADDR1:P,ADDR2:P/kb?target_session_attrs=read-write
# Authentication is trust, on loopback addresses only: for tests and a
# one-machine trial, never for production (see deploy/ and README).
# When DIR/pg holds the servers of an earlier run (stopped by down), up
# starts them again with the same addresses; if the standby had been
# promoted, it stays the primary (under the primary's address) and a new
# standby is copied from it.
#
# promote: the operator's failover.  Stops the old primary first if it
# still runs (two primaries would split the writes), then pg_ctl promote
# on the standby, clears its synchronous_standby_names (with no standby
# connected every commit would wait forever) and waits until it accepts
# writes.
#
# down: stops both servers and waits until every process of theirs has
# ended (the backends of a primary killed with SIGKILL end by
# themselves, soon after their postmaster).
#
# Exit status: 0 done, 1 failed, 2 usage, 3 PostgreSQL is not installed
# (the tests skip on 3).
set -eu
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}

usage() {
    sed -n '2,38s/^# \{0,1\}//p' "$0"
}

die() {
    echo "pg.sh: $*" >&2
    exit 1
}

# Runs a command as postgres (directly when we are that user).
as_pg() {
    if [ "$(id -un)" = postgres ]; then
        "$@"
    else
        runuser -u postgres -- "$@"
    fi
}

need_pg() {
    if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ] || [ ! -x "$PGBIN/pg_ctl" ]; then
        echo "pg.sh: PostgreSQL is not installed (apt-get install postgresql-15)" >&2
        exit 3
    fi
    if [ "$(id -u)" != 0 ] && [ "$(id -un)" != postgres ]; then
        echo "pg.sh: run as root or postgres" >&2
        exit 3
    fi
    id postgres >/dev/null 2>&1 || { echo "pg.sh: no user postgres" >&2; exit 3; }
}

# psql on ADDR (as postgres, through TCP).
psql_at() {
    addr=$1
    shift
    as_pg "$PGBIN/psql" -X -q -t -A -h "$addr" -p "$PORT" -U postgres -d postgres "$@"
}

# Waits up to $2 seconds for the SQL $3 on $1 to print $4.
wait_for() {
    i=0
    while [ "$i" -lt "$(($2 * 5))" ]; do
        if [ "$(psql_at "$1" -c "$3" 2>/dev/null || true)" = "$4" ]; then
            return 0
        fi
        sleep 0.2
        i=$((i + 1))
    done
    return 1
}

configure() { # DATA ADDR SOCKDIR
    cat >>"$1/postgresql.conf" <<EOF
listen_addresses = '$2'
port = $PORT
unix_socket_directories = '$3'
wal_level = replica
max_wal_senders = 5
hot_standby = on
synchronous_commit = on
synchronous_standby_names = 'standby1'
fsync = on
wal_keep_size = '64MB'
max_connections = 60
shared_buffers = '32MB'
EOF
}

# Two new servers: initdb of the primary, the standby copied from it.
new_servers() {
    as_pg "$PGBIN/initdb" -D "$PGDIR/primary" -U postgres --auth=trust \
        --no-instructions >"$PGDIR/initdb.log" 2>&1 ||
        die "initdb failed: see $PGDIR/initdb.log"
    configure "$PGDIR/primary" "$PRIMARY" "$PGDIR/sock1"
    cat >"$PGDIR/primary/pg_hba.conf" <<EOF
local all all trust
host all all 127.0.0.0/8 trust
host replication all 127.0.0.0/8 trust
EOF
    echo "$PRIMARY $STANDBY $PORT" >"$PGDIR/addresses"
    start_server primary
    new_standby
    wait_sync
    psql_at "$PRIMARY" -c "CREATE DATABASE kb" >/dev/null || die "cannot create database kb"
}

# The servers of an earlier run, started again.  After a failover the
# promoted standby is the primary from now on (under the primary's
# address; the old primary's files are dropped: everything acknowledged
# is in the standby's) and a new standby is copied from it.
restart_servers() {
    read -r was_primary was_standby was_port <"$PGDIR/addresses" 2>/dev/null ||
        die "$PGDIR holds no servers of pg.sh (no $PGDIR/addresses)"
    [ "$was_primary $was_standby $was_port" = "$PRIMARY $STANDBY $PORT" ] ||
        die "$PGDIR was made for $was_primary and $was_standby, port $was_port: use those"
    if [ -e "$PGDIR/standby/standby.signal" ]; then
        start_server primary
        start_server standby
    else
        rm -rf "$PGDIR/old-primary"
        mv "$PGDIR/primary" "$PGDIR/old-primary"
        mv "$PGDIR/standby" "$PGDIR/primary"
        rm -rf "$PGDIR/old-primary"
        configure "$PGDIR/primary" "$PRIMARY" "$PGDIR/sock1"
        start_server primary
        # The synchronous standby again (promote had cleared it).
        psql_at "$PRIMARY" -c "ALTER SYSTEM RESET synchronous_standby_names" >/dev/null &&
            psql_at "$PRIMARY" -c "SELECT pg_reload_conf()" >/dev/null ||
            die "cannot restore synchronous_standby_names"
        new_standby
    fi
    wait_sync
}

start_server() { # primary|standby
    as_pg "$PGBIN/pg_ctl" -D "$PGDIR/$1" -l "$PGDIR/$1.log" -w -t 60 start \
        >/dev/null || die "the $1 did not start: see $PGDIR/$1.log"
}

new_standby() {
    as_pg "$PGBIN/pg_basebackup" -h "$PRIMARY" -p "$PORT" -U postgres -D "$PGDIR/standby" \
        -X stream -R -d "application_name=standby1" >"$PGDIR/basebackup.log" 2>&1 ||
        die "pg_basebackup failed: see $PGDIR/basebackup.log"
    configure "$PGDIR/standby" "$STANDBY" "$PGDIR/sock2"
    start_server standby
}

wait_sync() {
    wait_for "$PRIMARY" 60 \
        "SELECT sync_state FROM pg_stat_replication WHERE application_name = 'standby1'" \
        sync || die "the standby is not in sync after 60 s"
}

cmd_up() {
    need_pg
    PRIMARY=127.0.0.2
    STANDBY=127.0.0.3
    PORT=55432
    while [ $# -gt 0 ]; do
        case $1 in
        --primary) PRIMARY=$2; shift ;;
        --standby) STANDBY=$2; shift ;;
        --port) PORT=$2; shift ;;
        *) echo "pg.sh: unknown argument '$1'" >&2; exit 2 ;;
        esac
        shift
    done
    [ -e "$PGDIR/env" ] && die "$PGDIR already holds servers (pg.sh down $DIR first)"
    chmod o+x "$DIR"
    mkdir -p "$PGDIR/sock1" "$PGDIR/sock2"
    chown postgres "$PGDIR" "$PGDIR/sock1" "$PGDIR/sock2"
    as_pg test -x "$PGDIR" ||
        die "the user postgres cannot reach $PGDIR: give its parent folders o+x"
    if [ -d "$PGDIR/primary" ]; then
        restart_servers
    else
        new_servers
    fi
    DSN="postgresql://postgres@$PRIMARY:$PORT,$STANDBY:$PORT/kb?target_session_attrs=read-write"
    cat >"$PGDIR/env" <<EOF
PRIMARY=$PRIMARY
STANDBY=$STANDBY
PORT=$PORT
PRIMARY_PID=$(head -n 1 "$PGDIR/primary/postmaster.pid")
STANDBY_PID=$(head -n 1 "$PGDIR/standby/postmaster.pid")
DSN=$DSN
EOF
    echo "$DSN"
}

load_env() {
    [ -f "$PGDIR/env" ] || die "no servers in $DIR (no $PGDIR/env)"
    # shellcheck disable=SC1091
    . "$PGDIR/env"
}

cmd_promote() {
    need_pg
    load_env
    if as_pg "$PGBIN/pg_ctl" -D "$PGDIR/primary" status >/dev/null 2>&1; then
        echo "pg.sh: the primary still runs: stopping it first" >&2
        # (pg_ctl fails too when the server died while it waited: a
        # killed postmaster can look alive until it is reaped.)
        as_pg "$PGBIN/pg_ctl" -D "$PGDIR/primary" -m fast -w -t 60 stop >/dev/null 2>&1 ||
            ! as_pg "$PGBIN/pg_ctl" -D "$PGDIR/primary" status >/dev/null 2>&1 ||
            die "cannot stop the old primary"
    fi
    as_pg "$PGBIN/pg_ctl" -D "$PGDIR/standby" -w -t 60 promote >/dev/null ||
        die "promote failed: see $PGDIR/standby.log"
    # No standby follows the new primary yet: commits must not wait for one.
    psql_at "$STANDBY" -c "ALTER SYSTEM SET synchronous_standby_names = ''" >/dev/null &&
        psql_at "$STANDBY" -c "SELECT pg_reload_conf()" >/dev/null ||
        die "cannot relax synchronous_standby_names on the new primary"
    wait_for "$STANDBY" 60 "SELECT pg_is_in_recovery()" f ||
        die "the standby did not leave recovery"
    echo "pg.sh: $STANDBY:$PORT is the primary"
}

cmd_down() {
    [ -d "$PGDIR" ] || return 0
    for node in primary standby; do
        if [ -f "$PGDIR/$node/postmaster.pid" ] && [ -n "$PGBIN" ]; then
            as_pg "$PGBIN/pg_ctl" -D "$PGDIR/$node" -m immediate -w -t 30 stop \
                >/dev/null 2>&1 || true
        fi
    done
    # Whatever still runs in a data folder (a killed postmaster's
    # backends): 10 s to end, then SIGKILL.
    i=0
    while [ -n "$(pg_procs)" ] && [ "$i" -lt 50 ]; do
        sleep 0.2
        i=$((i + 1))
    done
    for p in $(pg_procs); do
        echo "pg.sh: process $p did not end; SIGKILL" >&2
        kill -KILL "$p" 2>/dev/null || true
    done
    rm -f "$PGDIR/env"
}

# The PostgreSQL processes whose working folder is in PGDIR (every
# PostgreSQL process runs in its data folder; a shell someone left there
# is not one of them).
pg_procs() {
    for d in /proc/[0-9]*; do
        [ "$(readlink "$d/exe" 2>/dev/null)" = "$PGBIN/postgres" ] || continue
        c=$(readlink "$d/cwd" 2>/dev/null) || continue
        case $c in "$PGDIR"/*) echo "${d#/proc/}" ;; esac
    done
}

[ $# -ge 1 ] || { usage >&2; exit 2; }
case $1 in
-h | --help) usage; exit 0 ;;
esac
[ $# -ge 2 ] || { usage >&2; exit 2; }
cmd=$1
DIR=$(cd "$2" && pwd) || die "no folder $2"
PGDIR=$DIR/pg
shift 2
case $cmd in
up) cmd_up "$@" ;;
promote) cmd_promote ;;
down) cmd_down ;;
status) load_env; cat "$PGDIR/env" ;;
*) usage >&2; exit 2 ;;
esac
