#!/bin/sh
# check_html_rules.sh SOURCE_DIR CC -- the HTML builder's rules (html.h),
# checked where a reviewer would miss them:
#   1. the pages build markup only with the builder: no escape_html()
#      and no strbuf append of a literal with a tag in search/pages;
#   2. only search/util/html.c reaches into a struct html's strbuf;
#   3. html_lit() compiles with a string literal and not with a char *.
# Prints each problem and exits 1 when there is one.
set -eu
src=$1
cc=$2
problems=0

if grep -nE 'escape_html|strbuf_add[a-z]*\(.*"[^"]*<' "$src"/search/pages/*.c; then
    echo "search/pages: markup built by hand (use html.h)"
    problems=$((problems + 1))
fi
if grep -rnE '(\.|->)sb\b' "$src"/search "$src"/indexer --include='*.c' --include='*.h' \
    --include='*.cc' | grep -v '/search/util/html\.c:'; then
    echo "a struct html's strbuf is private to html.c"
    problems=$((problems + 1))
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/lit.c" <<'C'
#include "html.h"
void f(struct html *h, const char *s);
void f(struct html *h, const char *s)
{
#ifdef LITERAL
    (void)s;
    html_lit(h, "<p>");
#else
    html_lit(h, s);
#endif
}
C
if ! "$cc" -fsyntax-only -DLITERAL -I"$src/search/util" "$tmp/lit.c"; then
    echo "html_lit(h, \"<p>\") does not compile"
    problems=$((problems + 1))
fi
if "$cc" -fsyntax-only -I"$src/search/util" "$tmp/lit.c" 2>/dev/null; then
    echo "html_lit(h, s) with a char * compiles: it must not"
    problems=$((problems + 1))
fi

if [ "$problems" -gt 0 ]; then
    echo "check_html_rules: $problems problem(s)"
    exit 1
fi
echo "check_html_rules: ok"
