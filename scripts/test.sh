#!/bin/sh
# Installs what the project and its tests need, builds, and runs the
# whole test suite (unit, integration over HTTP, corpus).
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)"
cd build
ctest --output-on-failure --timeout 900
