#!/bin/sh
# Runs a command against a fresh PostgreSQL primary and synchronous
# standby (scripts/pg.sh) in a temporary folder: every argument "@DSN@"
# becomes the database's DSN, "@DIR@" the folder (DIR/pg/env says what
# pg.sh started).  The servers are stopped and the folder removed
# afterwards, whatever happened.  Exit status: the command's, or 77 (a
# skipped test) when PostgreSQL is not installed or cannot run here.
#
#   tests/pg_run.sh SOURCE_DIR COMMAND [ARG...]
set -u
src=$1
shift
dir=$(mktemp -d /tmp/kb-pg-XXXXXX) || exit 1
cleanup() {
    "$src/scripts/pg.sh" down "$dir" >/dev/null 2>&1
    rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
# An address and port of our own: tests run in parallel, and other
# servers may run on this machine.
n=$(( $$ % 200 + 20 ))
port=$(( 41000 + $$ % 9000 ))
"$src/scripts/pg.sh" up "$dir" --primary "127.0.$n.1" --standby "127.0.$n.2" \
    --port "$port" >"$dir/up.out"
rc=$?
dsn=$(tail -n 1 "$dir/up.out")
if [ "$rc" != 0 ]; then
    [ -f "$dir/pg/primary.log" ] && tail -n 5 "$dir/pg/primary.log" >&2
    if [ "$rc" = 3 ]; then
        echo "pg_run.sh: PostgreSQL is not installed: skipped"
        exit 77
    fi
    echo "pg_run.sh: PostgreSQL did not start" >&2
    exit 1
fi
for a in "$@"; do
    case $a in
    @DSN@) a=$dsn ;;
    @DIR@) a=$dir ;;
    esac
    set -- "$@" "$a"
    shift
done
"$@"
