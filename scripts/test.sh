#!/bin/sh
# Installs what the project and its tests need, builds, and runs the
# whole test suite:
#   1. the release build: unit tests, HTTP integration tests, the real
#      corpus, valgrind on the indexer, browser tests, relevance check;
#   2. the same suite under ASan + UBSan in build-asan/;
#   3. a short run of every fuzz target (KB_FUZZ_SECONDS each, 15).
# KB_TEST_QUICK=1 runs only step 1.  Exit status 0 only if all pass.
set -eu
cd "$(dirname "$0")/.."
KB_WITH_BROWSER=1 KB_WITH_FUZZ=1 scripts/install-deps.sh
if [ -x scripts/install-browser-tests.sh ]; then
    scripts/install-browser-tests.sh || echo "test.sh: browser test setup failed; those tests will skip"
fi
jobs=$(nproc)
passed=0
failed=0

# Runs ctest in build dir $1 with extra ctest arguments; adds its counts.
run_ctest() {
    dir=$1
    shift
    log=$(mktemp)
    status=0
    (cd "$dir" && ctest --output-on-failure --timeout 900 "$@") >"$log" 2>&1 || status=$?
    cat "$log"
    line=$(grep -E "tests passed, [0-9]+ tests failed out of [0-9]+" "$log" | tail -n 1 || true)
    total=$(echo "$line" | sed -E 's/.* out of ([0-9]+).*/\1/')
    bad=$(echo "$line" | sed -E 's/.*passed, ([0-9]+) tests failed.*/\1/')
    if [ -z "$line" ]; then
        failed=$((failed + 1))
    else
        passed=$((passed + total - bad))
        failed=$((failed + bad))
    fi
    [ "$status" = 0 ] || [ -n "$line" ] || failed=$((failed + 1))
    rm -f "$log"
}

echo "== release build"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs"
run_ctest build

if [ "${KB_TEST_QUICK:-0}" != 1 ]; then
    echo "== ASan + UBSan build"
    cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Asan >/dev/null
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
[ "$failed" = 0 ]
