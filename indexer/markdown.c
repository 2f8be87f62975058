/* markdown.c -- a Markdown body as answer units: title, headings,
 * units and links (markdown_extract), all from cmark's AST. */
#include "markdown.h"
#include "markdown_private.h"

#include <cmark.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "utf8.h"

static int ends_with_question(const char *s)
{
    size_t n = strlen(s);
    while (n > 0 && markdown_is_space((unsigned char)s[n - 1]))
        n--;
    return (n >= 1 && s[n - 1] == '?') ||
           (n >= 3 && memcmp(s + n - 3, "\xEF\xBC\x9F", 3) == 0);
}

struct unit {
    const char *anchor; /* owned by the article's struct markdown_anchors */
    char *title;
    int level, is_question;
    struct markdown_text text;
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
    markdown_text_sep(&cur->text, 2);
    markdown_text_put(&cur->text, htext, strlen(htext));
    free(htext);
    return 0;
}

int markdown_extract(struct article *a, const char *md, size_t len,
                     unsigned first_line, struct diag *d)
{
    struct markdown_walk w = {a, first_line, 0, 0};
    struct markdown_anchors used = {NULL, 0};
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
    if (markdown_anchors_reserve(doc, &used, &reserved) != 0)
        goto out;
    for (n = cmark_node_first_child(doc); n; n = cmark_node_next(n)) {
        if (cmark_node_get_type(n) != CMARK_NODE_HEADING) {
            markdown_text_emit(&cur.text, n, &w);
            continue;
        }
        level = cmark_node_get_heading_level(n);
        if (markdown_anchors_heading(n, &used, reserved[hi++], &w, &htext, &anchor) != 0)
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
    markdown_anchors_free(&used);
    if (doc)
        cmark_node_free(doc);
    return rc;
}
