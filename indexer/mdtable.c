/* mdtable.c -- pipe tables as HTML. */
#include "mdtable.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct out {
    char *p;
    size_t n, cap;
    int oom;
};

static void put(struct out *o, const char *s, size_t n)
{
    if (o->oom)
        return;
    if (o->n + n + 1 > o->cap) {
        size_t cap = o->cap ? o->cap * 2 : 1024;
        while (cap < o->n + n + 1)
            cap *= 2;
        char *p = realloc(o->p, cap);
        if (!p) {
            o->oom = 1;
            return;
        }
        o->p = p;
        o->cap = cap;
    }
    memcpy(o->p + o->n, s, n);
    o->n += n;
    o->p[o->n] = '\0';
}

static void puts_(struct out *o, const char *s)
{
    put(o, s, strlen(s));
}

static void put_escaped(struct out *o, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '&')
            puts_(o, "&amp;");
        else if (c == '<')
            puts_(o, "&lt;");
        else if (c == '>')
            puts_(o, "&gt;");
        else if (c == '"')
            puts_(o, "&quot;");
        else
            put(o, &c, 1);
    }
}

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
static void put_row(struct out *o, cmark_node *first, const char *cell_tag)
{
    struct out cell = {NULL, 0, 0, 0};
    int ncells = 0, started = 0;
    char open[8], close[8];
    snprintf(open, sizeof open, "<%s>", cell_tag);
    snprintf(close, sizeof close, "</%s>", cell_tag);
    puts_(o, "<tr>");
    for (cmark_node *n = first; n && !is_break(n); n = cmark_node_next(n)) {
        if (cmark_node_get_type(n) != CMARK_NODE_TEXT) {
            char *h = cmark_render_html(n, CMARK_OPT_DEFAULT);
            if (h)
                puts_(&cell, h);
            free(h);
            started = 1;
            continue;
        }
        const char *s = cmark_node_get_literal(n);
        for (const char *p = s; p && *p;) {
            const char *bar = strchr(p, '|');
            size_t len = bar ? (size_t)(bar - p) : strlen(p);
            put_escaped(&cell, p, len);
            if (len && strspn(p, " \t") < len)
                started = 1;
            if (!bar)
                break;
            if (started || ncells > 0 || cell.n) {
                puts_(o, open);
                puts_(o, cell.p ? cell.p : "");
                puts_(o, close);
                ncells++;
            }
            cell.n = 0;
            if (cell.p)
                cell.p[0] = '\0';
            started = 0;
            p = bar + 1;
        }
    }
    if (started) {
        puts_(o, open);
        puts_(o, cell.p ? cell.p : "");
        puts_(o, close);
    }
    puts_(o, "</tr>\n");
    if (cell.oom)
        o->oom = 1;
    free(cell.p);
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
    struct out o = {NULL, 0, 0, 0};
    puts_(&o, "<div class=\"table\"><table>\n<thead>");
    put_row(&o, first, "th");
    puts_(&o, "</thead>\n<tbody>\n");
    n = second;
    for (;;) {
        while (n && !is_break(n))
            n = cmark_node_next(n);
        if (!n || !cmark_node_next(n))
            break;
        n = cmark_node_next(n);
        put_row(&o, n, "td");
    }
    puts_(&o, "</tbody></table></div>\n");
    if (o.oom) {
        free(o.p);
        return NULL;
    }
    return o.p;
}
