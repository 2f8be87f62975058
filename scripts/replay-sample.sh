#!/bin/sh
# replay-sample.sh -- the replay gate on the sample content: readers'
# solved searches are logged through a real kb-serve's HTTP API (search,
# click, "this solved my problem"), then a scripted edit of a copy of
# content/ that loses readers' words is indexed with kb-index --replay DB
# --gate (refused, exit status 4), then an unrelated edit (committed);
# each run's report, summary and exit status are printed.
#
#   scripts/replay-sample.sh [--build-dir DIR]
#
# Everything lives in a temporary folder that is removed at the end; the
# server listens on a free port of 127.0.0.1 and is stopped at the end.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build
while [ $# -gt 0 ]; do
    case $1 in
    --build-dir) build=$2; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "replay-sample.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
for p in kb-index kb-serve; do
    [ -x "$build/$p" ] || { echo "replay-sample.sh: no $build/$p (build first)" >&2; exit 2; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/kb-replay.XXXXXX")
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

cp -r "$root/content" "$tmp/content"
"$build/kb-index" --content "$tmp/content" --index "$tmp/index" --quiet
"$build/kb-serve" --index "$tmp/index" --db "$tmp/kb.db" --listen 127.0.0.1:0 \
    --synonyms "$tmp/content/synonyms.yml" --deflection-window 1 \
    >"$tmp/serve.out" 2>"$tmp/serve.err" &
pid=$!
i=0
while ! grep -q 'listening on' "$tmp/serve.out" 2>/dev/null; do
    i=$((i + 1))
    [ $i -lt 100 ] || { echo "replay-sample.sh: kb-serve did not start" >&2; cat "$tmp/serve.err" >&2; exit 1; }
    sleep 0.1
done
base=$(sed -n 's|.*listening on \(http://[^/]*\)/.*|\1|p' "$tmp/serve.out")

# visits query article: that many visits search the query, click the
# article and say it solved their problem.
solved() {
    n=$1 q=$2 art=$3 v=0
    enc=$(printf '%s' "$q" | sed 's/ /%20/g; s/?/%3F/g')
    while [ $v -lt "$n" ]; do
        v=$((v + 1))
        hdr="X-KB-Visit: sample-$(printf '%s' "$q$v" | md5sum | cut -c1-24)"
        curl -sf -o /dev/null -H "$hdr" "$base/api/search?q=$enc&locale=en-us"
        curl -sf -o /dev/null -H "$hdr" -H 'Content-Type: application/json' \
            -d "{\"type\":\"click\",\"query\":\"$q\",\"article\":\"$art\",\"rank\":1,\"locale\":\"en-us\"}" \
            "$base/api/events"
        curl -sf -o /dev/null -H "$hdr" -H 'Content-Type: application/json' \
            -d "{\"type\":\"deflect\",\"article\":\"$art\",\"locale\":\"en-us\",\"source\":\"article\"}" \
            "$base/api/events"
    done
}
solved 9 "charged twice" billing/charged-twice
solved 7 "duplicate charge refund" billing/charged-twice
solved 6 "reset password" sign-in-and-mfa/reset-password
solved 5 "cancel subscription" subscriptions/cancel-a-subscription
solved 4 "lost phone authenticator" sign-in-and-mfa/lost-mfa-device
solved 4 "vat number" billing/tax-and-vat
solved 3 "account locked" sign-in-and-mfa/account-locked
solved 3 "export data" settings/export-your-data
solved 2 "overdue invoice" billing/pay-an-overdue-invoice
solved 2 "add licenses" subscriptions/add-licenses
sleep 1.5 # the deflection windows close

# The scripted edit: "Why was I charged twice?" becomes a page about
# "two payments", without the words readers used.
f=$tmp/content/en-us/billing/charged-twice.md
sed -i 's/charged twice/billed for two payments/g; s/Charged twice/Billed for two payments/g;
        s/charged-twice/two-payments/g; s/duplicate/repeated/g; s/Duplicate/Repeated/g;
        s/\([^#/-]\)refund/\1credit/g; s/Refund/Credit/g' "$f"

# replay [LABEL]: kb-index --replay --gate on the copy; prints its
# report, summary and exit status.
replay() {
    echo "\$ kb-index --content content --index index --replay kb.db --gate --synonyms content/synonyms.yml --deflection-window 1 --json"
    set +e
    "$build/kb-index" --content "$tmp/content" --index "$tmp/index" --replay "$tmp/kb.db" \
        --gate --synonyms "$tmp/content/synonyms.yml" --deflection-window 1 --json \
        2>"$tmp/err" >"$tmp/out"
    code=$?
    set -e
    grep -v '^kb-index: ' "$tmp/err" || true
    grep '^kb-index: ' "$tmp/err" || true
    cat "$tmp/out"
    echo "exit status $code"
}

echo "== charged-twice.md rewritten without the readers' words"
replay
echo
echo "== that edit undone; an unrelated one (a sentence in language-and-time-zone.md)"
cp "$root/content/en-us/billing/charged-twice.md" "$f"
printf '\nThe time zone also sets when daily reports start.\n' \
    >>"$tmp/content/en-us/settings/language-and-time-zone.md"
replay
