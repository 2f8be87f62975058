#!/bin/sh
# make_seeds.sh SOURCE_DIR TARGET OUT_DIR -- fills OUT_DIR with a seed
# corpus for one fuzz target, taken at run time from SOURCE_DIR/content
# and SOURCE_DIR/tests/data (nothing is copied into the repository).
#   fuzz_frontmatter, fuzz_markdown   every .md file
#   fuzz_faq                          every .yml file
#   fuzz_query_params                 article ids, locales, "id\nlocale\nanchor"
#   fuzz_search                       titles and headings, plus query syntax
set -eu
if [ $# -ne 3 ]; then
    echo "usage: $0 SOURCE_DIR TARGET OUT_DIR" >&2
    exit 2
fi
src=$1 target=$2 out=$3
mkdir -p "$out"
n=0

# Writes stdin to the next seed file.
seed() {
    n=$((n + 1))
    cat >"$out/seed-$n"
}

copy_files() { # PATTERN
    for d in "$src/content" "$src/tests/data"; do
        [ -d "$d" ] || continue
        find "$d" -type f -name "$1" | sort | while IFS= read -r f; do
            rel=${f#"$src"/}
            cp "$f" "$out/$(printf '%s' "$rel" | tr '/' '_')"
        done
    done
}

# Content paths without extension: "<locale>/<id>".
content_keys() {
    find "$src/content" -type f \( -name '*.md' -o -name '*.yml' \) | sort |
        sed -e "s|^$src/content/||" -e 's|\.[^./]*$||'
}

case $target in
fuzz_frontmatter | fuzz_markdown)
    copy_files '*.md'
    ;;
fuzz_faq)
    copy_files '*.yml'
    ;;
fuzz_query_params)
    content_keys | while IFS= read -r key; do
        locale=${key%%/*}
        id=${key#*/}
        n=$((n + 1))
        printf '%s\n%s\n%s' "$id" "$locale" "$(basename "$id")" >"$out/seed-id-$n"
        printf '%s' "$locale" >"$out/seed-locale-$locale"
    done
    printf 'en_US' | seed
    printf 'zh-Hans' | seed
    printf 'a/./b' | seed
    printf 'a/../b' | seed
    printf '<b>"x" & \047y\047</b>' | seed
    printf 'caf\303\251 \321\201\321\207\321\221\321\202 \345\217\221\347\245\250' | seed
    ;;
fuzz_search)
    # Titles and headings make realistic questions.
    find "$src/content" -type f -name '*.md' | sort | while IFS= read -r f; do
        sed -n -e 's/^title: *//p' -e 's/^##* *//p' "$f" | sed 's/<[^>]*>//g' |
            head -n 8
    done | awk 'length($0) > 0 && length($0) < 200' | sort -u | head -n 300 |
        while IFS= read -r line; do
            n=$((n + 1))
            printf '%s' "$line" >"$out/seed-q-$n"
        done
    printf 'late fee' | seed
    printf '"late fee" +invoice -card' | seed
    printf 'title:invoice OR topic:how-to' | seed
    printf 'product:billing AND (card NOT amex)' | seed
    printf 'pass' | seed
    printf '\321\201\321\207\321\221\321\202 \320\277\320\265\320\275\321\217' | seed
    printf '\346\273\236\347\272\263\351\207\221' | seed
    ;;
*)
    echo "make_seeds.sh: unknown target '$target'" >&2
    exit 2
    ;;
esac
