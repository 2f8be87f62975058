/* markdown_anchors.c -- slugs, and the one unique anchor of every
 * top-level heading, for the units of markdown_extract() and the ids of
 * markdown_render_html() alike (markdown.h has the rule). */
#include "markdown.h"
#include "markdown_private.h"

#include <cmark.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "docfx.h"
#include "strbuf.h"
#include "utf8.h"

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
        if (c == '-' || c == '_' || markdown_is_space(c) || markdown_text_blank(cp) == 1) {
            dash = 1;
        } else if ((c < 0x80 && !alnum) || markdown_text_blank(cp) == 2 || cp_punct(cp)) {
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

static int anchors_has(const struct markdown_anchors *s, const char *x)
{
    size_t i;
    for (i = 0; i < s->n; i++)
        if (strcmp(s->v[i], x) == 0)
            return 1;
    return 0;
}

/* Registers base, or base-1, base-2, ... when taken.  The result is
 * owned by s; NULL on OOM. */
static const char *anchors_add(struct markdown_anchors *s, const char *base)
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

void markdown_anchors_free(struct markdown_anchors *s)
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
 * to the question led elsewhere). */
int markdown_anchors_reserve(cmark_node *doc, struct markdown_anchors *used,
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

/* The one place the anchor rule lives (markdown_private.h). */
int markdown_anchors_heading(cmark_node *h, struct markdown_anchors *used,
                             const char *reserved, struct markdown_walk *w,
                             char **text, const char **anchor)
{
    struct markdown_text t = {STRBUF_INIT, 0, 0};
    char *slug = NULL;
    markdown_text_emit(&t, h, w);
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
