/* mdtable.c -- pipe tables as HTML. */
#include "mdtable.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "strbuf.h"

static int is_break(cmark_node *n)
{
    cmark_node_type t = cmark_node_get_type(n);
    return t == CMARK_NODE_SOFTBREAK || t == CMARK_NODE_LINEBREAK;
}

/* A row of only '-', ':', '|' and spaces, with at least one '-' and '|'. */
static int delim_text(const char *s)
{
    int dash = 0, pipe = 0;
    for (; s && *s; s++) {
        dash |= *s == '-';
        pipe |= *s == '|';
        if (!strchr("-|: \t", *s))
            return 0;
    }
    return dash && pipe;
}

static int row_is_delim(cmark_node *first)
{
    return first && cmark_node_get_type(first) == CMARK_NODE_TEXT &&
           (!cmark_node_next(first) || is_break(cmark_node_next(first))) &&
           delim_text(cmark_node_get_literal(first));
}

/* Emits one row: text is split at '|', other inline nodes are rendered
 * whole into the current cell.  The empty cells outside a leading and a
 * trailing pipe are dropped. */
static int put_row(struct strbuf *o, cmark_node *first, const char *cell_tag)
{
    struct strbuf cell = STRBUF_INIT;
    int ncells = 0, started = 0, rc;
    char open[8], close[8];
    snprintf(open, sizeof open, "<%s>", cell_tag);
    snprintf(close, sizeof close, "</%s>", cell_tag);
    strbuf_adds(o, "<tr>");
    for (cmark_node *n = first; n && !is_break(n); n = cmark_node_next(n)) {
        if (cmark_node_get_type(n) != CMARK_NODE_TEXT) {
            char *h = cmark_render_html(n, CMARK_OPT_DEFAULT);
            if (h)
                strbuf_adds(&cell, h);
            free(h);
            started = 1;
            continue;
        }
        const char *s = cmark_node_get_literal(n);
        for (const char *p = s; p && *p;) {
            const char *bar = strchr(p, '|');
            size_t len = bar ? (size_t)(bar - p) : strlen(p);
            escape_html_cmark(&cell, p, len);
            if (len && strspn(p, " \t") < len)
                started = 1;
            if (!bar)
                break;
            if (started || ncells > 0 || cell.len) {
                strbuf_adds(o, open);
                strbuf_add(o, cell.buf, cell.len);
                strbuf_adds(o, close);
                ncells++;
            }
            strbuf_reset(&cell);
            started = 0;
            p = bar + 1;
        }
    }
    if (started) {
        strbuf_adds(o, open);
        strbuf_add(o, cell.buf, cell.len);
        strbuf_adds(o, close);
    }
    strbuf_adds(o, "</tr>\n");
    rc = strbuf_failed(&cell) ? -1 : 0;
    strbuf_release(&cell);
    return rc;
}

char *mdtable_html(cmark_node *para)
{
    if (cmark_node_get_type(para) != CMARK_NODE_PARAGRAPH)
        return NULL;
    /* The second line must be the delimiter row. */
    cmark_node *first = cmark_node_first_child(para), *n = first;
    while (n && !is_break(n))
        n = cmark_node_next(n);
    cmark_node *second = n ? cmark_node_next(n) : NULL;
    if (!first || !row_is_delim(second))
        return NULL;
    struct strbuf o = STRBUF_INIT;
    int fail = 0;
    strbuf_adds(&o, "<div class=\"table\"><table>\n<thead>");
    fail |= put_row(&o, first, "th");
    strbuf_adds(&o, "</thead>\n<tbody>\n");
    n = second;
    for (;;) {
        while (n && !is_break(n))
            n = cmark_node_next(n);
        if (!n || !cmark_node_next(n))
            break;
        n = cmark_node_next(n);
        fail |= put_row(&o, n, "td");
    }
    strbuf_adds(&o, "</tbody></table></div>\n");
    if (fail) {
        strbuf_release(&o);
        return NULL;
    }
    return strbuf_detach(&o, NULL);
}
