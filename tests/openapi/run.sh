#!/bin/sh
# Runs the OpenAPI document's test (openapi.test.js, node --test): a real
# kb-serve, Redocly CLI's lint, the route table, the real answers
# against the documented schemas.  Exit 77 -- "skipped" for ctest --
# when node or this folder's node_modules are missing, or node is older
# than Redocly CLI needs, saying why.  Install them with
# KB_WITH_BROWSER=1 scripts/install-deps.sh (node, npm) and
# scripts/install-openapi-tests.sh.
cd "$(dirname "$0")" || exit 1
if ! command -v node >/dev/null 2>&1; then
    echo "openapi test skipped: node is not installed (KB_WITH_BROWSER=1 scripts/install-deps.sh)"
    exit 77
fi
if [ ! -x node_modules/.bin/redocly ] || [ ! -f node_modules/ajv/package.json ]; then
    echo "openapi test skipped: tests/openapi/node_modules is missing (scripts/install-openapi-tests.sh)"
    exit 77
fi
# @redocly/cli 1.34 runs on node 18.17 or later (its package.json):
# Debian 12's node (18.20) runs it.
if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number);
              process.exit(a > 18 || (a === 18 && b >= 17) ? 0 : 1)'; then
    echo "openapi test skipped: node $(node --version) is older than 18.17, which Redocly CLI needs"
    exit 77
fi
exec node --test openapi.test.js
