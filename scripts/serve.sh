#!/bin/sh
# Installs what the project needs, builds it, indexes content/ and
# serves it at http://127.0.0.1:8080 (Ctrl-C stops the server).
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF >/dev/null
cmake --build build -j"$(nproc)"
mkdir -p var
build/kb-index --content content --index var/index
echo "Open http://${KB_LISTEN:-127.0.0.1:8080}/ in a browser."
echo "Staff accounts: build/kb-user --db var/kb.db add NAME --role agent|author"
exec build/kb-serve --index var/index --db var/kb.db --content content \
    --synonyms content/synonyms.yml --listen "${KB_LISTEN:-127.0.0.1:8080}"
