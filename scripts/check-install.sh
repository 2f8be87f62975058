#!/bin/sh
# Quick check of what `cmake --install` puts in place (ctest test_install,
# a few seconds):
#   1. installs build folder BUILD into a temporary DESTDIR and checks the
#      layout: programs, web files, sample content, man pages, the systemd
#      unit and its settings file;
#   2. lints the installed man pages: `mandoc -T lint` and
#      `man --warnings -l` must say nothing;
#   3. `systemd-analyze verify` on the installed unit must say nothing
#      (its programs and man pages are looked up in the DESTDIR);
#   4. runs the installed kb-index on the installed sample content and the
#      installed kb-serve, without --web, on a free loopback port: /healthz
#      answers, and a file put only into the installed web folder is served
#      (so kb-serve found its web files beside itself, not in the sources).
# Exit status 0 all passed, 1 a check failed, 77 (skipped) when no check
# failed but mandoc, man or systemd-analyze is missing
# (scripts/install-deps.sh installs them).
#
#   scripts/check-install.sh BUILD
set -eu
[ $# -eq 1 ] && [ -f "$1/CMakeCache.txt" ] || {
    echo "usage: scripts/check-install.sh BUILD (a configured and built folder)" >&2
    exit 2
}
build=$(cd "$1" && pwd)
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:[A-Z]*=//p' "$build/CMakeCache.txt")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kb-check-install.XXXXXX")
server=""
# Stops the kb-serve this script started (SIGTERM, then SIGKILL after 5 s).
stop_server() {
    [ -n "$server" ] || return 0
    kill "$server" 2>/dev/null || true
    n=0
    while kill -0 "$server" 2>/dev/null && [ $n -lt 50 ]; do
        sleep 0.1
        n=$((n + 1))
    done
    kill -KILL "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    server=""
}
cleanup() {
    stop_server
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
failed=0
skipped=""
fail() { echo "FAIL: $*" >&2; failed=1; }
ok() { echo "ok: $*"; }

dest=$tmp/root
root=$dest$prefix
DESTDIR=$dest cmake --install "$build" >"$tmp/install.log" 2>&1 || {
    cat "$tmp/install.log" >&2
    echo "FAIL: cmake --install" >&2
    exit 1
}
# The settings file is /etc/default/kb for the prefix /usr, else
# PREFIX/etc/default/kb.
if [ "$prefix" = /usr ]; then envfile=$dest/etc/default/kb; else envfile=$root/etc/default/kb; fi

# 1. The layout.
for f in bin/kb-index bin/kb-serve bin/kb-user bin/kb-report; do
    [ -x "$root/$f" ] || fail "$prefix/$f is not installed (or not executable)"
done
for f in share/kb/web/templates/page.html share/kb/web/i18n/en.json \
    share/kb/web/static/style.css share/kb/content/synonyms.yml \
    share/man/man1/kb-index.1 share/man/man1/kb-report.1 \
    share/man/man8/kb-serve.8 share/man/man8/kb-user.8 \
    share/doc/kb/README.md lib/systemd/system/kb-serve.service; do
    [ -f "$root/$f" ] || fail "$prefix/$f is not installed"
done
[ -f "$envfile" ] || fail "${envfile#"$dest"} is not installed"
[ "$failed" = 0 ] && ok "layout under $prefix"

# 2. The man pages.
mans="$root/share/man/man1/kb-index.1 $root/share/man/man1/kb-report.1
$root/share/man/man8/kb-serve.8 $root/share/man/man8/kb-user.8"
if command -v mandoc >/dev/null 2>&1; then
    # shellcheck disable=SC2086
    out=$(mandoc -T lint $mans 2>&1) || true
    if [ -n "$out" ]; then echo "$out" >&2; fail "mandoc -T lint"; else ok "mandoc -T lint"; fi
else
    skipped="$skipped mandoc"
fi
if command -v man >/dev/null 2>&1 && command -v groff >/dev/null 2>&1; then
    for m in $mans; do
        out=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$m" 2>&1 >/dev/null) || true
        if [ -n "$out" ]; then echo "$out" >&2; fail "man --warnings -l $(basename "$m")"; fi
    done
    ok "man --warnings -l"
else
    skipped="$skipped man"
fi

# 3. The systemd unit, with its programs as installed in the DESTDIR.
if command -v systemd-analyze >/dev/null 2>&1; then
    bindir=$(sed -n 's#^ExecStart=\(/.*\)/kb-serve .*#\1#p' "$root/lib/systemd/system/kb-serve.service")
    sed "s#$bindir/#$dest$bindir/#g" "$root/lib/systemd/system/kb-serve.service" >"$tmp/kb-serve.service"
    out=$(MANPATH=$root/share/man systemd-analyze verify "$tmp/kb-serve.service" 2>&1) || fail "systemd-analyze verify (exit status)"
    if [ -n "$out" ]; then echo "$out" >&2; fail "systemd-analyze verify"; else ok "systemd-analyze verify"; fi
else
    skipped="$skipped systemd-analyze"
fi

# 4. The installed programs, without --web.
"$root/bin/kb-serve" --help >"$tmp/help.txt" 2>&1 || fail "kb-serve --help"
if "$root/bin/kb-index" --content "$root/share/kb/content" --index "$tmp/index" --quiet; then
    marker=$(date +%s)-$$
    echo "$marker" >"$root/share/kb/web/static/install-check.txt"
    : >"$tmp/serve.out"
    "$root/bin/kb-serve" --index "$tmp/index" --listen 127.0.0.1:0 --threads 2 \
        >>"$tmp/serve.out" 2>"$tmp/serve.err" &
    server=$!
    url=""
    i=0
    while [ $i -lt 100 ] && [ -z "$url" ]; do
        url=$(sed -n '1s#^kb-serve: listening on \(http://[^ ]*/\)$#\1#p' "$tmp/serve.out" || true)
        [ -n "$url" ] || { kill -0 "$server" 2>/dev/null || break; sleep 0.1; }
        i=$((i + 1))
    done
    if [ -z "$url" ]; then
        cat "$tmp/serve.err" >&2
        fail "the installed kb-serve did not start"
    else
        health=$(curl -fsS --max-time 10 "${url}healthz") || health=""
        case $health in
        *'"status":"ok"'*) ok "installed kb-serve: /healthz $health" ;;
        *) fail "installed kb-serve: /healthz answered '$health'" ;;
        esac
        got=$(curl -fsS --max-time 10 "${url}static/install-check.txt") || got=""
        if [ "$got" = "$marker" ]; then
            ok "installed kb-serve serves the installed web folder"
        else
            fail "installed kb-serve does not serve $prefix/share/kb/web (got '$got')"
        fi
        code=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 10 "${url}?locale=en-us") || code=""
        [ "$code" = 200 ] && ok "installed kb-serve: GET / 200" || fail "installed kb-serve: GET / answered '$code'"
    fi
    stop_server
else
    fail "the installed kb-index on the installed sample content"
fi

if [ "$failed" != 0 ]; then
    echo "check-install: FAILED" >&2
    exit 1
fi
if [ -n "$skipped" ]; then
    echo "check-install: passed, but skipped what needs:$skipped (scripts/install-deps.sh)"
    exit 77
fi
echo "check-install: all passed"
