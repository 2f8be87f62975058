#!/bin/sh
# Builds the Debian package kb_VERSION_ARCH.deb with CPack: the four
# programs (stripped), the web files, the sample content, the man pages,
# kb-serve.service and /etc/default/kb, installed under the prefix /usr.
# Its runtime dependencies are computed by dpkg-shlibdeps
# (CPACK_DEBIAN_PACKAGE_SHLIBDEPS), so `apt install ./kb_*.deb` on a
# fresh Debian 12 pulls them in.
#
#   scripts/package.sh [--build-dir DIR] [--out DIR]
#
# --build-dir DIR builds in DIR (default build-pkg/; configured here every
# time, with the tests off); --out DIR copies the package there (default:
# it stays in the build folder).  The last line printed is the package's
# path.
set -eu
cd "$(dirname "$0")/.."
build=build-pkg
out=""
while [ $# -gt 0 ]; do
    case $1 in
    --build-dir | --out)
        [ $# -ge 2 ] || { echo "package.sh: $1 needs a folder" >&2; exit 2; }
        if [ "$1" = --build-dir ]; then build=$2; else out=$2; fi
        shift
        ;;
    -h | --help)
        sed -n '2,14s/^# \{0,1\}//p' "$0"
        exit 0
        ;;
    *)
        echo "package.sh: unknown argument '$1' (see scripts/package.sh --help)" >&2
        exit 2
        ;;
    esac
    shift
done

# dpkg-dev (dpkg-shlibdeps) and file are what CPack's DEB generator runs.
KB_WITH_PACKAGE=1 scripts/install-deps.sh
# CMAKE_SKIP_INSTALL_ALL_DEPENDENCY: cpack builds the four programs'
# targets only, not the benches and the evaluation tool.
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF \
    -DCMAKE_INSTALL_PREFIX=/usr -DCMAKE_SKIP_INSTALL_ALL_DEPENDENCY=ON >/dev/null
cmake --build "$build" -j"$(nproc)" --target kb-index kb-serve kb-user kb-report
rm -f "$build"/kb_*.deb
(cd "$build" && cpack -G DEB)
deb=$(ls "$build"/kb_*.deb)
if [ -n "$out" ]; then
    mkdir -p "$out"
    cp "$deb" "$out/"
    deb=$out/$(basename "$deb")
fi
dpkg-deb --field "$deb" Package Version Architecture Depends Installed-Size
echo "$deb"
