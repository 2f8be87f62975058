#!/bin/sh
# test_deploy: the multi-machine pieces in deploy/ are valid as written.
#
#   tests/test_deploy.sh SOURCE_DIR BUILD_DIR
#
# - deploy/haproxy/kb.cfg passes `haproxy -c` (a throwaway self-signed
#   certificate in place of the site's, the machines' names unresolved);
# - the units kb-replicate-server.service, kb-replicate.service and
#   kb-shard@.service (as kb-shard@1), and
#   the built kb-serve.service with each drop-in (kb-serve-indexer.conf,
#   kb-serve-frontend.conf), pass `systemd-analyze verify` (the kb-*
#   programs' paths pointed at BUILD_DIR);
# - kb-serve accepts every key of deploy/kb/kb-serve-cluster.conf (it
#   gets as far as opening the index).
# Exits 77 (skipped) without haproxy, systemd-analyze or openssl.
set -u
SRC=$1 BUILD=$(cd "$2" && pwd)
for p in haproxy systemd-analyze openssl; do
    command -v "$p" >/dev/null 2>&1 || { echo "skip: $p missing"; exit 77; }
done
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
passed=0 failed=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*"; }

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key" -out "$T/crt" -days 1 \
    -subj /CN=help.example.com >/dev/null 2>&1 && cat "$T/crt" "$T/key" >"$T/site.pem"
sed -e "s#/etc/haproxy/certs/help.example.com.pem#$T/site.pem#" \
    -e "s#/run/haproxy/admin.sock#$T/admin.sock#" "$SRC/deploy/haproxy/kb.cfg" >"$T/haproxy.cfg"
if out=$(haproxy -c -f "$T/haproxy.cfg" 2>&1); then ok; else bad "haproxy -c deploy/haproxy/kb.cfg: $out"; fi

verify() { # FOLDER UNIT...
    d=$1
    shift
    if out=$(cd "$d" && systemd-analyze verify --man=no "$@" 2>&1) && [ -z "$out" ]; then
        ok
    else
        bad "systemd-analyze verify $* ($d): $out"
    fi
}
mkdir "$T/units"
cp "$SRC/deploy/systemd/kb-replicate-server.service" "$SRC/deploy/systemd/kb-replicate.service" \
    "$SRC/deploy/systemd/kb-shard@.service" "$T/units/"
verify "$T/units" kb-replicate-server.service kb-replicate.service kb-shard@1.service
for node in indexer frontend; do
    rm -rf "$T/$node"
    mkdir -p "$T/$node/kb-serve.service.d"
    sed -e "s#^ExecStart=/.*/kb-serve #ExecStart=$BUILD/kb-serve #" \
        -e "s#^ExecStartPre=-/.*/kb-index #ExecStartPre=-$BUILD/kb-index #" \
        "$BUILD/kb-serve.service" >"$T/$node/kb-serve.service"
    sed "s#/usr/bin/kb-#$BUILD/kb-#g" "$SRC/deploy/systemd/kb-serve-$node.conf" \
        >"$T/$node/kb-serve.service.d/cluster.conf"
    cp "$SRC/deploy/systemd/kb-replicate.service" "$T/$node/"
    verify "$T/$node" kb-serve.service
done

"$BUILD/kb-serve" --config "$SRC/deploy/kb/kb-serve-cluster.conf" --index "$T/none" \
    --listen 127.0.0.1:0 >"$T/out" 2>&1
rc=$?
if [ "$rc" = 1 ] && grep -q 'cannot open index' "$T/out"; then ok; else
    bad "kb-serve --config deploy/kb/kb-serve-cluster.conf: exit $rc: $(cat "$T/out")"
fi
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
