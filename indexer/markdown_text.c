/* markdown_text.c -- the plain text and relative links of cmark nodes
 * (markdown.h's rules for plain text; markdown_private.h).
 *
 * cmark hands raw HTML over as opaque literals; what those mean on a
 * Microsoft Docs page (anchors, placeholders) is docfx.h's business. */
#include "markdown.h"
#include "markdown_private.h"

#include <cmark.h>
#include <stdlib.h>
#include <string.h>

#include "docfx.h"
#include "strbuf.h"
#include "utf8.h"

/* 1 for Unicode spaces (U+00A0 alone is in half the translated corpus
 * files), 2 for invisible characters that join words (zero-width ones,
 * the soft hyphen), else 0. */
int markdown_text_blank(uint32_t cp)
{
    if (cp == 0xAD || cp == 0x200B || cp == 0x2060 || cp == 0xFEFF)
        return 2;
    return cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 ||
           cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

void markdown_text_sep(struct markdown_text *t, int sep)
{
    if (sep > t->sep)
        t->sep = sep;
}

void markdown_text_put(struct markdown_text *t, const char *s, size_t n)
{
    size_t i, k;
    uint32_t cp;
    unsigned char c;
    for (i = 0; i < n; i += k) {
        c = (unsigned char)s[i];
        if ((k = utf8_decode(s + i, n - i, &cp)) == 0)
            cp = UTF8_REPLACEMENT, k = 1; /* not after cmark's check; stay valid */
        if ((c < 0x80 && (c <= ' ' || c == 0x7F || (t->pipes && c == '|'))) ||
            markdown_text_blank(cp) == 1) {
            markdown_text_sep(t, 1);
        } else if (markdown_text_blank(cp) != 2) {
            if (t->sep && t->b.len)
                strbuf_addch(&t->b, t->sep == 2 ? '\n' : ' ');
            t->sep = 0;
            if (k == 1 && c >= 0x80)
                strbuf_add(&t->b, "\xEF\xBF\xBD", 3);
            else
                strbuf_add(&t->b, s + i, k);
        }
    }
}

/* Relative: not empty, not "/site/path", no "scheme:". */
static int is_relative(const char *u)
{
    size_t i = 0;
    if (!u || !*u || *u == '/' || *u == '\\')
        return 0;
    while ((u[i] >= 'a' && u[i] <= 'z') || (u[i] >= 'A' && u[i] <= 'Z') ||
           (i > 0 && ((u[i] >= '0' && u[i] <= '9') || u[i] == '+' || u[i] == '-' || u[i] == '.')))
        i++;
    return !(i > 0 && u[i] == ':');
}

static void record_link(struct markdown_walk *w, cmark_node *n)
{
    const char *url = cmark_node_get_url(n);
    int l = 0;
    if (!w->a || !is_relative(url))
        return;
    /* cmark 0.30 gives inline nodes their own line; fall back to the
     * enclosing block just in case. */
    while (n && (l = cmark_node_get_start_line(n)) <= 0)
        n = cmark_node_parent(n);
    if (article_add_link(w->a, url, w->fixed ? w->line : w->line + (unsigned)(l > 0 ? l - 1 : 0)) != 0)
        w->oom = 1;
}

static int line_edge(cmark_node *n)
{
    cmark_node_type t = n ? cmark_node_get_type(n) : CMARK_NODE_SOFTBREAK;
    return t == CMARK_NODE_SOFTBREAK || t == CMARK_NODE_LINEBREAK;
}

/* A pipe-table delimiter row ("|---|:--:|") on a line of its own.  cmark
 * has no table extension, so a table is a paragraph with such a row. */
static int is_delim_row(cmark_node *n)
{
    const char *s = cmark_node_get_literal(n);
    int dash = 0, pipe = 0;
    if (cmark_node_get_type(n) != CMARK_NODE_TEXT || !s ||
        !line_edge(cmark_node_previous(n)) || !line_edge(cmark_node_next(n)))
        return 0;
    for (; *s; s++) {
        dash |= *s == '-';
        pipe |= *s == '|';
        if (*s != '-' && *s != '|' && *s != ':' && *s != ' ' && *s != '\t')
            return 0;
    }
    return dash && pipe;
}

static int is_table(cmark_node *para)
{
    cmark_node *c;
    for (c = cmark_node_first_child(para); c; c = cmark_node_next(c))
        if (is_delim_row(c))
            return 1;
    return 0;
}

/* The "**Note:**" label docfx_clean() writes for a "> [!NOTE]" marker:
 * shown on the page, but not a word of the article. */
static int is_alert_label(cmark_node *n)
{
    static const char *const labels[] = {"Note:", "Important:", "Tip:", "Caution:",
                                         "Warning:"};
    cmark_node *strong = cmark_node_parent(n);
    cmark_node *para = strong ? cmark_node_parent(strong) : NULL;
    cmark_node *quote = para ? cmark_node_parent(para) : NULL;
    const char *lit = cmark_node_get_literal(n);
    if (!quote || cmark_node_get_type(strong) != CMARK_NODE_STRONG ||
        cmark_node_get_type(quote) != CMARK_NODE_BLOCK_QUOTE ||
        cmark_node_first_child(para) != strong || cmark_node_first_child(quote) != para || !lit)
        return 0;
    for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++)
        if (strcmp(lit, labels[i]) == 0)
            return 1;
    return 0;
}

/* Appends the plain text of root's subtree to t. */
void markdown_text_emit(struct markdown_text *t, cmark_node *root,
                        struct markdown_walk *w)
{
    cmark_iter *it = cmark_iter_new(root);
    cmark_event_type ev;
    cmark_node *n;
    cmark_node_type ty;
    const char *lit;
    char *html;
    size_t wb = 0, wl = 0;
    enum docfx_tag kind;
    while (it && (ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
        n = cmark_iter_get_node(it);
        ty = cmark_node_get_type(n);
        lit = cmark_node_get_literal(n);
        if (ty >= CMARK_NODE_FIRST_BLOCK && ty <= CMARK_NODE_LAST_BLOCK) {
            markdown_text_sep(t, 2);
            if (ty == CMARK_NODE_PARAGRAPH)
                t->pipes = ev == CMARK_EVENT_ENTER && is_table(n);
            else if (ty == CMARK_NODE_CODE_BLOCK && lit)
                markdown_text_put(t, lit, strlen(lit));
            else if (ty == CMARK_NODE_HTML_BLOCK && lit) {
                if ((html = docfx_html_text(lit, strlen(lit))) == NULL)
                    w->oom = 1;
                else
                    markdown_text_put(t, html, strlen(html));
                free(html);
            }
            continue;
        }
        if (ev != CMARK_EVENT_ENTER || (!lit && ty != CMARK_NODE_LINK &&
                                        ty != CMARK_NODE_SOFTBREAK && ty != CMARK_NODE_LINEBREAK))
            continue;
        switch (ty) {
        case CMARK_NODE_TEXT:
            if (!(t->pipes && is_delim_row(n)) && !is_alert_label(n))
                markdown_text_put(t, lit, strlen(lit));
            break;
        case CMARK_NODE_CODE:
            markdown_text_put(t, lit, strlen(lit));
            break;
        case CMARK_NODE_SOFTBREAK:
        case CMARK_NODE_LINEBREAK:
            markdown_text_sep(t, t->pipes ? 2 : 1); /* one table row per line */
            break;
        case CMARK_NODE_HTML_INLINE:
            kind = docfx_tag_kind(lit, strlen(lit), &wb, &wl);
            if (kind == DOCFX_TAG_PLACEHOLDER)
                markdown_text_put(t, lit + wb, wl);
            else if (kind != DOCFX_TAG_MARKUP)
                markdown_text_sep(t, 1);
            break;
        case CMARK_NODE_LINK:
            record_link(w, n);
            break;
        default:
            break;
        }
    }
    if (!it || strbuf_failed(&t->b))
        w->oom = 1;
    if (it)
        cmark_iter_free(it);
}

char *markdown_fragment_text(struct article *a, const char *md, size_t len,
                             unsigned line)
{
    struct markdown_walk w = {a, line, 1, 0};
    struct markdown_text t = {STRBUF_INIT, 0, 0};
    cmark_node *doc = cmark_parse_document(md, len, CMARK_OPT_VALIDATE_UTF8);
    if (!doc)
        return NULL;
    markdown_text_emit(&t, doc, &w);
    cmark_node_free(doc);
    if (w.oom) {
        strbuf_release(&t.b);
        return NULL;
    }
    return strbuf_detach(&t.b, NULL);
}

char *markdown_plain_text(const char *md, size_t len)
{
    return markdown_fragment_text(NULL, md, len, 0);
}
