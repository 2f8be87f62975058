/* fuzz_faq.c -- faq_is_faq() and faq_parse() on arbitrary bytes.
 *
 * Checks the promises of faq.h on every accepted file: at least one
 * question, one level-2 question unit per question with a unique
 * anchor, valid UTF-8 everywhere, a page in a->markdown whose
 * rendering gives each question heading the id of its unit. */
#include "article.h"
#include "faq.h"
#include "fuzz_util.h"
#include "markdown.h"

/* faq_is_faq() as faq.h words it, written independently. */
static int is_faq_ref(const uint8_t *b, size_t n)
{
    static const char mime[] = "### YamlMime:FAQ";
    size_t k = sizeof mime - 1;
    if (n >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF)
        b += 3, n -= 3;
    if (n < k || memcmp(b, mime, k) != 0)
        return 0;
    for (; k < n && b[k] != '\n'; k++)
        if (b[k] != ' ' && b[k] != '\t' && b[k] != '\r')
            return 0;
    return 1;
}

static void check_ids(const struct article *a, const char *html)
{
    for (size_t i = 0; i < a->nsections; i++) {
        const char *anchor = a->sections[i].anchor;
        size_t n = strlen(anchor), o = 4;
        char *id;
        if (!*anchor)
            continue;
        /* Slugs hold no character that needs escaping in an attribute,
         * except through the "question"/"section" fallbacks, which are
         * plain words too. */
        id = malloc(n + 6);
        FUZZ_CHECK(id != NULL);
        memcpy(id, "id=\"", 4);
        memcpy(id + o, anchor, n);
        o += n;
        id[o++] = '"';
        id[o] = '\0';
        if (fuzz_count(html, id) != 1) {
            fprintf(stderr, "FAQ anchor %s appears %zu times in the page:\n%s\n---\n%s\n",
                    id, fuzz_count(html, id), a->markdown, html);
            FUZZ_CHECK(!"every question's anchor is one id= of the rendered page");
        }
        free(id);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct article *a;
    struct diag d;
    size_t i, j, questions = 0;
    int rc;

    FUZZ_CHECK(faq_is_faq((const char *)data, size) == is_faq_ref(data, size));

    a = article_new();
    FUZZ_CHECK(a != NULL);
    memset(&d, 0, sizeof d);
    rc = faq_parse((const char *)data, size, a, &d);
    FUZZ_CHECK(rc == 0 || rc == -1);
    FUZZ_CHECK(memchr(d.msg, '\0', sizeof d.msg) != NULL);
    if (rc != 0) {
        FUZZ_CHECK(d.is_error == 1 && d.msg[0] != '\0');
        article_free(a);
        /* d may be NULL. */
        a = article_new();
        FUZZ_CHECK(a != NULL);
        faq_parse((const char *)data, size, a, NULL);
        article_free(a);
        return 0;
    }
    FUZZ_CHECK(a->markdown && fuzz_utf8_str_ok(a->markdown));
    FUZZ_CHECK(a->headings && fuzz_utf8_str_ok(a->headings));
    FUZZ_CHECK(a->topic != NULL);
    if (a->title)
        FUZZ_CHECK(fuzz_utf8_str_ok(a->title));
    if (a->description)
        FUZZ_CHECK(fuzz_utf8_str_ok(a->description));
    for (i = 0; i < a->nsections; i++) {
        const struct article_section *s = &a->sections[i];
        FUZZ_CHECK(fuzz_utf8_str_ok(s->anchor) && fuzz_utf8_str_ok(s->title) &&
                   fuzz_utf8_str_ok(s->text));
        if (s->level == 0) {
            FUZZ_CHECK(i == 0 && !s->anchor[0] && !s->is_question);
            continue;
        }
        FUZZ_CHECK(s->level == 2 && s->is_question == 1);
        FUZZ_CHECK(s->anchor[0] != '\0' && s->title[0] != '\0');
        for (j = 0; j < i; j++)
            FUZZ_CHECK_STR(strcmp(a->sections[j].anchor, s->anchor) != 0, s->anchor);
        questions++;
    }
    FUZZ_CHECK(questions >= 1);
    for (i = 0; i < a->nlinks; i++)
        FUZZ_CHECK(a->links[i].target && a->links[i].line >= 1);

    char *html = markdown_render_html(a->markdown, strlen(a->markdown));
    FUZZ_CHECK(html != NULL);
    check_ids(a, html);
    free(html);
    article_free(a);
    return 0;
}
