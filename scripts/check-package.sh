#!/bin/bash
# Checks the .deb on a clean Debian 12 (minutes; as root; not part of
# scripts/test.sh -- run it by hand, or set KB_CHECK_PACKAGE=1 for .ci/run):
#   1. builds the package (scripts/package.sh), unless --deb FILE is given;
#   2. makes a clean Debian 12 root with `debootstrap --variant=minbase
#      bookworm` (the finished root is cached as a tarball under
#      /var/cache/kb-check-package, so a second run takes seconds there);
#   3. `apt-get install ./kb_*.deb` inside it (chroot), which must pull in
#      every runtime dependency from the Debian mirror;
#   4. inside the chroot: kb-serve --help; the user kb and /var/lib/kb the
#      package created; kb-index, as the user kb, on a small content
#      folder; kb-serve, as the user kb and without --web, on a loopback
#      port: /healthz, a search, the home page and a static file (curl,
#      installed in the chroot);
#   5. the installed man pages through mandoc -T lint and man --warnings,
#      the installed unit through systemd-analyze verify, and its
#      systemd-analyze security exposure (offline);
#   6. apt-get remove, then purge: the programs and the settings go;
#   7. kb-serve.service under systemd: installs systemd and the package
#      again in the same root, boots it with systemd-nspawn (its own
#      network namespace, loopback only) and checks that the unit starts
#      with its whole sandbox, indexes KB_CONTENT, answers /healthz, runs
#      a reindex started over HTTP by an author (kb-index as its child,
#      under the same sandbox) and stops cleanly (skipped, said so, where
#      systemd-nspawn cannot boot a container).
# Prints the time of each step, the package's size and its dependencies.
#
#   scripts/check-package.sh [--deb FILE] [--refresh] [--keep]
#
# --refresh makes the cached Debian root again; --keep leaves the chroot
# (its path is printed).  KB_DEBIAN_MIRROR (default
# http://deb.debian.org/debian) is the mirror debootstrap and apt use.
set -euo pipefail
cd "$(dirname "$0")/.."
deb=""
refresh=0
keep=0
while [ $# -gt 0 ]; do
    case $1 in
    --deb)
        [ $# -ge 2 ] || { echo "check-package.sh: --deb needs a file" >&2; exit 2; }
        deb=$(realpath "$2")
        shift
        ;;
    --refresh) refresh=1 ;;
    --keep) keep=1 ;;
    -h | --help)
        sed -n '2,32s/^# \{0,1\}//p' "$0"
        exit 0
        ;;
    *)
        echo "check-package.sh: unknown argument '$1' (see --help)" >&2
        exit 2
        ;;
    esac
    shift
done
[ "$(id -u)" = 0 ] || { echo "check-package.sh: needs root (debootstrap, chroot)" >&2; exit 2; }

mirror=${KB_DEBIAN_MIRROR:-http://deb.debian.org/debian}
cache=/var/cache/kb-check-package
tarball=$cache/bookworm-minbase-root.tar.gz
started=$(date +%s)
step_start=$started
step() {
    local now
    now=$(date +%s)
    printf '== [%4ss, step %ss] %s\n' "$((now - started))" "$((now - step_start))" "$*"
    step_start=$now
}
failed=0
fail() { echo "FAIL: $*" >&2; failed=1; }
ok() { echo "ok: $*"; }

root=""
server=""
nspawn=""
# Unmounts what this script mounted in the chroot; removes it unless
# --keep, and never while anything is still mounted in it.
cleanup() {
    set +e
    if [ -n "$nspawn" ]; then
        kill "$nspawn" 2>/dev/null
        for _ in $(seq 100); do kill -0 "$nspawn" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$nspawn" 2>/dev/null
        wait "$nspawn" 2>/dev/null
    fi
    if [ -n "$server" ]; then
        kill "$server" 2>/dev/null
        for _ in $(seq 50); do kill -0 "$server" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$server" 2>/dev/null
        wait "$server" 2>/dev/null
    fi
    [ -n "$root" ] || return 0
    for m in dev/pts dev proc sys; do
        mountpoint -q "$root/$m" && umount "$root/$m"
    done
    if grep -q " $root/" /proc/mounts; then
        echo "check-package: still mounted under $root; not removed" >&2
    elif [ "$keep" = 1 ]; then
        echo "check-package: chroot kept in $root"
    else
        rm -rf "$root"
    fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

KB_WITH_PACKAGE=1 scripts/install-deps.sh
step "dependencies of the check present"

# 1. The package.
if [ -z "$deb" ]; then
    scripts/package.sh >/tmp/kb-check-package-build.log 2>&1 || {
        tail -n 40 /tmp/kb-check-package-build.log >&2
        echo "check-package: scripts/package.sh failed" >&2
        exit 1
    }
    deb=$(realpath "$(tail -n 1 /tmp/kb-check-package-build.log)")
    step "built $deb"
fi
[ -f "$deb" ] || { echo "check-package: no package $deb" >&2; exit 1; }
echo "package: $(basename "$deb"), $(stat -c %s "$deb") bytes"
dpkg-deb --field "$deb" Depends Installed-Size

# 2. A clean Debian 12 root.
root=$(mktemp -d /var/tmp/kb-check-package.XXXXXX)
if [ "$refresh" = 1 ] || [ ! -s "$tarball" ]; then
    mkdir -p "$cache"
    debootstrap --variant=minbase bookworm "$root" "$mirror" >"$cache/debootstrap.log" 2>&1 || {
        tail -n 30 "$cache/debootstrap.log" >&2
        echo "check-package: debootstrap failed (log: $cache/debootstrap.log)" >&2
        exit 1
    }
    rm -f "$root"/var/cache/apt/archives/*.deb
    tar -C "$root" -czf "$tarball.new" . && mv "$tarball.new" "$tarball"
    step "debootstrap --variant=minbase bookworm (cached in $tarball)"
else
    tar -C "$root" -xzf "$tarball"
    step "clean Debian 12 root from $tarball"
fi
chmod 755 "$root"
cat >"$root/etc/apt/sources.list" <<EOF
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb ${mirror%/debian}/debian-security bookworm-security main
EOF
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
mount -t proc proc "$root/proc"
mount -t sysfs sysfs "$root/sys"
mount --bind /dev "$root/dev"
mount --bind /dev/pts "$root/dev/pts"
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
    DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 HOME=/root "$@"; }
if in_root dpkg-query -W kb >/dev/null 2>&1; then
    echo "check-package: the clean root already has kb" >&2
    exit 1
fi

# 3. The package and what it depends on, from the mirror.
cp "$deb" "$root/tmp/"
in_root apt-get update -q >/dev/null
in_root sh -c "cd /tmp && apt-get install -y -q --no-install-recommends ./$(basename "$deb")" \
    >"$root/tmp/apt-install.log" 2>&1 || {
    cat "$root/tmp/apt-install.log" >&2
    echo "check-package: apt-get install ./$(basename "$deb") failed" >&2
    exit 1
}
echo "  installed with it: $(sed -n 's/^Setting up \([^: ]*\).*/\1/p' "$root/tmp/apt-install.log" | grep -vx kb | xargs)"
step "apt-get install ./$(basename "$deb") in the chroot"

# 4. The installed programs.
if in_root kb-serve --help >"$root/tmp/help.txt" 2>&1 && grep -q -- '--index DIR' "$root/tmp/help.txt"; then
    ok "kb-serve --help"
else
    cat "$root/tmp/help.txt" >&2
    fail "kb-serve --help"
fi
if in_root id kb >/dev/null 2>&1 && [ "$(in_root stat -c %U "/var/lib/kb")" = kb ]; then
    ok "user kb and /var/lib/kb (owned by kb) created"
else
    fail "no user kb, or /var/lib/kb not owned by it"
fi
in_root dpkg-query --control-show kb conffiles | grep -qx /etc/default/kb &&
    ok "/etc/default/kb is a conffile" || fail "/etc/default/kb is not a conffile"
mkdir -p "$root/srv/kb/content/en-us/account"
cat >"$root/srv/kb/content/en-us/account/reset-password.md" <<'EOF'
---
title: Reset your password
description: Get back into your account when you forgot its password.
topic: how-to
product: account
---

# Reset your password

Choose **Forgot password** on the sign-in page.

## Check your mailbox

The reset link arrives within five minutes and works for one hour.
EOF
as_kb() { in_root setpriv --reuid=kb --regid=kb --init-groups "$@"; }
if as_kb kb-index --content /srv/kb/content --index /var/lib/kb/index --json >"$root/tmp/index.json" 2>"$root/tmp/index.err"; then
    ok "kb-index as kb: $(cat "$root/tmp/index.json")"
else
    cat "$root/tmp/index.err" >&2
    fail "kb-index as kb"
fi
in_root apt-get install -y -q --no-install-recommends curl ca-certificates >/dev/null 2>&1 ||
    fail "apt-get install curl in the chroot"
step "kb-serve --help, kb-index, curl"

: >"$root/tmp/serve.out"
chroot "$root" /usr/bin/env -i PATH=/usr/bin:/bin LC_ALL=C.UTF-8 \
    setpriv --reuid=kb --regid=kb --init-groups \
    kb-serve --index /var/lib/kb/index --db /var/lib/kb/kb.db --listen 127.0.0.1:0 \
    --content /srv/kb/content >>"$root/tmp/serve.out" 2>"$root/tmp/serve.err" &
server=$!
url=""
for _ in $(seq 100); do
    url=$(sed -n '1s#^kb-serve: listening on \(http://[^ ]*/\)$#\1#p' "$root/tmp/serve.out" || true)
    [ -n "$url" ] && break
    kill -0 "$server" 2>/dev/null || break
    sleep 0.1
done
if [ -z "$url" ]; then
    cat "$root/tmp/serve.err" >&2
    fail "kb-serve did not start in the chroot"
else
    ok "kb-serve as kb in the chroot: $(head -n 1 "$root/tmp/serve.out")"
    health=$(in_root curl -fsS --max-time 10 "${url}healthz" || true)
    case $health in
    *'"status":"ok","articles":1,'*) ok "GET /healthz: $health" ;;
    *) fail "GET /healthz answered '$health'" ;;
    esac
    found=$(in_root curl -fsS --max-time 10 "${url}api/search?q=forgot+password" || true)
    case $found in
    *'"id":"account/reset-password"'*) ok "GET /api/search?q=forgot+password finds account/reset-password" ;;
    *) fail "GET /api/search?q=forgot+password answered '$found'" ;;
    esac
    page=$(in_root curl -fsS --max-time 10 "${url}search?q=password" || true)
    case $page in
    *'Reset your password'*) ok "GET /search?q=password: the HTML page (templates from /usr/share/kb/web)" ;;
    *) fail "GET /search?q=password did not render the article" ;;
    esac
    code=$(in_root curl -sS -o /dev/null -w '%{http_code}' --max-time 10 "${url}static/style.css" || true)
    [ "$code" = 200 ] && ok "GET /static/style.css 200" || fail "GET /static/style.css answered '$code'"
    kill "$server"
    if wait "$server"; then ok "kb-serve stopped on SIGTERM with status 0"; else fail "kb-serve exit status $? after SIGTERM"; fi
    server=""
fi
step "kb-serve in the chroot"

# 5. Man pages and unit, as installed.
mans=$(ls "$root"/usr/share/man/man1/kb-*.1 "$root"/usr/share/man/man8/kb-*.8 2>/dev/null || true)
[ "$(echo "$mans" | wc -w)" = 4 ] || fail "not 4 installed man pages: $mans"
# shellcheck disable=SC2086
out=$(mandoc -T lint $mans 2>&1 || true)
[ -z "$out" ] && ok "mandoc -T lint: $(echo $mans | xargs -n1 basename | xargs)" || { echo "$out" >&2; fail "mandoc -T lint"; }
for m in $mans; do
    out=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$m" 2>&1 >/dev/null || true)
    [ -z "$out" ] || { echo "$out" >&2; fail "man --warnings -l $(basename "$m")"; }
done
ok "man --warnings -l"
unit=$root/usr/lib/systemd/system/kb-serve.service
sed "s#/usr/bin/#$root/usr/bin/#g" "$unit" >"$root/tmp/kb-serve.service"
out=$(MANPATH=$root/usr/share/man systemd-analyze verify "$root/tmp/kb-serve.service" 2>&1 || echo "exit status $?")
[ -z "$out" ] && ok "systemd-analyze verify kb-serve.service" || { echo "$out" >&2; fail "systemd-analyze verify"; }
exposure=$(systemd-analyze security --offline=yes "$unit" 2>&1 | grep 'Overall exposure' || true)
echo "systemd-analyze security --offline=yes: ${exposure:-not available}"
step "man pages and unit"

# 6. Removal and purge.
in_root apt-get remove -y -q kb >/dev/null 2>&1 || fail "apt-get remove kb"
[ ! -e "$root/usr/bin/kb-serve" ] && [ -e "$root/etc/default/kb" ] &&
    ok "remove: programs gone, /etc/default/kb kept" || fail "apt-get remove left the programs or took the settings"
in_root apt-get purge -y -q kb >/dev/null 2>&1 || fail "apt-get purge kb"
[ ! -e "$root/etc/default/kb" ] && [ -d "$root/var/lib/kb/index" ] &&
    ok "purge: /etc/default/kb gone, /var/lib/kb (index, database) kept" || fail "apt-get purge"
step "apt-get remove, purge"

# 7. The unit under systemd, in a container booted from the same root.
in_root apt-get install -y -q --no-install-recommends systemd systemd-sysv dbus \
    "./tmp/$(basename "$deb")" >"$root/tmp/apt-systemd.log" 2>&1 ||
    { tail -n 20 "$root/tmp/apt-systemd.log" >&2; fail "apt-get install systemd and the package again"; }
printf '%s\n' KB_CONTENT=/srv/kb/content KB_LISTEN=127.0.0.1:8080 \
    KB_DEFAULT_LOCALE=en-us 'KB_OPTS="--threads 2"' >"$root/etc/default/kb"
rm -rf "$root/var/lib/kb/index" "$root"/var/lib/kb/kb.db*
in_root systemctl enable kb-serve.service >/dev/null 2>&1 || fail "systemctl enable kb-serve.service"
echo kbcheck >"$root/etc/hostname"
for m in dev/pts dev proc sys; do mountpoint -q "$root/$m" && umount "$root/$m"; done
step "systemd and the package in the root"
container_init=""
if command -v systemd-nspawn >/dev/null 2>&1; then
    systemd-nspawn -D "$root" --boot --register=no --keep-unit --private-network \
        -M kbcheck >"$root.nspawn.log" 2>&1 </dev/null &
    nspawn=$!
    for _ in $(seq 100); do
        container_init=$(pgrep -P "$nspawn" -x systemd || true)
        [ -n "$container_init" ] && break
        kill -0 "$nspawn" 2>/dev/null || break
        sleep 0.1
    done
fi
if [ -z "$container_init" ]; then
    echo "SKIP: systemd-nspawn cannot boot a container here:" >&2
    tail -n 5 "$root.nspawn.log" >&2 2>/dev/null || echo "  systemd-nspawn is missing" >&2
else
    in_ct() { nsenter -t "$container_init" -a "$@"; }
    # This machine's curl, in the container's network namespace.
    in_ct_net() { nsenter -t "$container_init" -n "$@"; }
    state=""
    for _ in $(seq 120); do
        state=$(in_ct systemctl is-active kb-serve.service 2>/dev/null || true)
        [ "$state" = active ] && in_ct_net curl -fsS -o /dev/null http://127.0.0.1:8080/healthz 2>/dev/null && break
        sleep 0.5
    done
    if [ "$state" != active ]; then
        in_ct systemctl status kb-serve.service --no-pager >&2 || true
        in_ct journalctl -u kb-serve.service --no-pager >&2 || true
        fail "kb-serve.service is '$state' under systemd"
    else
        ok "kb-serve.service active under systemd: $(in_ct systemctl show -p User -p MainPID -p NRestarts kb-serve.service | xargs)"
        health=$(in_ct_net curl -fsS --max-time 10 http://127.0.0.1:8080/healthz || true)
        case $health in
        *'"status":"ok","articles":1,'*) ok "the service indexed KB_CONTENT before its start: $health" ;;
        *) fail "the service's /healthz answered '$health'" ;;
        esac
        owner=$(in_ct stat -c '%U %a' /var/lib/kb/kb.db 2>/dev/null || true)
        [ "$owner" = "kb 600" ] && ok "/var/lib/kb/kb.db: kb, mode 600 (UMask=0077)" ||
            fail "/var/lib/kb/kb.db is '$owner', not 'kb 600'"
        echo "check-package-author-password" | in_ct runuser -u kb -- \
            kb-user --db /var/lib/kb/kb.db add author1 --role author >/dev/null 2>&1 ||
            fail "kb-user add, as kb, while the service runs"
        token=$(in_ct runuser -u kb -- kb-user --db /var/lib/kb/kb.db token author1 2>/dev/null | tail -n 1)
        printf '%s\n' '# Change your email address' '' \
            'Open **Profile**, choose **Email** and confirm the new address.' \
            >"$root/srv/kb/content/en-us/account/change-email.md"
        job=$(in_ct_net curl -fsS --max-time 10 -X POST -H "Authorization: Bearer $token" \
            -H 'Content-Type: application/json' -d '{"full":false,"strict":true}' \
            http://127.0.0.1:8080/api/admin/reindex || true)
        id=$(echo "$job" | sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
        rstate=""
        for _ in $(seq 100); do
            [ -n "$id" ] || break
            rstate=$(in_ct_net curl -fsS --max-time 10 -H "Authorization: Bearer $token" \
                "http://127.0.0.1:8080/api/admin/reindex/$id" || true)
            case $rstate in *'"state":"running"'*) sleep 0.2 ;; *) break ;; esac
        done
        sleep 0.5
        health=$(in_ct_net curl -fsS --max-time 10 http://127.0.0.1:8080/healthz || true)
        case "$rstate $health" in
        *'"state":"done"'*'"articles":2,'*) ok "reindex over HTTP (kb-index under the sandbox): done, 2 articles" ;;
        *)
            echo "reindex: $job / $rstate / $health" >&2
            in_ct journalctl -u kb-serve.service --no-pager | tail -n 20 >&2 || true
            fail "reindex over HTTP under systemd"
            ;;
        esac
        in_ct systemctl stop kb-serve.service || fail "systemctl stop kb-serve.service"
        result=$(in_ct systemctl show -p Result -p ExecMainStatus kb-serve.service | xargs)
        [ "$result" = "Result=success ExecMainStatus=0" ] && ok "systemctl stop: $result" ||
            fail "systemctl stop: $result"
        in_ct journalctl -u kb-serve.service --no-pager -o cat | sed 's/^/  journal: /' | tail -n 8
    fi
    in_ct systemctl poweroff >/dev/null 2>&1 || kill "$nspawn" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$nspawn" 2>/dev/null || break; sleep 0.1; done
    wait "$nspawn" 2>/dev/null || true
    nspawn=""
fi
rm -f "$root.nspawn.log"
step "kb-serve.service under systemd (systemd-nspawn)"

echo "package: $(basename "$deb"), $(stat -c %s "$deb") bytes, installed $(dpkg-deb --field "$deb" Installed-Size) KiB"
if [ "$failed" != 0 ]; then
    echo "check-package: FAILED after $(($(date +%s) - started)) s" >&2
    exit 1
fi
echo "check-package: all passed in $(($(date +%s) - started)) s"
