/* markdown_private.h -- what the parts of markdown.h's implementation
 * share; for indexer/markdown*.c only.
 *
 *   markdown_text.c     plain text and relative links of cmark nodes
 *                       (markdown_plain_text, markdown_fragment_text)
 *   markdown_anchors.c  slugs and the unique anchor of every heading
 *                       (markdown_slug)
 *   markdown.c          answer units (markdown_extract)
 *   markdown_render.c   safe HTML (markdown_render_html*)
 *
 * The anchor rule lives in markdown_anchors.c alone, so the units of
 * markdown_extract() and the ids of markdown_render_html() agree. */
#ifndef KB_MARKDOWN_PRIVATE_H
#define KB_MARKDOWN_PRIVATE_H

#include <cmark.h>
#include <stddef.h>
#include <stdint.h>

#include "article.h"
#include "strbuf.h"

/* ASCII white space, as cmark and the slug rule see it. */
static inline int markdown_is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* 1 for Unicode spaces other than ASCII ones, 2 for invisible
 * characters that join words (zero-width ones, the soft hyphen), else
 * 0. */
int markdown_text_blank(uint32_t cp);

/* Plain-text writer: whitespace runs collapse into one pending
 * separator (sep 1 = space, 2 = newline between blocks) that is only
 * written before the next visible character, which also trims both
 * ends.  Start it as {STRBUF_INIT, 0, 0}; b's failure is sticky (see
 * strbuf.h), and b belongs to the caller. */
struct markdown_text {
    struct strbuf b;
    int sep;
    int pipes; /* inside a pipe table: '|' is a cell border, not a word */
};

/* Asks for at least this separator before the next visible character. */
void markdown_text_sep(struct markdown_text *t, int sep);

/* Appends s[0..n): white space (ASCII, Unicode spaces, control bytes,
 * and '|' inside a pipe table) becomes a separator, characters that
 * join words are dropped, bytes that are not UTF-8 become U+FFFD. */
void markdown_text_put(struct markdown_text *t, const char *s, size_t n);

/* Where the links of a walk go, and whether it ran out of memory. */
struct markdown_walk {
    struct article *a; /* relative links are appended here; NULL: none */
    unsigned line;     /* file line of the fragment's first line */
    int fixed;         /* every link gets `line` */
    int oom;           /* set on OOM; the caller checks it once */
};

/* Appends the plain text of root's subtree to t (the rules of
 * markdown.h) and its relative links to w->a.  Sets w->oom on OOM. */
void markdown_text_emit(struct markdown_text *t, cmark_node *root,
                        struct markdown_walk *w);

/* The anchors of one article so far, in heading order.  Start it as
 * {NULL, 0}; release it with markdown_anchors_free(). */
struct markdown_anchors {
    char **v;
    size_t n;
};

void markdown_anchors_free(struct markdown_anchors *s);

/* Registers the explicit anchors (<a name="x"> or <a id="x"> inside a
 * heading) of doc's top-level headings first, in heading order.  Sets
 * *reserved to an array with, for the i-th top-level heading of doc, its
 * explicit anchor (owned by used) or NULL; the caller frees the array
 * with free().  Returns 0, -1 on OOM. */
int markdown_anchors_reserve(cmark_node *doc, struct markdown_anchors *used,
                             const char ***reserved);

/* The plain text of heading h (*text, caller frees) and its unique
 * anchor (*anchor, owned by used): reserved, the heading's entry from
 * markdown_anchors_reserve(), when not NULL, else the slug of the text
 * ("section" when empty) made unique.  Returns 0, or -1 on OOM (then
 * *text is NULL). */
int markdown_anchors_heading(cmark_node *h, struct markdown_anchors *used,
                             const char *reserved, struct markdown_walk *w,
                             char **text, const char **anchor);

#endif
