#!/bin/sh
# Checks the README's two commands together: scripts/serve.sh and then
# scripts/test.sh on the same build folder must leave the release suite
# with its tests (a cache that serve.sh left with BUILD_TESTING=OFF once
# made test.sh find no tests at all).  Runs each script's own configure
# step (--configure-only: no packages, no build, no server) in a
# temporary build folder, then asks ctest -N what the suite holds: more
# than none, test_browser among them.  Also the other way round
# (test.sh, serve.sh, test.sh).  Needs the build dependencies
# (scripts/install-deps.sh); .ci/run runs it after scripts/test.sh.
#
#   scripts/check-readme-path.sh      exit 0 when the path holds, 1 when not
set -eu
cd "$(dirname "$0")/.."
fail() {
    echo "check-readme-path: FAIL: $*" >&2
    exit 1
}
# serve.sh ends by serving forever: never run a script that cannot stop
# after its configure step.
for s in serve.sh test.sh; do
    grep -q -- '--configure-only' "scripts/$s" ||
        fail "scripts/$s has no --configure-only mode, so its configure step cannot be checked"
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kb-readme-path.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
build=$tmp/build

# The release suite as test.sh would run it in $build: at least one
# test, test_browser among them.
check_suite() {
    after=$1
    list=$(cd "$build" && ctest -N 2>&1) || true
    n=$(echo "$list" | sed -n 's/^Total Tests: *\([0-9][0-9]*\).*/\1/p' | tail -n 1)
    if [ "${n:-0}" -eq 0 ]; then
        echo "$list" >&2
        fail "after $after, ctest -N in test.sh's build folder lists no tests" \
            "(BUILD_TESTING=$(sed -n 's/^BUILD_TESTING:BOOL=//p' "$build/CMakeCache.txt" 2>/dev/null))"
    fi
    echo "$list" | grep -Eq '^ *Test +#[0-9]+: test_browser$' ||
        fail "after $after, the release suite ($n tests) has no test_browser"
    echo "check-readme-path: after $after: $n tests, test_browser among them"
}

echo "check-readme-path: configuring $build as scripts/serve.sh, then scripts/test.sh"
scripts/serve.sh --configure-only --build-dir "$build"
scripts/test.sh --configure-only --build-dir "$build"
check_suite "serve.sh, test.sh"
scripts/serve.sh --configure-only --build-dir "$build"
scripts/test.sh --configure-only --build-dir "$build"
check_suite "serve.sh, test.sh, serve.sh, test.sh"
echo "check-readme-path: ok"
