/* test_frontmatter.c -- YAML front matter: fields, dates, errors, lines. */
#include "harness.h"
#include "fixture.h"
#include "article.h"
#include "frontmatter.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parses s into a fresh article; returns frontmatter_parse()'s result. */
static int parse(const char *s, struct article **a, size_t *off, unsigned *line,
                 struct diag *d)
{
    memset(d, 0, sizeof *d);
    *a = article_new();
    return frontmatter_parse(s, strlen(s), *a, off, line, d);
}

static void test_docs_article(struct harness *h)
{
    size_t len = 0, off;
    unsigned line;
    struct diag d = {0, 0, ""};
    struct article *a = article_new();
    char *buf = fixture(h, "frontmatter/docs-article.md", &len);

    if (!buf) {
        article_free(a);
        return;
    }
    CHECK_INT_EQ(h, frontmatter_parse(buf, len, a, &off, &line, &d), 0);
    CHECK_STR_EQ(h, a->title, "Pay an invoice in Partner Center");
    CHECK_STR_EQ(h, a->description, "Learn how to pay by card, by transfer, or with credit.");
    CHECK_STR_EQ(h, a->topic, "how-to");
    CHECK_STR_EQ(h, a->product, "partner-dashboard");
    CHECK_STR_EQ(h, a->updated, "2021-01-22");
    CHECK_STR_EQ(h, a->locale, "ru-ru");
    CHECK_INT_EQ(h, a->machine_translated, 1);
    CHECK_INT_EQ(h, a->internal, 0);
    CHECK(h, a->id == NULL); /* absent fields stay NULL */
    CHECK_INT_EQ(h, a->ntags, 2);
    if (a->ntags == 2) {
        CHECK_STR_EQ(h, a->tags[0], "billing");
        CHECK_STR_EQ(h, a->tags[1], "invoices");
    }
    CHECK_INT_EQ(h, line, 20);
    CHECK(h, strncmp(buf + off, "# Pay an invoice\n", 17) == 0);
    article_free(a);
    free(buf);
}

static void test_dates(struct harness *h)
{
    static const struct {
        const char *in, *want; /* want NULL: invalid */
    } cases[] = {
        {"2021-03-04", "2021-03-04"}, {"03/04/2021", "2021-03-04"},
        {"1/5/2021", "2021-01-05"},   {"2020-02-29", "2020-02-29"},
        {"02/29/2000", "2000-02-29"}, {"13/45/2020", NULL},
        {"2021-02-29", NULL},         {"1900-02-29", NULL},
        {"2021-13-01", NULL},         {"2021-1-5", NULL},
        {"04/31/2021", NULL},         {"yesterday", NULL},
        {"2021-03-04T10:00:00Z", NULL}, {"", NULL},
    };
    char err[128];
    size_t i;
    int rc;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct article *a = article_new();

        rc = frontmatter_apply(a, "ms.date", cases[i].in, err, sizeof err);
        if (cases[i].want) {
            CHECK_INT_EQ(h, rc, 0);
            CHECK_STR_EQ(h, a->updated, cases[i].want);
        } else {
            CHECK_INT_EQ(h, rc, -1);
            CHECK(h, a->updated == NULL);
            CHECK_CONTAINS(h, err, "is not a valid date; use YYYY-MM-DD");
        }
        article_free(a);
    }
}

static void test_bad_date_line(struct harness *h)
{
    struct article *a;
    struct diag d;
    size_t off;
    unsigned line;

    CHECK_INT_EQ(h, parse("---\ntitle: T\ndate: 13/45/2020\n---\nBody\n", &a, &off, &line, &d), -1);
    CHECK_INT_EQ(h, d.line, 3);
    CHECK_INT_EQ(h, d.is_error, 1);
    CHECK_STR_EQ(h, d.msg, "date: '13/45/2020' is not a valid date; use YYYY-MM-DD");
    article_free(a);
}

static void test_audience_and_keys(struct harness *h)
{
    struct article *a;
    struct diag d;
    size_t off;
    unsigned line;

    CHECK_INT_EQ(h, parse("---\nid: billing/pay\naudience: internal\ntopic: faq\n"
                          "product: Billing\nlocale: DE-de\nms.translationtype: HT\n"
                          "unknown.key: [1, 2]\nother: {a: b}\n---\n",
                          &a, &off, &line, &d), 0);
    CHECK_INT_EQ(h, a->internal, 1);
    CHECK_STR_EQ(h, a->id, "billing/pay");
    CHECK_STR_EQ(h, a->topic, "faq");
    CHECK_STR_EQ(h, a->product, "Billing");
    CHECK_STR_EQ(h, a->locale, "de-de");
    CHECK_INT_EQ(h, a->machine_translated, 0);
    CHECK_INT_EQ(h, line, 11);
    CHECK_INT_EQ(h, off, strlen("---\nid: billing/pay\naudience: internal\ntopic: faq\n"
                                "product: Billing\nlocale: DE-de\nms.translationtype: HT\n"
                                "unknown.key: [1, 2]\nother: {a: b}\n---\n"));
    article_free(a);

    CHECK_INT_EQ(h, parse("---\naudience: Public\n---\n", &a, &off, &line, &d), 0);
    CHECK_INT_EQ(h, a->internal, 0);
    article_free(a);

    CHECK_INT_EQ(h, parse("---\ntitle: x\naudience: secret\n---\n", &a, &off, &line, &d), -1);
    CHECK_INT_EQ(h, d.line, 3);
    CHECK_CONTAINS(h, d.msg, "use public or internal");
    article_free(a);

    /* Numbers and booleans are plain strings to us. */
    CHECK_INT_EQ(h, parse("---\nid: 12345\ntitle: yes\ndescription:\n---\n", &a, &off, &line, &d), 0);
    CHECK_STR_EQ(h, a->id, "12345");
    CHECK_STR_EQ(h, a->title, "yes");
    CHECK(h, a->description == NULL); /* YAML null: absent */
    article_free(a);
}

static void test_tags(struct harness *h)
{
    struct article *a;
    struct diag d;
    size_t off;
    unsigned line;

    CHECK_INT_EQ(h, parse("---\ntags: [billing, invoices]\nkeywords:\n  - tax\n  - billing\n---\n",
                          &a, &off, &line, &d), 0);
    CHECK_INT_EQ(h, a->ntags, 3);
    if (a->ntags == 3) {
        CHECK_STR_EQ(h, a->tags[0], "billing");
        CHECK_STR_EQ(h, a->tags[1], "invoices");
        CHECK_STR_EQ(h, a->tags[2], "tax");
    }
    article_free(a);

    CHECK_INT_EQ(h, parse("---\ntags: ' a , b,,c '\n---\n", &a, &off, &line, &d), 0);
    CHECK_INT_EQ(h, a->ntags, 3);
    if (a->ntags == 3) {
        CHECK_STR_EQ(h, a->tags[0], "a");
        CHECK_STR_EQ(h, a->tags[2], "c");
    }
    article_free(a);

    CHECK_INT_EQ(h, parse("---\ntags:\n  - ok\n  - [nested]\n---\n", &a, &off, &line, &d), -1);
    CHECK_INT_EQ(h, d.line, 4);
    article_free(a);
}

static void test_list_for_scalar(struct harness *h)
{
    struct article *a;
    struct diag d;
    size_t off;
    unsigned line;

    CHECK_INT_EQ(h, parse("---\ndescription: ok\ntitle:\n  - one\n  - two\n---\n",
                          &a, &off, &line, &d), -1);
    CHECK_INT_EQ(h, d.line, 4);
    CHECK_CONTAINS(h, d.msg, "title: expected a single value, not a list");
    article_free(a);

    CHECK_INT_EQ(h, parse("---\nms.date: {year: 2021}\n---\n", &a, &off, &line, &d), -1);
    CHECK_INT_EQ(h, d.line, 2);
    CHECK_CONTAINS(h, d.msg, "not a mapping");
    article_free(a);
}

static void test_broken_yaml(struct harness *h)
{
    size_t len = 0, off = 99;
    unsigned line = 99;
    struct diag d = {0, 0, ""};
    struct article *a = article_new();
    char *buf = fixture(h, "frontmatter/broken-yaml.md", &len);

    if (buf) {
        CHECK_INT_EQ(h, frontmatter_parse(buf, len, a, &off, &line, &d), -1);
        CHECK_INT_EQ(h, d.line, 3);
        CHECK_INT_EQ(h, d.is_error, 1);
        CHECK_CONTAINS(h, d.msg, "front matter: invalid YAML: mapping values are not allowed");
        CHECK_CONTAINS(h, d.msg, "quote the value if it contains ': '");
    }
    article_free(a);
    free(buf);

    /* An unclosed quote is reported where it opens, not at the end. */
    CHECK_INT_EQ(h, parse("---\ntitle: ok\ndescription: \"never closed\nms.topic: x\n"
                          "author: y\n---\n", &a, &off, &line, &d), -1);
    CHECK_INT_EQ(h, d.line, 3);
    CHECK_CONTAINS(h, d.msg, "invalid YAML");
    article_free(a);

    CHECK_INT_EQ(h, parse("---\ntitle: a\n\tdescription: tab\n---\n", &a, &off, &line, &d), -1);
    CHECK_INT_EQ(h, d.line, 3);
    article_free(a);

    CHECK_INT_EQ(h, parse("---\njust a sentence\n---\n", &a, &off, &line, &d), -1);
    CHECK_INT_EQ(h, d.line, 2);
    CHECK_CONTAINS(h, d.msg, "expected 'key: value' lines");
    article_free(a);

    CHECK_INT_EQ(h, parse("---\n- a\n- b\n---\n", &a, &off, &line, &d), -1);
    CHECK_CONTAINS(h, d.msg, "found a list");
    article_free(a);
}

static void test_unterminated_and_none(struct harness *h)
{
    size_t len = 0, off = 99;
    unsigned line = 99;
    struct diag d = {0, 0, ""};
    struct article *a = article_new();
    char *buf = fixture(h, "frontmatter/unterminated.md", &len);

    if (buf) {
        CHECK_INT_EQ(h, frontmatter_parse(buf, len, a, &off, &line, &d), -1);
        CHECK_INT_EQ(h, d.line, 1);
        CHECK_CONTAINS(h, d.msg, "no closing '---' line");
    }
    article_free(a);
    free(buf);

    a = article_new();
    buf = fixture(h, "frontmatter/no-frontmatter.md", &len);
    if (buf) {
        CHECK_INT_EQ(h, frontmatter_parse(buf, len, a, &off, &line, &d), 0);
        CHECK_INT_EQ(h, off, 0);
        CHECK_INT_EQ(h, line, 1);
        CHECK(h, a->title == NULL);
    }
    article_free(a);
    free(buf);

    /* A thematic break of four dashes is not a front matter opener. */
    CHECK_INT_EQ(h, parse("----\ntitle: x\n----\n", &a, &off, &line, &d), 0);
    CHECK_INT_EQ(h, off, 0);
    article_free(a);

    CHECK_INT_EQ(h, parse("---", &a, &off, &line, &d), 0); /* no newline: no block */
    article_free(a);
    CHECK_INT_EQ(h, parse("---\n", &a, &off, &line, &d), -1);
    CHECK_INT_EQ(h, d.line, 1);
    article_free(a);
}

static void test_delimiters(struct harness *h)
{
    struct article *a;
    struct diag d;
    size_t off;
    unsigned line;
    const char *s = "---\n---\n# Empty front matter\n";

    CHECK_INT_EQ(h, parse(s, &a, &off, &line, &d), 0);
    CHECK_INT_EQ(h, line, 3);
    CHECK_INT_EQ(h, off, 8);
    article_free(a);

    s = "---  \ntitle: Dots\n...\nBody";
    CHECK_INT_EQ(h, parse(s, &a, &off, &line, &d), 0);
    CHECK_STR_EQ(h, a->title, "Dots");
    CHECK_STR_EQ(h, s + off, "Body");
    CHECK_INT_EQ(h, line, 4);
    article_free(a);

    s = "---\ntitle: End\n---";
    CHECK_INT_EQ(h, parse(s, &a, &off, &line, &d), 0);
    CHECK_INT_EQ(h, off, strlen(s));
    article_free(a);
}

static void test_crlf_bom(struct harness *h)
{
    size_t len = 0, off;
    unsigned line;
    struct diag d = {0, 0, ""};
    struct article *a = article_new();
    char *buf = fixture(h, "frontmatter/crlf-bom.md", &len);

    if (buf) {
        CHECK(h, (unsigned char)buf[0] == 0xEF && strstr(buf, "\r\n") != NULL);
        CHECK_INT_EQ(h, frontmatter_parse(buf, len, a, &off, &line, &d), 0);
        CHECK_STR_EQ(h, a->title, "Windows file");
        CHECK_STR_EQ(h, a->updated, "2021-07-04");
        CHECK_INT_EQ(h, a->internal, 1);
        CHECK_INT_EQ(h, a->ntags, 2); /* "billing" once */
        CHECK_INT_EQ(h, line, 7);
        CHECK(h, strncmp(buf + off, "# Windows file\r\n", 16) == 0);
    }
    article_free(a);
    free(buf);

    /* Errors in a CRLF file still get the right line. */
    CHECK_INT_EQ(h, parse("\xEF\xBB\xBF---\r\ntitle: a\r\nms.date: 2021-02-31\r\n---\r\n",
                          &a, &off, &line, &d), -1);
    CHECK_INT_EQ(h, d.line, 3);
    article_free(a);
}

static void test_apply_direct(struct harness *h)
{
    struct article *a = article_new();
    char err[64] = "x";

    CHECK_INT_EQ(h, frontmatter_apply(a, "ms.openlocfilehash", "abc", err, sizeof err), 0);
    CHECK_STR_EQ(h, err, "");
    CHECK_INT_EQ(h, frontmatter_apply(a, "title", NULL, err, sizeof err), 0);
    CHECK(h, a->title == NULL);
    CHECK_INT_EQ(h, frontmatter_apply(a, "ms.translationtype", "mt", NULL, 0), 0);
    CHECK_INT_EQ(h, a->machine_translated, 1);
    CHECK_INT_EQ(h, frontmatter_apply(a, "audience", "everyone", err, 8), -1);
    CHECK_INT_EQ(h, strlen(err), 7); /* truncated, still terminated */
    CHECK_INT_EQ(h, frontmatter_key_known("MS.Date"), 1);
    CHECK_INT_EQ(h, frontmatter_key_known("ms.author"), 0);
    article_free(a);
}

int main(void)
{
    struct harness h = {0, 0};

    test_docs_article(&h);
    test_dates(&h);
    test_bad_date_line(&h);
    test_audience_and_keys(&h);
    test_tags(&h);
    test_list_for_scalar(&h);
    test_broken_yaml(&h);
    test_unterminated_and_none(&h);
    test_delimiters(&h);
    test_crlf_bom(&h);
    test_apply_direct(&h);
    TEST_MAIN_END(&h);
}
