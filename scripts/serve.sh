#!/bin/sh
# Installs what the project needs, builds it, indexes content/ and
# serves it at http://127.0.0.1:8080 (Ctrl-C stops the server).
#
#   scripts/serve.sh [--build-dir DIR] [--configure-only]
#
# The build goes into build/ (--build-dir DIR for another folder),
# configured here every time with the settings serving needs (release
# build type, no tests), whatever configured the folder before.
# --configure-only runs only that configure step (no package
# installation, no build, no server): scripts/check-readme-path.sh uses
# it to check this script and scripts/test.sh together.
set -eu
cd "$(dirname "$0")/.."
build=build
configure_only=0
while [ $# -gt 0 ]; do
    case $1 in
    --build-dir)
        [ $# -ge 2 ] || { echo "serve.sh: --build-dir needs a folder" >&2; exit 2; }
        build=$2
        shift
        ;;
    --configure-only) configure_only=1 ;;
    -h | --help)
        sed -n '2,12s/^# \{0,1\}//p' "$0"
        exit 0
        ;;
    *)
        echo "serve.sh: unknown argument '$1' (see scripts/serve.sh --help)" >&2
        exit 2
        ;;
    esac
    shift
done

# Serving needs no tests: leave them out, so a later scripts/test.sh
# (which turns them on again explicitly) is the only one that builds them.
configure() {
    cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF >/dev/null
}

if [ "$configure_only" = 1 ]; then
    configure
    exit 0
fi
scripts/install-deps.sh
configure
cmake --build "$build" -j"$(nproc)"
mkdir -p var
"$build/kb-index" --content content --index var/index
echo "Open http://${KB_LISTEN:-127.0.0.1:8080}/ in a browser."
echo "Staff accounts: $build/kb-user --db var/kb.db add NAME --role agent|author"
exec "$build/kb-serve" --index var/index --db var/kb.db --content content \
    --synonyms content/synonyms.yml --listen "${KB_LISTEN:-127.0.0.1:8080}"
