/* markdown.c -- plain text, units, links and safe HTML from cmark's AST.
 *
 * Everything is derived from cmark_parse_document() and cmark_iter.
 * cmark hands raw HTML over as opaque literals; what those mean on a
 * Microsoft Docs page (anchors, placeholders) is docfx.h's business. */
#include "markdown.h"
#include "mdtable.h"

#include <cmark.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "docfx.h"
#include "escape.h"
#include "strbuf.h"
#include "utf8.h"

static int is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* 1 for Unicode spaces (U+00A0 alone is in half the translated corpus
 * files), 2 for invisible characters that join words (zero-width ones,
 * the soft hyphen), else 0. */
static int cp_blank(uint32_t cp)
{
    if (cp == 0xAD || cp == 0x200B || cp == 0x2060 || cp == 0xFEFF)
        return 2;
    return cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 ||
           cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

/* Unicode punctuation and symbols that make poor anchors.  The common
 * blocks are enough: a full category table is not worth it here. */
static int cp_punct(uint32_t cp)
{
    if (cp >= 0xA1 && cp <= 0xBF)
        return cp != 0xAA && cp != 0xB5 && cp != 0xBA;
    return cp == 0xD7 || cp == 0xF7 || (cp >= 0x2010 && cp <= 0x205E) ||
           (cp >= 0x20A0 && cp <= 0x20CF) || (cp >= 0x2190 && cp <= 0x2BFF) ||
           (cp >= 0x3001 && cp <= 0x3003) || (cp >= 0x3008 && cp <= 0x3011) ||
           (cp >= 0x3014 && cp <= 0x301F) || (cp >= 0xFE10 && cp <= 0xFE6F) ||
           (cp >= 0xFF01 && cp <= 0xFF0F) || (cp >= 0xFF1A && cp <= 0xFF20) ||
           (cp >= 0xFF3B && cp <= 0xFF40) || (cp >= 0xFF5B && cp <= 0xFF65) ||
           (cp >= 0x1F000 && cp <= 0x1FAFF);
}

/* Lower-cases the capitals of the alphabets our content is written in
 * (Latin-1, Greek, Cyrillic), so "Поиск" and "поиск" give one anchor.
 * The lower-case letter is never longer in UTF-8. */
static int lower_cp(uint32_t *cp)
{
    uint32_t c = *cp;
    if ((c >= 0xC0 && c <= 0xDE && c != 0xD7) || (c >= 0x391 && c <= 0x3AB && c != 0x3A2) ||
        (c >= 0x410 && c <= 0x42F))
        *cp = c + 0x20;
    else if (c >= 0x400 && c <= 0x40F)
        *cp = c + 0x50;
    else
        return 0;
    return 1;
}

char *markdown_slug(const char *text)
{
    size_t n = strlen(text), i, k, o = 0;
    int dash = 0, alnum;
    uint32_t cp;
    unsigned char c;
    char *out = malloc(n + 1);
    if (!out)
        return NULL;
    for (i = 0; i < n; i += k ? k : 1) {
        c = (unsigned char)text[i];
        if ((k = utf8_decode(text + i, n - i, &cp)) == 0)
            continue; /* invalid bytes are dropped */
        alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (c == '-' || c == '_' || is_space(c) || cp_blank(cp) == 1) {
            dash = 1;
        } else if ((c < 0x80 && !alnum) || cp_blank(cp) == 2 || cp_punct(cp)) {
            ; /* dropped without splitting words: "what's" -> "whats" */
        } else {
            if (dash && o > 0)
                out[o++] = '-';
            dash = 0;
            if (c >= 'A' && c <= 'Z')
                c = (unsigned char)(c - 'A' + 'a');
            if (k > 1 && lower_cp(&cp)) {
                o += utf8_encode(cp, out + o);
            } else {
                out[o++] = (char)c;
                memcpy(out + o, text + i + 1, k - 1);
                o += k - 1;
            }
        }
    }
    out[o] = '\0';
    return out;
}

/* Plain-text writer: whitespace runs collapse into one pending
 * separator (sep 1 = space, 2 = newline between blocks) that is only
 * written before the next visible character, which also trims both
 * ends. */
struct text {
    struct strbuf b;
    int sep;
    int pipes; /* inside a pipe table: '|' is a cell border, not a word */
};

static void text_sep(struct text *t, int sep)
{
    if (sep > t->sep)
        t->sep = sep;
}

static void text_put(struct text *t, const char *s, size_t n)
{
    size_t i, k;
    uint32_t cp;
    unsigned char c;
    for (i = 0; i < n; i += k) {
        c = (unsigned char)s[i];
        if ((k = utf8_decode(s + i, n - i, &cp)) == 0)
            cp = UTF8_REPLACEMENT, k = 1; /* not after cmark's check; stay valid */
        if ((c < 0x80 && (c <= ' ' || c == 0x7F || (t->pipes && c == '|'))) ||
            cp_blank(cp) == 1) {
            text_sep(t, 1);
        } else if (cp_blank(cp) != 2) {
            if (t->sep && t->b.len)
                strbuf_addch(&t->b, t->sep == 2 ? '\n' : ' ');
            t->sep = 0;
            strbuf_add(&t->b, k == 1 && c >= 0x80 ? "\xEF\xBF\xBD" : s + i, k == 1 && c >= 0x80 ? 3 : k);
        }
    }
}

struct walk {
    struct article *a; /* relative links are appended here; NULL: none */
    unsigned line;     /* file line of the fragment's first line */
    int fixed;         /* every link gets `line` */
    int oom;
};

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

static void record_link(struct walk *w, cmark_node *n)
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
static void emit(struct text *t, cmark_node *root, struct walk *w)
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
            text_sep(t, 2);
            if (ty == CMARK_NODE_PARAGRAPH)
                t->pipes = ev == CMARK_EVENT_ENTER && is_table(n);
            else if (ty == CMARK_NODE_CODE_BLOCK && lit)
                text_put(t, lit, strlen(lit));
            else if (ty == CMARK_NODE_HTML_BLOCK && lit) {
                if ((html = docfx_html_text(lit, strlen(lit))) == NULL)
                    w->oom = 1;
                else
                    text_put(t, html, strlen(html));
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
                text_put(t, lit, strlen(lit));
            break;
        case CMARK_NODE_CODE:
            text_put(t, lit, strlen(lit));
            break;
        case CMARK_NODE_SOFTBREAK:
        case CMARK_NODE_LINEBREAK:
            text_sep(t, t->pipes ? 2 : 1); /* one table row per line */
            break;
        case CMARK_NODE_HTML_INLINE:
            kind = docfx_tag_kind(lit, strlen(lit), &wb, &wl);
            if (kind == DOCFX_TAG_PLACEHOLDER)
                text_put(t, lit + wb, wl);
            else if (kind != DOCFX_TAG_MARKUP)
                text_sep(t, 1);
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

/* The anchors of one article so far, in heading order. */
struct anchors {
    char **v;
    size_t n;
};

static int anchors_has(const struct anchors *s, const char *x)
{
    size_t i;
    for (i = 0; i < s->n; i++)
        if (strcmp(s->v[i], x) == 0)
            return 1;
    return 0;
}

/* Registers base, or base-1, base-2, ... when taken.  The result is
 * owned by s; NULL on OOM. */
static const char *anchors_add(struct anchors *s, const char *base)
{
    size_t sz = strlen(base) + 24, k;
    char *c = malloc(sz), **v = realloc(s->v, (s->n + 1) * sizeof *v);
    if (v)
        s->v = v;
    if (!c || !v) {
        free(c);
        return NULL;
    }
    snprintf(c, sz, "%s", base);
    for (k = 1; anchors_has(s, c); k++)
        snprintf(c, sz, "%s-%zu", base, k);
    return s->v[s->n++] = c;
}

static void anchors_free(struct anchors *s)
{
    while (s->n > 0)
        free(s->v[--s->n]);
    free(s->v);
}

/* The first <a name="x"> or <a id="x"> directly inside heading h, as a
 * copy the caller frees; NULL when there is none (or on OOM, which only
 * loses an explicit anchor, as in docfx_anchor_name()). */
static char *explicit_anchor(cmark_node *h)
{
    cmark_node *c;
    char *a = NULL;
    for (c = cmark_node_first_child(h); c && !a; c = cmark_node_next(c))
        if (cmark_node_get_type(c) == CMARK_NODE_HTML_INLINE && cmark_node_get_literal(c))
            a = docfx_anchor_name(cmark_node_get_literal(c));
    return a;
}

/* Explicit anchors are the link targets authors (and faq.c, which gives
 * every question heading one) write down, so they are registered before
 * any slug, in heading order: a slug that repeats one gets the "-1"
 * suffix instead of taking it.  Before, an earlier heading whose slug
 * equalled a later explicit anchor took the name, and the heading the
 * anchor was written for got "-1" (found by fuzz/fuzz_faq: a summary
 * heading with a question's text took that question's anchor, so links
 * to the question led elsewhere).  Sets *reserved to an array with, for
 * the i-th top-level heading of doc, its explicit anchor (owned by
 * used) or NULL; the caller frees the array.  Returns 0, -1 on OOM. */
static int reserve_explicit(cmark_node *doc, struct anchors *used,
                            const char ***reserved)
{
    size_t n = 0, i = 0;
    cmark_node *h;
    char *x;
    for (h = cmark_node_first_child(doc); h; h = cmark_node_next(h))
        n += cmark_node_get_type(h) == CMARK_NODE_HEADING;
    if ((*reserved = calloc(n ? n : 1, sizeof **reserved)) == NULL)
        return -1;
    for (h = cmark_node_first_child(doc); h; h = cmark_node_next(h)) {
        if (cmark_node_get_type(h) != CMARK_NODE_HEADING)
            continue;
        if ((x = explicit_anchor(h)) != NULL) {
            (*reserved)[i] = anchors_add(used, x);
            free(x);
            if (!(*reserved)[i])
                return -1;
        }
        i++;
    }
    return 0;
}

/* Plain text (caller frees) and unique anchor of a heading: the one
 * place the anchor rule lives, for markdown_extract() and
 * markdown_render_html() alike.  reserved is the heading's entry from
 * reserve_explicit(). */
static int heading_info(cmark_node *h, struct anchors *used, const char *reserved,
                        struct walk *w, char **text, const char **anchor)
{
    struct text t = {STRBUF_INIT, 0, 0};
    char *slug = NULL;
    emit(&t, h, w);
    *text = strbuf_detach(&t.b, NULL);
    *anchor = reserved;
    if (!reserved && *text && (slug = markdown_slug(*text)) != NULL)
        *anchor = anchors_add(used, *slug ? slug : "section");
    free(slug);
    if (!*text || !*anchor || w->oom) {
        free(*text);
        *text = NULL;
        return -1;
    }
    return 0;
}

static int ends_with_question(const char *s)
{
    size_t n = strlen(s);
    while (n > 0 && is_space((unsigned char)s[n - 1]))
        n--;
    return (n >= 1 && s[n - 1] == '?') ||
           (n >= 3 && memcmp(s + n - 3, "\xEF\xBC\x9F", 3) == 0);
}

struct unit {
    const char *anchor; /* owned by the article's struct anchors */
    char *title;
    int level, is_question;
    struct text text;
};

/* Adds the unit to a (unless it is an empty lead) and resets it. */
static int unit_flush(struct article *a, struct unit *u)
{
    char *text = strbuf_detach(&u->text.b, NULL);
    int rc = text ? 0 : -1;
    if (text && (u->level != 0 || text[0] != '\0'))
        rc = article_add_section(a, u->anchor, u->title ? u->title : "",
                                 u->level, u->is_question, text);
    free(text);
    free(u->title);
    memset(u, 0, sizeof *u);
    u->anchor = "";
    return rc;
}

static void diag_set(struct diag *d, unsigned line, const char *msg)
{
    if (!d)
        return;
    d->line = line;
    d->is_error = 1;
    snprintf(d->msg, sizeof d->msg, "%s", msg);
}

/* Starts a unit at a heading or folds the heading into the current
 * one; takes ownership of htext. */
static int add_heading(struct article *a, struct unit *cur, int level,
                       char *htext, const char *anchor)
{
    int q = ends_with_question(htext);
    if (level <= 3 || q) {
        if (unit_flush(a, cur) != 0) {
            free(htext);
            return -1;
        }
        cur->anchor = anchor;
        cur->title = htext;
        cur->level = level < 2 ? 2 : level; /* a second H1 acts as an H2 */
        cur->is_question = q;
        return 0;
    }
    text_sep(&cur->text, 2);
    text_put(&cur->text, htext, strlen(htext));
    free(htext);
    return 0;
}

int markdown_extract(struct article *a, const char *md, size_t len,
                     unsigned first_line, struct diag *d)
{
    struct walk w = {a, first_line, 0, 0};
    struct anchors used = {NULL, 0};
    struct strbuf heads = STRBUF_INIT;
    struct unit cur;
    cmark_node *doc = NULL, *n;
    const char *anchor, **reserved = NULL;
    char *htext;
    int seen_h1 = 0, level, fail, rc = -1;
    size_t bad, i, hi = 0;
    char msg[80];
    if (!utf8_valid(md, len, &bad)) {
        for (i = 0; i < bad; i++)
            first_line += md[i] == '\n';
        snprintf(msg, sizeof msg, "invalid UTF-8 (byte 0x%02X); save the file as UTF-8",
                 (unsigned)(unsigned char)md[bad]);
        diag_set(d, first_line, md[bad] ? msg : "NUL byte: this looks like a binary "
                                                "file; only UTF-8 text can be indexed");
        return -1;
    }
    memset(&cur, 0, sizeof cur);
    cur.anchor = "";
    if ((doc = cmark_parse_document(md, len, CMARK_OPT_VALIDATE_UTF8)) == NULL ||
        (htext = malloc(len + 1)) == NULL)
        goto out;
    memcpy(htext, md, len);
    htext[len] = '\0';
    free(a->markdown);
    a->markdown = htext;
    if (reserve_explicit(doc, &used, &reserved) != 0)
        goto out;
    for (n = cmark_node_first_child(doc); n; n = cmark_node_next(n)) {
        if (cmark_node_get_type(n) != CMARK_NODE_HEADING) {
            emit(&cur.text, n, &w);
            continue;
        }
        level = cmark_node_get_heading_level(n);
        if (heading_info(n, &used, reserved[hi++], &w, &htext, &anchor) != 0)
            goto out;
        if (htext[0] && heads.len)
            strbuf_addch(&heads, '\n');
        strbuf_adds(&heads, htext);
        if (level == 1 && !seen_h1) {
            /* The first H1 is the title, not part of any unit. */
            seen_h1 = 1;
            fail = !a->title && htext[0] && article_set(&a->title, htext) != 0;
            free(htext);
            if (fail)
                goto out;
        } else if (add_heading(a, &cur, level, htext, anchor) != 0) {
            goto out;
        }
    }
    if (w.oom || unit_flush(a, &cur) != 0)
        goto out;
    free(a->headings);
    a->headings = strbuf_detach(&heads, NULL);
    rc = a->headings ? 0 : -1;
out:
    if (rc != 0)
        diag_set(d, 0, "out of memory while parsing Markdown");
    free(cur.title);
    strbuf_release(&cur.text.b);
    strbuf_release(&heads);
    free(reserved);
    anchors_free(&used);
    if (doc)
        cmark_node_free(doc);
    return rc;
}

char *markdown_fragment_text(struct article *a, const char *md, size_t len,
                             unsigned line)
{
    struct walk w = {a, line, 1, 0};
    struct text t = {STRBUF_INIT, 0, 0};
    cmark_node *doc = cmark_parse_document(md, len, CMARK_OPT_VALIDATE_UTF8);
    if (!doc)
        return NULL;
    emit(&t, doc, &w);
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
            for (p = s; is_space((unsigned char)*p); p++)
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

char *markdown_render_html(const char *md, size_t len)
{
    return markdown_render_html_links(md, len, NULL, NULL);
}

char *markdown_render_html_links(const char *md, size_t len, markdown_link_fn link_fn,
                                 void *ctx)
{
    struct walk w = {NULL, 0, 0, 0};
    struct anchors used = {NULL, 0};
    struct strbuf out = STRBUF_INIT;
    const char **ids = NULL;
    size_t hi = 0;
    cmark_node *doc = cmark_parse_document(md, len, CMARK_OPT_VALIDATE_UTF8);
    cmark_node *n, *c;
    char *htext;
    int seen_h1 = 0, level, rc = -1;
    /* Anchors first, as rewrite_html() removes the <a name> tags they
     * come from; ids[i] is then the anchor of the i-th heading. */
    if (!doc || reserve_explicit(doc, &used, &ids) != 0)
        goto out;
    for (n = cmark_node_first_child(doc); n; n = cmark_node_next(n)) {
        if (cmark_node_get_type(n) != CMARK_NODE_HEADING)
            continue;
        if (heading_info(n, &used, ids[hi], &w, &htext, &ids[hi]) != 0)
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
    rc = 0;
out:
    free(ids);
    anchors_free(&used);
    if (doc)
        cmark_node_free(doc);
    if (rc != 0) {
        strbuf_release(&out);
        return NULL;
    }
    return strbuf_detach(&out, NULL);
}
