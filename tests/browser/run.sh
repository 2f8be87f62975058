#!/bin/sh
# Runs the browser tests (node --test, one file at a time: each starts
# its own kb-serve and Chromium).  Exit 77 -- "skipped" for ctest -- when
# node, Chromium or the test's node_modules are missing, saying why.
# Install them with KB_WITH_BROWSER=1 scripts/install-deps.sh and
# scripts/install-browser-tests.sh.
cd "$(dirname "$0")" || exit 1
chromium=${KB_CHROMIUM:-/usr/bin/chromium}
if ! command -v node >/dev/null 2>&1; then
    echo "browser tests skipped: node is not installed (KB_WITH_BROWSER=1 scripts/install-deps.sh)"
    exit 77
fi
if [ ! -x "$chromium" ]; then
    echo "browser tests skipped: no $chromium (KB_WITH_BROWSER=1 scripts/install-deps.sh)"
    exit 77
fi
if [ ! -f node_modules/playwright-core/package.json ]; then
    echo "browser tests skipped: tests/browser/node_modules is missing (scripts/install-browser-tests.sh)"
    exit 77
fi
failed=""
for f in *.test.js; do
    node --test "$f" || failed="$failed $f"
done
if [ -n "$failed" ]; then
    echo "browser tests FAILED:$failed"
    exit 1
fi
echo "browser tests passed; screenshots in ${KB_SCREENSHOT_DIR:-${KB_BUILD_DIR:-../../build}/screenshots}"
