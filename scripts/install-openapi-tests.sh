#!/bin/sh
# Installs the OpenAPI test's npm dependencies (@redocly/cli, ajv,
# ajv-formats, pinned in tests/openapi/package-lock.json) with npm ci.
# Needs node and npm: KB_WITH_BROWSER=1 scripts/install-deps.sh
# installs them.
set -eu
cd "$(dirname "$0")/../tests/openapi"
if ! command -v npm >/dev/null 2>&1; then
    echo "install-openapi-tests: npm is missing; run KB_WITH_BROWSER=1 scripts/install-deps.sh" >&2
    exit 1
fi
npm ci --no-audit --no-fund
