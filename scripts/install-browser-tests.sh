#!/bin/sh
# Installs the browser tests' one npm dependency (playwright-core, pinned
# in tests/browser/package-lock.json) with npm ci.  Needs node and npm:
# KB_WITH_BROWSER=1 scripts/install-deps.sh installs them with Chromium.
# playwright-core drives Debian's /usr/bin/chromium; no browser is
# downloaded.
set -eu
cd "$(dirname "$0")/../tests/browser"
if ! command -v npm >/dev/null 2>&1; then
    echo "install-browser-tests: npm is missing; run KB_WITH_BROWSER=1 scripts/install-deps.sh" >&2
    exit 1
fi
PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund
