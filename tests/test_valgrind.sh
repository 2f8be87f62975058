#!/bin/sh
# test_valgrind.sh VALGRIND KB_INDEX CONTENT_DIR -- runs kb-index under
# memcheck over CONTENT_DIR into a temporary index twice, a full run and
# then an incremental one, and fails on any memcheck error and on any
# block definitely or indirectly lost.  Ends with "N passed, N failed"
# like the C tests.  ctest runs it (tests/CMakeLists.txt) when valgrind
# is installed.
set -u

if [ $# -ne 3 ]; then
    echo "usage: $0 VALGRIND KB_INDEX CONTENT_DIR" >&2
    exit 2
fi
vg=$1
bin=$2
content=$3
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kb-valgrind.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT

passed=0
failed=0

pass() {
    passed=$((passed + 1))
}

fail() { # MESSAGE [LOG]: prints why, and the log's interesting part
    failed=$((failed + 1))
    echo "FAIL: $1"
    if [ $# -gt 1 ] && [ -f "$2" ]; then
        grep -v -E '^==[0-9]+== (Memcheck|Copyright|Using Valgrind|Command|Parent PID|$)' "$2" |
            head -n 80
    fi
}

run() { # NAME [KB-INDEX OPTION...]: one kb-index run under memcheck
    name=$1
    shift
    log="$tmp/$name.vg"
    "$vg" --tool=memcheck --leak-check=full --show-leak-kinds=definite,indirect \
        --errors-for-leak-kinds=definite,indirect --error-exitcode=1 \
        --log-file="$log" \
        "$bin" --content "$content" --index "$tmp/index" --json --quiet "$@" \
        >"$tmp/$name.out" 2>"$tmp/$name.err"
    rc=$?
    echo "$name: exit $rc: $(cat "$tmp/$name.out")"

    # --error-exitcode=1 and kb-index's own "some files had errors" are
    # both 1, so the verdict comes from memcheck's summary lines.
    errors=$(sed -n 's/.*ERROR SUMMARY: \([0-9][0-9]*\) errors.*/\1/p' "$log" | tail -n 1)
    if [ -z "$errors" ]; then
        fail "$name: valgrind did not finish (no ERROR SUMMARY)" "$log"
        cat "$tmp/$name.err"
        return
    fi
    if [ "$errors" = 0 ]; then pass; else fail "$name: $errors memcheck errors" "$log"; fi

    lost=$(sed -n 's/.*\(definitely\|indirectly\) lost: \([0-9,]*\) bytes.*/\2/p' "$log" |
        tr -d , | grep -v '^0$' || true)
    if [ -z "$lost" ]; then pass; else fail "$name: memory definitely or indirectly lost" "$log"; fi

    if [ "$rc" = 0 ]; then
        pass
    else
        if [ "$errors" = 0 ]; then
            fail "$name: kb-index exited with $rc"
        else
            fail "$name: exit status $rc (memcheck's --error-exitcode, see above)"
        fi
        head -n 20 "$tmp/$name.err"
    fi
}

run full --full
run incremental
# The second run must have found every file unchanged, or it did not
# take the incremental path this test is meant to cover.
if grep -q '"indexed":0[,}]' "$tmp/incremental.out"; then
    pass
else
    fail "incremental: expected nothing re-indexed"
fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
