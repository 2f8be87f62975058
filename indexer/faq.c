/* faq.c -- YAML FAQ files -> article, with libyaml's document API.
 *
 * Questions and answers are YAML scalars holding Markdown (folded
 * blocks, but also double-quoted strings with \n escapes), so the file
 * is loaded as a YAML document and each scalar is handed to the
 * Markdown layer separately. */
#include "faq.h"

#include <cmark.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "docfx.h"
#include "frontmatter.h"
#include "markdown.h"
#include "strbuf.h"

#ifdef __GNUC__
#define FAQ_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define FAQ_PRINTF(f, a)
#endif

/* State of one parse: the document, the anchors handed out so far and
 * the outputs being built. */
struct faq {
    yaml_document_t *doc;
    struct article *a;
    struct diag *d;
    char **anchors;
    size_t nanchors;
    struct strbuf md, heads, title; /* the page, headings, title */
    unsigned nquestions;
};

FAQ_PRINTF(3, 4)
static int fail(struct faq *f, const yaml_node_t *at, const char *fmt, ...)
{
    va_list ap;

    if (f->d) {
        f->d->line = at ? (unsigned)at->start_mark.line + 1 : 0;
        f->d->is_error = 1;
        va_start(ap, fmt);
        vsnprintf(f->d->msg, sizeof f->d->msg, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static int oom(struct faq *f)
{
    return fail(f, NULL, "FAQ: out of memory");
}

static yaml_node_t *map_get(yaml_document_t *doc, yaml_node_t *map,
                            const char *key)
{
    yaml_node_pair_t *p;
    yaml_node_t *k;

    if (!map || map->type != YAML_MAPPING_NODE)
        return NULL;
    for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
        k = yaml_document_get_node(doc, p->key);
        if (k && k->type == YAML_SCALAR_NODE &&
            strcmp((const char *)k->data.scalar.value, key) == 0)
            return yaml_document_get_node(doc, p->value);
    }
    return NULL;
}

/* The file line where a scalar's text starts: block scalars ("|" and
 * ">") begin on the line after their indicator. */
static unsigned text_line(const yaml_node_t *n)
{
    unsigned line = (unsigned)n->start_mark.line + 1;

    if (n->data.scalar.style == YAML_LITERAL_SCALAR_STYLE ||
        n->data.scalar.style == YAML_FOLDED_SCALAR_STYLE)
        line++;
    return line;
}

/* Markdown of a scalar after docfx_clean(); caller frees.  NULL on OOM. */
static char *scalar_md(const yaml_node_t *n)
{
    return docfx_clean((const char *)n->data.scalar.value, n->data.scalar.length);
}

/* One line: whitespace runs become one space, ends trimmed. */
static void put_one_line(struct strbuf *b, const char *s)
{
    int space = 0;

    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    for (; *s; s++) {
        if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') {
            space = 1;
            continue;
        }
        if (space)
            strbuf_addch(b, ' ');
        space = 0;
        strbuf_addch(b, *s);
    }
}

/* Registers a unique anchor for text (its slug, or fallback when the
 * slug is empty), with the same "-1", "-2" rule as markdown.h.  The
 * result is owned by f; NULL on OOM. */
static const char *anchor_for(struct faq *f, const char *text,
                              const char *fallback)
{
    char *slug = markdown_slug(text), *c, **v;
    const char *base;
    size_t sz, k, i;
    int taken;

    if (!slug)
        return NULL;
    base = *slug ? slug : fallback;
    sz = strlen(base) + 24;
    c = malloc(sz);
    v = realloc(f->anchors, (f->nanchors + 1) * sizeof *v);
    if (v)
        f->anchors = v;
    if (!c || !v) {
        free(slug);
        free(c);
        return NULL;
    }
    snprintf(c, sz, "%s", base);
    for (k = 1;; k++) {
        for (taken = 0, i = 0; i < f->nanchors && !taken; i++)
            taken = strcmp(f->anchors[i], c) == 0;
        if (!taken)
            break;
        snprintf(c, sz, "%s-%zu", base, k);
    }
    free(slug);
    return f->anchors[f->nanchors++] = c;
}

/* "### <a name="anchor"></a>text" + blank line. */
static void put_heading(struct strbuf *b, const char *hashes,
                        const char *anchor, const char *text)
{
    strbuf_adds(b, hashes);
    strbuf_adds(b, " <a name=\"");
    strbuf_adds(b, anchor);
    strbuf_adds(b, "\"></a>");
    put_one_line(b, text);
    strbuf_adds(b, "\n\n");
}

/* One line holding the end marker of every raw HTML block that a blank
 * line does not end (<!-- -->, <? ?>, <!X >, <![CDATA[ ]]>, and
 * <script>, <pre>, <style>, <textarea>), so it ends whichever is open. */
static const char html_block_end[] = "--> ?> ]]> </script></pre></style></textarea>";

/* Appends one Markdown fragment (summary, answer, additionalContent) to
 * the page, then a blank line.  A fragment that ends inside a fenced
 * code block or one of the raw HTML blocks above would swallow the rest
 * of the page, so every later question lost its heading and anchor
 * (found by fuzz/fuzz_faq with an unclosed ``` in a summary).  cmark
 * says whether a heading written after the fragment stays a heading;
 * if not, the open block is closed first: a fence by a fence of the
 * same character and length, an HTML block by html_block_end.  On OOM
 * the fragment is written as before. */
static void put_fragment(struct strbuf *b, const char *md)
{
    static const char probe_tail[] = "\n\n# x\n";
    size_t len = strlen(md), k = 0;
    char *probe = malloc(len + sizeof probe_tail);
    cmark_node *doc = NULL, *last = NULL;
    const char *p = md;
    int line;

    if (probe) {
        memcpy(probe, md, len);
        memcpy(probe + len, probe_tail, sizeof probe_tail);
        doc = cmark_parse_document(probe, len + sizeof probe_tail - 1, CMARK_OPT_DEFAULT);
        last = doc ? cmark_node_last_child(doc) : NULL;
    }
    strbuf_adds(b, md);
    strbuf_addch(b, '\n');
    if (last && cmark_node_get_type(last) == CMARK_NODE_CODE_BLOCK) {
        /* Only a fence reaches this far: the fence line is where the
         * block starts, after at most three spaces.  Lines are counted
         * as cmark counts them ("\n", "\r\n" or "\r"). */
        for (line = cmark_node_get_start_line(last); *p && line > 1; p++)
            if (*p == '\n' || (*p == '\r' && p[1] != '\n'))
                line--;
        while (*p == ' ')
            p++;
        while ((*p == '`' || *p == '~') && p[k] == *p)
            k++;
        if (k >= 3) {
            strbuf_add(b, p, k);
            strbuf_addch(b, '\n');
        }
    } else if (last && cmark_node_get_type(last) == CMARK_NODE_HTML_BLOCK) {
        strbuf_adds(b, html_block_end);
        strbuf_addch(b, '\n');
    }
    strbuf_addch(b, '\n');
    if (doc)
        cmark_node_free(doc);
    free(probe);
}

static int question(struct faq *f, yaml_node_t *item)
{
    yaml_node_t *q = map_get(f->doc, item, "question");
    yaml_node_t *ans = map_get(f->doc, item, "answer");
    char *qmd = NULL, *qtext = NULL, *amd = NULL, *atext = NULL;
    const char *anchor;
    int rc = -1;

    if (!item || item->type != YAML_MAPPING_NODE)
        return fail(f, item, "FAQ: each entry of 'questions' must be a "
                             "mapping with 'question:' and 'answer:'");
    if (!q)
        return fail(f, item, "FAQ: entry without 'question:'; every entry "
                             "needs 'question:' and 'answer:'");
    if (q->type != YAML_SCALAR_NODE)
        return fail(f, q, "FAQ: 'question' must be text, not a list or mapping");
    if ((qmd = scalar_md(q)) == NULL ||
        (qtext = markdown_plain_text(qmd, strlen(qmd))) == NULL) {
        rc = oom(f);
        goto out;
    }
    if (!*qtext) {
        rc = fail(f, q, "FAQ: empty question; write the question text after "
                        "'question:'");
        goto out;
    }
    if (!ans || ans->type != YAML_SCALAR_NODE || ans->data.scalar.length == 0) {
        rc = fail(f, ans ? ans : item, "FAQ: question '%.80s' has no answer; "
                  "add 'answer:' with text under it", qtext);
        goto out;
    }
    if ((amd = scalar_md(ans)) == NULL ||
        (atext = markdown_fragment_text(f->a, amd, strlen(amd), text_line(ans))) == NULL ||
        (anchor = anchor_for(f, qtext, "question")) == NULL ||
        article_add_section(f->a, anchor, qtext, 2, 1, atext) != 0 ||
        /* Each question is one the FAQ must answer (query_check.h). */
        article_add_query(f->a, qtext, (unsigned)q->start_mark.line + 1) != 0) {
        rc = oom(f);
        goto out;
    }
    put_heading(&f->md, "###", anchor, qmd);
    put_fragment(&f->md, amd);
    f->nquestions++;
    rc = 0;
out:
    free(qmd);
    free(qtext);
    free(amd);
    free(atext);
    return rc;
}

static int section(struct faq *f, yaml_node_t *sec)
{
    yaml_node_t *name, *qs;
    yaml_node_item_t *it;
    const char *anchor;
    char *text;

    if (!sec || sec->type != YAML_MAPPING_NODE)
        return fail(f, sec, "FAQ: each entry of 'sections' must be a mapping "
                            "with 'name:' and 'questions:'");
    name = map_get(f->doc, sec, "name");
    qs = map_get(f->doc, sec, "questions");
    if (name && name->type == YAML_SCALAR_NODE && name->data.scalar.length > 0) {
        text = markdown_plain_text((const char *)name->data.scalar.value,
                                   name->data.scalar.length);
        if (!text || (anchor = anchor_for(f, text, "section")) == NULL) {
            free(text);
            return oom(f);
        }
        if (*text) {
            if (f->heads.len)
                strbuf_addch(&f->heads, '\n');
            strbuf_adds(&f->heads, text);
        }
        put_heading(&f->md, "##", anchor, (const char *)name->data.scalar.value);
        free(text);
    }
    if (!qs)
        return 0;
    if (qs->type != YAML_SEQUENCE_NODE)
        return fail(f, qs, "FAQ: 'questions' must be a list of '- question: "
                           "... answer: ...' entries");
    for (it = qs->data.sequence.items.start; it < qs->data.sequence.items.top; it++)
        if (question(f, yaml_document_get_node(f->doc, *it)) != 0)
            return -1;
    return 0;
}

/* Summary and additionalContent: Markdown for the page, links, and
 * (for the summary) the lead unit and a fallback description. */
static int prose(struct faq *f, yaml_node_t *n, int is_summary)
{
    char *md, *text;
    int rc = 0;

    if (!n)
        return 0;
    if (n->type != YAML_SCALAR_NODE)
        return fail(f, n, "FAQ: '%s' must be Markdown text",
                    is_summary ? "summary" : "additionalContent");
    if ((md = scalar_md(n)) == NULL)
        return oom(f);
    text = markdown_fragment_text(f->a, md, strlen(md), text_line(n));
    if (!text ||
        (is_summary && *text && article_add_section(f->a, "", "", 0, 0, text) != 0) ||
        (is_summary && !f->a->description && article_set(&f->a->description, text) != 0))
        rc = oom(f);
    put_fragment(&f->md, md);
    free(md);
    free(text);
    return rc;
}

static int faq_document(struct faq *f, yaml_node_t *root)
{
    yaml_node_t *meta, *title, *sections;
    yaml_node_item_t *it;

    if (!root || root->type != YAML_MAPPING_NODE)
        return fail(f, root, "FAQ: expected a mapping with 'metadata', "
                             "'title', 'summary' and 'sections'");
    meta = map_get(f->doc, root, "metadata");
    title = map_get(f->doc, root, "title");
    sections = map_get(f->doc, root, "sections");
    if (meta && meta->type != YAML_MAPPING_NODE)
        return fail(f, meta, "FAQ: 'metadata' must be a mapping of 'key: value' lines");
    if (meta && frontmatter_apply_mapping(f->a, f->doc, meta, 1, f->d) != 0)
        return -1;
    if (title && title->type != YAML_SCALAR_NODE)
        return fail(f, title, "FAQ: 'title' must be text");
    if (title && title->data.scalar.length > 0) {
        put_one_line(&f->title, (const char *)title->data.scalar.value);
        if (strbuf_failed(&f->title) ||
            (f->title.len && article_set(&f->a->title, f->title.buf) != 0))
            return oom(f);
    }
    if (prose(f, map_get(f->doc, root, "summary"), 1) != 0)
        return -1;
    if (!sections)
        return fail(f, root, "FAQ has no questions; add 'sections:' with "
                             "'questions:' entries");
    if (sections->type != YAML_SEQUENCE_NODE)
        return fail(f, sections, "FAQ: 'sections' must be a list of '- name: "
                                 "... questions: ...' entries");
    for (it = sections->data.sequence.items.start;
         it < sections->data.sequence.items.top; it++)
        if (section(f, yaml_document_get_node(f->doc, *it)) != 0)
            return -1;
    if (f->nquestions == 0)
        return fail(f, sections, "FAQ has no questions; add 'questions:' "
                                 "with 'question:' and 'answer:' entries");
    if (prose(f, map_get(f->doc, root, "additionalContent"), 0) != 0)
        return -1;
    if (strbuf_failed(&f->md) || strbuf_failed(&f->heads))
        return oom(f);
    if (!f->a->topic && article_set(&f->a->topic, "faq") != 0)
        return oom(f);
    free(f->a->markdown);
    f->a->markdown = strbuf_detach(&f->md, NULL);
    free(f->a->headings);
    f->a->headings = strbuf_detach(&f->heads, NULL);
    return f->a->markdown && f->a->headings ? 0 : oom(f);
}

int faq_is_faq(const char *buf, size_t len)
{
    static const char mime[] = "### YamlMime:FAQ";
    size_t k = sizeof mime - 1;

    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
        buf += 3, len -= 3;
    if (len < k || memcmp(buf, mime, k) != 0)
        return 0;
    for (; k < len && buf[k] != '\n'; k++)
        if (buf[k] != ' ' && buf[k] != '\t' && buf[k] != '\r')
            return 0;
    return 1;
}

int faq_parse(const char *buf, size_t len, struct article *a, struct diag *d)
{
    yaml_parser_t parser;
    yaml_document_t doc;
    struct faq f;
    size_t i;
    int rc;

    memset(&f, 0, sizeof f);
    f.a = a;
    f.d = d;
    f.doc = &doc;
    if (!yaml_parser_initialize(&parser))
        return oom(&f);
    yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
    if (!yaml_parser_load(&parser, &doc)) {
        frontmatter_yaml_error(&parser, buf, len, 1, "FAQ", d);
        yaml_parser_delete(&parser);
        return -1;
    }
    rc = faq_document(&f, yaml_document_get_root_node(&doc));
    for (i = 0; i < f.nanchors; i++)
        free(f.anchors[i]);
    free(f.anchors);
    strbuf_release(&f.md);
    strbuf_release(&f.heads);
    strbuf_release(&f.title);
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    return rc;
}
