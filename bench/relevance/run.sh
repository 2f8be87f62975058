#!/bin/sh
# Builds kb-index, kb-serve and kb-eval, then scores search relevance on
# every eval collection (StackFAQ dev/heldout, SciFact train/test, CACM,
# partner-center anchor queries per locale) against an FTS5 BM25 baseline
# run on the same articles.
#
#   bench/relevance/run.sh                  the full tables (a few minutes)
#   bench/relevance/run.sh --quick          the CI sample (well under a minute)
#   bench/relevance/run.sh --quick --min-ndcg stackfaq/all=0.75 ...
#   bench/relevance/run.sh --learn          learning from solved searches:
#                                           StackFAQ before and after kb-index --learn
#
# Other arguments go to kb-eval (kb-eval --help).  The build goes to
# build-relevance/ (or $KB_BUILD_DIR), so it never changes the settings
# of the main build/ folder.  No Python needed: C, CMake and sh.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${KB_BUILD_DIR:-$top/build-relevance}
cmake -S "$top" -B "$build" -DBUILD_TESTING=OFF -DCMAKE_BUILD_TYPE=Release >/dev/null
if [ "${1:-}" = "--learn" ]; then
    shift
    cmake --build "$build" -j"$(nproc 2>/dev/null || echo 2)" --target kb-eval-learn >/dev/null
    exec "$build/kb-eval-learn" "$@"
fi
cmake --build "$build" -j"$(nproc 2>/dev/null || echo 2)" --target kb-eval >/dev/null
exec "$build/kb-eval" "$@"
