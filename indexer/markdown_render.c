/* markdown_render.c -- safe HTML for the article page, from cmark's AST:
 * cmark's safe mode, pipe tables (mdtable.h), heading ids that are the
 * unit anchors, and the raw HTML of Microsoft Docs pages rewritten. */
#include "markdown.h"
#include "markdown_private.h"
#include "mdtable.h"

#include <cmark.h>
#include <stdlib.h>
#include <string.h>

#include "docfx.h"
#include "escape.h"
#include "strbuf.h"

/* The node after n in document order; NULL after the last one below
 * root. */
static cmark_node *next_node(cmark_node *n, cmark_node *root)
{
    if (cmark_node_first_child(n))
        return cmark_node_first_child(n);
    while (n != root && !cmark_node_next(n))
        n = cmark_node_parent(n);
    return n == root ? NULL : cmark_node_next(n);
}

/* Rewrites raw HTML that the safe renderer would only omit: anchors
 * (with the "</a>" right after them) and text-less HTML blocks such as
 * a standalone <a name> disappear, placeholders become text, <br> a
 * line break.  Raw HTML nodes are leaves, so the next node is known
 * before the current one is replaced. */
static int rewrite_html(cmark_node *doc, markdown_link_fn link_fn, void *ctx)
{
    cmark_node *n, *nx, *nn, *end;
    const char *lit, *p;
    char *s;
    enum docfx_tag kind;
    for (n = doc; n; n = nx) {
        nx = next_node(n, doc);
        lit = cmark_node_get_literal(n);
        if (cmark_node_get_type(n) == CMARK_NODE_LINK && link_fn &&
            cmark_node_get_url(n) && (s = link_fn(ctx, cmark_node_get_url(n))) != NULL) {
            cmark_node_set_url(n, s); /* still checked by safe mode */
            free(s);
        } else if (cmark_node_get_type(n) == CMARK_NODE_HTML_BLOCK && lit) {
            if ((s = docfx_html_text(lit, strlen(lit))) == NULL)
                return -1;
            for (p = s; markdown_is_space((unsigned char)*p); p++)
                ;
            if (*p == '\0')
                cmark_node_free(n);
            free(s);
        } else if (cmark_node_get_type(n) == CMARK_NODE_HTML_INLINE && lit) {
            if ((s = docfx_anchor_name(lit)) != NULL) {
                free(s);
                end = cmark_node_next(n);
                lit = end && cmark_node_get_type(end) == CMARK_NODE_HTML_INLINE
                          ? cmark_node_get_literal(end) : NULL;
                if (lit && (strcmp(lit, "</a>") == 0 || strcmp(lit, "</A>") == 0)) {
                    nx = next_node(end, doc);
                    cmark_node_free(end);
                }
                cmark_node_free(n);
                continue;
            }
            kind = docfx_tag_kind(lit, strlen(lit), NULL, NULL);
            if (kind != DOCFX_TAG_PLACEHOLDER && kind != DOCFX_TAG_LINEBREAK)
                continue;
            nn = cmark_node_new(kind == DOCFX_TAG_PLACEHOLDER ? CMARK_NODE_TEXT
                                                              : CMARK_NODE_LINEBREAK);
            if (!nn || (kind == DOCFX_TAG_PLACEHOLDER && !cmark_node_set_literal(nn, lit)) ||
                !cmark_node_replace(n, nn)) {
                if (nn)
                    cmark_node_free(nn);
                return -1;
            }
            cmark_node_free(n);
        }
    }
    return 0;
}

/* CMARK_OPT_DEFAULT is cmark's safe mode; never CMARK_OPT_UNSAFE. */
static int put_rendered(struct strbuf *b, cmark_node *n)
{
    char *h = cmark_render_html(n, CMARK_OPT_DEFAULT);
    if (!h)
        return -1;
    strbuf_adds(b, h);
    free(h);
    return 0;
}

/* cmark can write ill-formed UTF-8 for a few numeric character
 * references (&#xFFFF; comes out as a lone 0xFF byte); what the
 * service sends must be UTF-8, so each ill-formed part becomes U+FFFD. */
static void repair_utf8(struct strbuf *b)
{
    if (!b->buf || utf8_valid(b->buf, b->len, NULL))
        return;
    struct strbuf fixed = STRBUF_INIT;
    uint32_t cp;
    for (size_t i = 0, k; i < b->len; i += k) {
        if ((k = utf8_decode(b->buf + i, b->len - i, &cp)) != 0) {
            strbuf_add(&fixed, b->buf + i, k);
        } else {
            char rep[4];
            strbuf_add(&fixed, rep, utf8_encode(UTF8_REPLACEMENT, rep));
            k = utf8_bad_length(b->buf + i, b->len - i);
        }
    }
    strbuf_release(b);
    *b = fixed;
}

char *markdown_render_html(const char *md, size_t len)
{
    return markdown_render_html_links(md, len, NULL, NULL);
}

char *markdown_render_html_links(const char *md, size_t len, markdown_link_fn link_fn,
                                 void *ctx)
{
    struct markdown_walk w = {NULL, 0, 0, 0};
    struct markdown_anchors used = {NULL, 0};
    struct strbuf out = STRBUF_INIT;
    const char **ids = NULL;
    size_t hi = 0;
    cmark_node *doc = cmark_parse_document(md, len, CMARK_OPT_VALIDATE_UTF8);
    cmark_node *n, *c;
    char *htext;
    int seen_h1 = 0, level, rc = -1;
    /* Anchors first, as rewrite_html() removes the <a name> tags they
     * come from; ids[i] is then the anchor of the i-th heading. */
    if (!doc || markdown_anchors_reserve(doc, &used, &ids) != 0)
        goto out;
    for (n = cmark_node_first_child(doc); n; n = cmark_node_next(n)) {
        if (cmark_node_get_type(n) != CMARK_NODE_HEADING)
            continue;
        if (markdown_anchors_heading(n, &used, ids[hi], &w, &htext, &ids[hi]) != 0)
            goto out;
        hi++;
        free(htext);
    }
    hi = 0;
    if (rewrite_html(doc, link_fn, ctx) != 0)
        goto out;
    for (n = cmark_node_first_child(doc); n; n = cmark_node_next(n)) {
        if (cmark_node_get_type(n) != CMARK_NODE_HEADING) {
            char *table = mdtable_html(n);
            if (table)
                strbuf_adds(&out, table);
            else if (put_rendered(&out, n) != 0)
                goto out;
            free(table);
            continue;
        }
        level = cmark_node_get_heading_level(n);
        if (level == 1 && !seen_h1) {
            seen_h1 = 1; /* the page prints the title itself */
            hi++;
            continue;
        }
        strbuf_addf(&out, "<h%d id=\"", level);
        escape_html(&out, ids[hi++]);
        strbuf_adds(&out, "\">");
        for (c = cmark_node_first_child(n); c; c = cmark_node_next(c))
            if (put_rendered(&out, c) != 0)
                goto out;
        strbuf_addf(&out, "</h%d>\n", level);
    }
    repair_utf8(&out);
    rc = 0;
out:
    free(ids);
    markdown_anchors_free(&used);
    if (doc)
        cmark_node_free(doc);
    if (rc != 0) {
        strbuf_release(&out);
        return NULL;
    }
    return strbuf_detach(&out, NULL);
}
