#!/usr/bin/env bash
# bench/install-peers.sh -- installs what bench/run.sh needs besides
# the project's own build dependencies (scripts/install-deps.sh):
# wrk and Node.js from Debian, and FlexSearch (the version pinned in
# bench/peers/package-lock.json) with npm ci.  Run as root; safe to
# run again.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)

need=()
command -v wrk >/dev/null || need+=(wrk)
command -v node >/dev/null || need+=(nodejs)
command -v npm >/dev/null || need+=(npm)
command -v sqlite3 >/dev/null || need+=(sqlite3)
if [ ${#need[@]} -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

cd "$HERE/peers"
npm ci --no-audit --no-fund --loglevel=error
node -e "require('flexsearch'); const v = require('./node_modules/flexsearch/package.json').version; console.log('flexsearch ' + v)"
