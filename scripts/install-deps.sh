#!/bin/sh
# Installs every Debian 12 package the project needs to build, run and test.
# Runs as root (or through sudo when it is available). Safe to run again.
set -eu
# wrk is the load generator of the soak test (ctest test_soak, bench/soak.sh);
# mandoc, man-db and systemd (systemd-analyze) check the man pages and the
# unit that cmake --install puts in place (ctest test_install).
PKGS="build-essential cmake pkg-config ca-certificates
libxapian-dev libcmark-dev libyaml-dev libmicrohttpd-dev libjansson-dev
libsqlite3-dev libsodium-dev libcurl4-openssl-dev sqlite3 curl wrk
mandoc man-db systemd libpq-dev"
if [ "${KB_WITH_CLUSTER:-0}" = 1 ] || [ "${KB_WITH_POSTGRES:-0}" = 1 ]; then
    # The PostgreSQL store's tests and scripts/pg.sh (a primary and its
    # synchronous standby); libpq-dev above builds the client.
    PKGS="$PKGS postgresql-15"
fi
if [ "${KB_WITH_BROWSER:-0}" = 1 ]; then
    # Chromium and a CJK font for the browser tests' screenshots; node and
    # npm from Debian unless another node (NodeSource, nvm) is installed,
    # whose own npm the Debian package would conflict with.
    PKGS="$PKGS chromium fonts-wqy-microhei"
    command -v node >/dev/null 2>&1 || PKGS="$PKGS nodejs"
    command -v npm >/dev/null 2>&1 || PKGS="$PKGS npm"
fi
if [ "${KB_WITH_FUZZ:-0}" = 1 ]; then
    PKGS="$PKGS clang libclang-rt-14-dev valgrind"
fi
if [ "${KB_WITH_BENCH:-0}" = 1 ]; then
    PKGS="$PKGS clang libclang-rt-14-dev valgrind"
fi
if [ "${KB_WITH_CLUSTER:-0}" = 1 ]; then
    # scripts/cluster.sh and ctest test_cluster: the load balancer,
    # Xapian's replication and remote-backend servers, and python3 for
    # the test's concurrent clients.
    PKGS="$PKGS haproxy xapian-tools python3"
fi
if [ "${KB_WITH_METRICS:-0}" = 1 ]; then
    # promtool, which checks kb-serve's /metrics text (ctest
    # test_metrics_promtool), comes only with Debian's Prometheus server
    # package; where systemd runs, Debian also starts that server (port
    # 9090), so it is asked for by name, as scripts/test.sh does.
    PKGS="$PKGS prometheus"
fi
if [ "${KB_WITH_PACKAGE:-0}" = 1 ]; then
    # CPack's DEB generator (dpkg-shlibdeps, file) and the clean Debian 12
    # root of scripts/check-package.sh (debootstrap), booted with systemd
    # there (systemd-nspawn).
    PKGS="$PKGS dpkg-dev file debootstrap systemd-container"
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "install-deps: installing:$missing"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -q
    # shellcheck disable=SC2086
    $SUDO apt-get install -y -q --no-install-recommends $missing
else
    echo "install-deps: all packages present"
fi
