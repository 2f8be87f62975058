#!/bin/sh
# The PostgreSQL store against its peer, SQLite, in the same run:
# kb-bench-logging (search logging cost per call, and acknowledged events
# per second from four threads, each answered only after its commit) on a
# SQLite file, then on a PostgreSQL primary with its synchronous standby
# (scripts/pg.sh, both on this machine), so an acknowledged event there
# is on two servers.
#
#   bench/pg_store.sh [BUILD_DIR] [SECONDS]     (default build, 5)
#
# Runs as root (pg.sh runs the servers as postgres); stops them and
# removes its folder at the end.
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build}
secs=${2:-5}
case ${1:-} in -h | --help) sed -n '2,13s/^# \{0,1\}//p' "$0"; exit 0 ;; esac
[ -x "$build/kb-bench-logging" ] || { echo "pg_store.sh: no $build/kb-bench-logging" >&2; exit 2; }
dir=$(mktemp -d /tmp/kb-pgbench-XXXXXX)
trap '"$src/scripts/pg.sh" down "$dir" >/dev/null 2>&1; rm -rf "$dir"' EXIT
dsn=$("$src/scripts/pg.sh" up "$dir" --primary 127.0.0.42 --standby 127.0.0.43 --port 55442 |
    tail -n 1)
echo "== SQLite (WAL, synchronous=FULL), a file in $dir"
"$build/kb-bench-logging" "$dir" "$secs"
echo "== PostgreSQL 15, primary + synchronous standby on loopback"
"$build/kb-bench-logging" "$dsn" "$secs"
