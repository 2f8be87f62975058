#!/bin/sh
# fuzz.sh [SECONDS_PER_TARGET] [TARGET...] -- builds the libFuzzer
# targets of fuzz/ in build-fuzz/ (clang, ASan + UBSan) and runs each
# for SECONDS_PER_TARGET seconds (default 20) from a seed corpus made
# at run time from content/ and tests/data/.  Prints, per target, the
# runs, the coverage and "no finding" or the saved crash input; exits
# 1 when any target found something, 2 on a usage or build error (the
# targets that did build still run).
#
# Needs clang and its fuzzer runtime: KB_WITH_BENCH=1 (or KB_WITH_FUZZ=1)
# scripts/install-deps.sh
# Environment:
#   KB_FUZZ_JOBS=N   run N targets at a time (default 1)
#   KB_FUZZ_KEEP=1   keep the working corpora (printed at the end)
#   KB_FUZZ_ALLOW_BAD_QUERY=1  fuzz_search accepts KB_ERR_BAD_QUERY (the
#                    service's 400) instead of reporting it
# Crash inputs and their logs stay in build-fuzz/findings/<target>/;
# reproduce with: build-fuzz/fuzz/<target> build-fuzz/findings/<target>/crash-...
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD="$ROOT/build-fuzz"
ALL="fuzz_frontmatter fuzz_markdown fuzz_faq fuzz_query_params fuzz_search"

secs=20
case ${1:-} in
'' | *[!0-9]*) ;;
*)
    secs=$1
    shift
    ;;
esac
targets=${*:-$ALL}
for t in $targets; do
    case " $ALL " in
    *" $t "*) ;;
    *)
        echo "usage: $0 [SECONDS_PER_TARGET] [TARGET...]; targets: $ALL" >&2
        exit 2
        ;;
    esac
done
jobs=${KB_FUZZ_JOBS:-1}

for tool in clang clang++ cmake; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "fuzz.sh: $tool not found; run: KB_WITH_FUZZ=1 scripts/install-deps.sh" >&2
        exit 2
    fi
done

# Per target: the longest input worth trying and its dictionary.
max_len() {
    case $1 in
    fuzz_frontmatter) echo 4096 ;;
    fuzz_markdown | fuzz_faq) echo 16384 ;;
    fuzz_query_params) echo 2048 ;;
    fuzz_search) echo 1100 ;; # a little over the service's 1024-byte limit
    esac
}
dict() {
    case $1 in
    fuzz_frontmatter) echo frontmatter.dict ;;
    fuzz_markdown) echo markdown.dict ;;
    fuzz_faq) echo faq.dict ;;
    fuzz_query_params) echo query.dict ;;
    fuzz_search) echo search.dict ;;
    esac
}

echo "fuzz.sh: building $targets in $BUILD"
mkdir -p "$BUILD"
# CC and CXX only count when the cache is created; fuzz/CMakeLists.txt
# stops with a message if an older cache holds another compiler.
CC=clang CXX=clang++ cmake -S "$ROOT" -B "$BUILD" -DKB_FUZZ=ON -DBUILD_TESTING=OFF \
    >"$BUILD/configure.log" 2>&1 || {
    cat "$BUILD/configure.log" >&2
    exit 2
}
# One target at a time, so that a target that does not build (say, while
# the service is being changed) does not keep the others from running.
built=""
broken=""
: >"$BUILD/build.log"
for t in $targets; do
    if cmake --build "$BUILD" -j"$(nproc 2>/dev/null || echo 2)" --target "$t" \
        >>"$BUILD/build.log" 2>&1; then
        built="$built $t"
    else
        broken="$broken $t"
    fi
done
if [ -n "$broken" ]; then
    grep -E 'error|Error' "$BUILD/build.log" | head -n 20 >&2
    echo "fuzz.sh: could not build:$broken (see $BUILD/build.log)" >&2
fi
targets=$built

# Readable stack traces when llvm-symbolizer is not on PATH.
if ! command -v llvm-symbolizer >/dev/null 2>&1; then
    for s in /usr/lib/llvm-*/bin/llvm-symbolizer; do
        [ -x "$s" ] && export ASAN_SYMBOLIZER_PATH="$s"
    done
fi
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
export LSAN_OPTIONS="suppressions=$ROOT/fuzz/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/kb-fuzz.XXXXXX")
if [ "${KB_FUZZ_KEEP:-0}" != 1 ]; then
    trap 'rm -rf "$WORK"' EXIT
fi
trap 'exit 130' INT TERM

run_one() { # TARGET: runs it, leaves $WORK/<target>.log and .rc
    t=$1
    findings="$BUILD/findings/$t"
    mkdir -p "$findings" "$WORK/corpus-$t" "$WORK/seeds-$t"
    sh "$ROOT/fuzz/make_seeds.sh" "$ROOT" "$t" "$WORK/seeds-$t"
    rc=0
    start=$(date +%s)
    TMPDIR="$WORK" "$BUILD/fuzz/$t" -max_total_time="$secs" -max_len="$(max_len "$t")" \
        -timeout=25 -rss_limit_mb=2048 -print_final_stats=1 \
        -dict="$ROOT/fuzz/$(dict "$t")" -artifact_prefix="$findings/" \
        "$WORK/corpus-$t" "$WORK/seeds-$t" >"$WORK/$t.log" 2>&1 || rc=$?
    echo "$rc" >"$WORK/$t.rc"
    echo $(($(date +%s) - start)) >"$WORK/$t.secs"
}

report() { # TARGET: prints one summary line; returns 1 on a finding
    t=$1
    log="$WORK/$t.log"
    rc=$(cat "$WORK/$t.rc")
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    status=$(grep -E '^#[0-9]+' "$log" | grep 'cov:' | tail -n 1 || true)
    cov=$(printf '%s\n' "$status" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
    ft=$(printf '%s\n' "$status" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
    corp=$(printf '%s\n' "$status" | sed -n 's/.*corp: \([0-9]*\).*/\1/p')
    crash=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
    took=$(cat "$WORK/$t.secs" 2>/dev/null || echo "?")
    line="$t: ${runs:-?} runs in ${took}s, cov ${cov:-?}, ft ${ft:-?}, corpus ${corp:-?}:"
    if [ "$rc" = 0 ] && [ -z "$crash" ]; then
        echo "$line no finding"
        return 0
    fi
    cp "$log" "$BUILD/findings/$t/last-finding.log"
    echo "$line FINDING (exit $rc): ${crash:-no input saved}"
    echo "  log: $BUILD/findings/$t/last-finding.log"
    grep -E 'ERROR: |invariant broken|runtime error|SUMMARY|^    #[0-9] ' "$log" |
        head -n 16 | sed 's/^/  | /'
    return 1
}

echo "fuzz.sh: $secs s per target, $jobs at a time"
set -- $targets
while [ $# -gt 0 ]; do
    batch=""
    i=0
    while [ $# -gt 0 ] && [ "$i" -lt "$jobs" ]; do
        run_one "$1" &
        batch="$batch $1"
        i=$((i + 1))
        shift
    done
    wait
    for t in $batch; do
        [ -f "$WORK/$t.rc" ] || echo 1 >"$WORK/$t.rc"
    done
done

found=0
for t in $targets; do
    report "$t" || found=1
done
if [ "${KB_FUZZ_KEEP:-0}" = 1 ]; then
    echo "fuzz.sh: corpora and logs kept in $WORK"
fi
for t in $broken; do
    echo "$t: BUILD FAILED"
done
if [ "$found" = 1 ]; then
    echo "fuzz.sh: FINDINGS above"
    exit 1
fi
if [ -n "$broken" ]; then
    exit 2
fi
echo "fuzz.sh: no findings"
