#!/bin/sh
# Installs what the project and its tests need, builds, and runs the
# whole test suite:
#   1. the release build: unit tests, HTTP integration tests, the real
#      corpus, valgrind on the indexer, browser tests, relevance check;
#   2. the same suite under ASan + UBSan in build-asan/;
#   3. a short run of every fuzz target (KB_FUZZ_SECONDS each, 15).
# KB_TEST_QUICK=1 runs only step 1.  Exit status 0 only if all pass,
# and never when a ctest run found or ran no tests.
#
#   scripts/test.sh [--build-dir DIR] [--configure-only]
#
# Each build folder is configured here every time with what the suite
# needs (tests on, the build type), whatever configured it before (for
# example scripts/serve.sh, which builds the same build/ without tests).
# --build-dir DIR puts the release build in DIR instead of build/;
# --configure-only runs only the release build's configure step (no
# package installation, no build, no tests): scripts/check-readme-path.sh
# uses it to check this script and scripts/serve.sh together.
set -eu
cd "$(dirname "$0")/.."
build=build
configure_only=0
while [ $# -gt 0 ]; do
    case $1 in
    --build-dir)
        [ $# -ge 2 ] || { echo "test.sh: --build-dir needs a folder" >&2; exit 2; }
        build=$2
        shift
        ;;
    --configure-only) configure_only=1 ;;
    -h | --help)
        sed -n '2,19s/^# \{0,1\}//p' "$0"
        exit 0
        ;;
    *)
        echo "test.sh: unknown argument '$1' (see scripts/test.sh --help)" >&2
        exit 2
        ;;
    esac
    shift
done

# Configures build folder $1 with build type $2 and the tests on.
# BUILD_TESTING is passed every time: a cache left with it OFF (by
# serve.sh) would otherwise build no tests and ctest would find none.
configure() {
    cmake -S . -B "$1" -DCMAKE_BUILD_TYPE="$2" -DBUILD_TESTING=ON >/dev/null
}

if [ "$configure_only" = 1 ]; then
    configure "$build" RelWithDebInfo
    exit 0
fi
KB_WITH_BROWSER=1 KB_WITH_FUZZ=1 KB_WITH_CLUSTER=1 KB_WITH_METRICS=1 scripts/install-deps.sh
if [ -x scripts/install-browser-tests.sh ]; then
    scripts/install-browser-tests.sh || echo "test.sh: browser test setup failed; those tests will skip"
fi
if [ -x scripts/install-openapi-tests.sh ]; then
    scripts/install-openapi-tests.sh || echo "test.sh: OpenAPI test setup failed; test_openapi will skip"
fi
jobs=$(nproc)
passed=0
failed=0
problems=""

# Runs ctest in build dir $1 with extra ctest arguments; adds its counts.
# A run that found or ran no tests is a failure of its own, said loudly:
# the suite did not run.
run_ctest() {
    dir=$1
    shift
    log=$(mktemp)
    status=0
    (cd "$dir" && ctest --output-on-failure --no-tests=error --timeout 900 "$@") >"$log" 2>&1 || status=$?
    cat "$log"
    line=$(grep -E "tests passed, [0-9]+ tests failed out of [0-9]+" "$log" | tail -n 1 || true)
    total=$(echo "$line" | sed -E 's/.* out of ([0-9]+).*/\1/')
    bad=$(echo "$line" | sed -E 's/.*passed, ([0-9]+) tests failed.*/\1/')
    if [ -z "$line" ] || [ "$total" = 0 ]; then
        msg="ctest in $dir/ ran NO tests (ctest exit status $status)"
        if grep -q '^BUILD_TESTING:BOOL=OFF' "$dir/CMakeCache.txt" 2>/dev/null ||
            [ ! -f "$dir/CTestTestfile.cmake" ]; then
            msg="$msg: $dir/ is configured without tests (BUILD_TESTING=OFF)"
        elif grep -q "No tests were found" "$log"; then
            msg="$msg: no tests were found${*:+ (ctest $*)}"
        fi
        echo "test.sh: ERROR: $msg" >&2
        problems="$problems
  $msg"
        failed=$((failed + 1))
    else
        passed=$((passed + total - bad))
        failed=$((failed + bad))
        if [ "$status" != 0 ] && [ "$bad" = 0 ]; then
            msg="ctest in $dir/ exited with status $status"
            echo "test.sh: ERROR: $msg" >&2
            problems="$problems
  $msg"
            failed=$((failed + 1))
        fi
    fi
    rm -f "$log"
}

echo "== release build"
configure "$build" RelWithDebInfo
cmake --build "$build" -j"$jobs"
run_ctest "$build"

if [ "${KB_TEST_QUICK:-0}" != 1 ]; then
    echo "== ASan + UBSan build"
    configure build-asan Asan
    cmake --build build-asan -j"$jobs"
    # Valgrind cannot run ASan binaries, and the browser and relevance
    # runs exercise the same code as the release build.
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
        run_ctest build-asan -E 'test_valgrind|test_browser|test_relevance'

    if [ -x scripts/fuzz.sh ]; then
        echo "== fuzzing, ${KB_FUZZ_SECONDS:-15} s per target"
        if scripts/fuzz.sh "${KB_FUZZ_SECONDS:-15}"; then
            passed=$((passed + 1))
        else
            failed=$((failed + 1))
        fi
    fi
fi
echo "test.sh: $passed passed, $failed failed"
if [ -n "$problems" ]; then
    echo "test.sh: FAILED, some suites did not run:$problems" >&2
fi
[ "$failed" = 0 ]
