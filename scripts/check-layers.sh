#!/bin/sh
# check-layers.sh -- the include rules of ARCHITECTURE.md, checked:
#   1. no include circle between modules (a module is a .c/.cc file and
#      its header; X_private.h and X_private.hh belong to module X);
#   2. includes point down the layers only:
#        util <- index <- indexer (content) <- store? no: store uses util only
#      precisely, a file in folder F may include headers of:
#        search/util     util
#        search/index    util index
#        indexer         util index indexer store (kb-index --learn)
#        search/store    util store
#        search/http     util index indexer store http
#        search/pages    util index indexer store http pages
#        search/cmd      everything
#   3. <xapian.h> only in search/index;
#   4. no source file over MAX lines (--max-lines N, default 800).
# Prints each problem as "path: problem" and exits 1 when there is one.
# Uses only sh, grep, sed, sort and awk (no python on a bare machine).
set -eu
cd "$(dirname "$0")/.."
max=800
while [ $# -gt 0 ]; do
    case $1 in
    --max-lines) max=$2; shift 2 ;;
    -h | --help)
        sed -n '2,17p' "$0"
        exit 0
        ;;
    *) echo "usage: $0 [--max-lines N]" >&2; exit 2 ;;
    esac
done

files=$(find search indexer -type f \( -name '*.c' -o -name '*.h' -o -name '*.cc' -o -name '*.hh' \) | sort)
problems=0
report() {
    echo "$1"
    problems=$((problems + 1))
}

# layer of a path: its folder
layer_of() {
    case $1 in
    search/util/*) echo util ;;
    search/index/*) echo index ;;
    search/store/*) echo store ;;
    search/http/*) echo http ;;
    search/pages/*) echo pages ;;
    search/cmd/*) echo cmd ;;
    indexer/*) echo indexer ;;
    *) echo other ;;
    esac
}

allowed() { # allowed FROM TO
    case "$1:$2" in
    util:util) return 0 ;;
    index:util | index:index) return 0 ;;
    indexer:util | indexer:index | indexer:indexer | indexer:store) return 0 ;;
    store:util | store:store) return 0 ;;
    http:util | http:index | http:indexer | http:store | http:http) return 0 ;;
    pages:util | pages:index | pages:indexer | pages:store | pages:http | pages:pages) return 0 ;;
    cmd:*) return 0 ;;
    esac
    return 1
}

edges=$(mktemp)
trap 'rm -f "$edges"' EXIT
for f in $files; do
    from_layer=$(layer_of "$f")
    from_mod=$(echo "$f" | sed -E 's/\.(c|h|cc|hh)$//; s/_private$//')
    n=$(wc -l <"$f")
    [ "$n" -le "$max" ] || report "$f: $n lines (more than $max): split it by responsibility"
    if grep -q '^#include <xapian.h>' "$f" && [ "$from_layer" != index ]; then
        report "$f: includes <xapian.h> outside search/index"
    fi
    for inc in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f"); do
        # the header: beside the file, else the one file of that name
        if [ -f "$(dirname "$f")/$inc" ]; then
            target="$(dirname "$f")/$inc"
        else
            target=$(echo "$files" | grep -E "/$inc\$" | head -n 1 || true)
        fi
        if [ -z "$target" ]; then
            continue # a system or generated header
        fi
        to_layer=$(layer_of "$target")
        if ! allowed "$from_layer" "$to_layer"; then
            report "$f: includes $target ($from_layer may not include $to_layer)"
        fi
        to_mod=$(echo "$target" | sed -E 's/\.(c|h|cc|hh)$//; s/_private$//')
        [ "$from_mod" = "$to_mod" ] || echo "$from_mod $to_mod" >>"$edges"
    done
done

# Circles: a depth-first search over the module graph.
cycles=$(sort -u "$edges" | awk '
    { adj[$1] = adj[$1] " " $2; nodes[$1] = 1; nodes[$2] = 1 }
    function visit(n,    i, j, k, parts, m, line) {
        state[n] = 1
        stack[++depth] = n
        k = split(adj[n], parts, " ")
        for (i = 1; i <= k; i++) {
            m = parts[i]
            if (state[m] == 1) {
                for (j = depth; j >= 1 && stack[j] != m; j--)
                    ;
                line = m
                for (j++; j <= depth; j++)
                    line = line " -> " stack[j]
                print line " -> " m
            } else if (state[m] == 0) {
                visit(m)
            }
        }
        depth--
        state[n] = 2
    }
    END { for (n in nodes) if (!state[n]) visit(n) }')
if [ -n "$cycles" ]; then
    echo "$cycles" | while IFS= read -r c; do echo "include circle: $c"; done
    problems=$((problems + $(echo "$cycles" | wc -l)))
fi

if [ "$problems" -gt 0 ]; then
    echo "check-layers: $problems problem(s)"
    exit 1
fi
echo "check-layers: ok ($(echo "$files" | wc -l) files, no circle, includes point down, none over $max lines)"
