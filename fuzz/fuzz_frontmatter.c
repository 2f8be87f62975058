/* fuzz_frontmatter.c -- frontmatter_parse() on whole inputs, and
 * frontmatter_apply() on a key and a value taken from the input.
 *
 * Besides memory errors (ASan, UBSan) it checks what frontmatter.h and
 * article.h promise: body offsets inside the input, a diagnostic on
 * every failure, and normalised field values on success. */
#include "article.h"
#include "frontmatter.h"
#include "fuzz_util.h"

/* Every key frontmatter_apply() understands (frontmatter.h), plus a
 * mixed-case spelling and an unknown one. */
static const char *const keys[] = {
    "id",       "title",   "description", "topic",  "ms.topic",
    "product",  "ms.service", "tags",     "keywords", "audience",
    "locale",   "ms.contentlocale", "date", "ms.date", "ms.translationtype",
    "MS.Date",  "Tags",    "unknown",
};
#define NKEYS (sizeof keys / sizeof keys[0])

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* a->updated is "YYYY-MM-DD" or "" (article.h). */
static void check_date(const char *u)
{
    if (!u || !*u)
        return;
    FUZZ_CHECK_STR(strlen(u) == 10 && is_digit(u[0]) && is_digit(u[1]) &&
                       is_digit(u[2]) && is_digit(u[3]) && u[4] == '-' &&
                       is_digit(u[5]) && is_digit(u[6]) && u[7] == '-' &&
                       is_digit(u[8]) && is_digit(u[9]),
                   u);
    int m = (u[5] - '0') * 10 + (u[6] - '0');
    int d = (u[8] - '0') * 10 + (u[9] - '0');
    FUZZ_CHECK_STR(m >= 1 && m <= 12 && d >= 1 && d <= 31, u);
}

/* The fields a front matter block or one apply can set. */
static void check_article(const struct article *a, int utf8)
{
    const char *const fields[] = {a->id, a->locale, a->title, a->description,
                                  a->topic, a->product, a->updated};
    size_t i, j;

    for (i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (fields[i] && utf8)
            FUZZ_CHECK_STR(fuzz_utf8_str_ok(fields[i]), fields[i]);
    for (const char *p = a->locale; p && *p; p++)
        FUZZ_CHECK_STR(!(*p >= 'A' && *p <= 'Z'), a->locale);
    check_date(a->updated);
    FUZZ_CHECK(a->internal == 0 || a->internal == 1);
    FUZZ_CHECK(a->machine_translated == 0 || a->machine_translated == 1);
    FUZZ_CHECK(a->ntags == 0 || a->tags != NULL);
    for (i = 0; i < a->ntags; i++) {
        const char *t = a->tags[i];
        size_t n = strlen(t);
        /* "trimmed, empty and repeated ones dropped", split on ','. */
        FUZZ_CHECK_STR(n > 0 && !strchr(t, ','), t);
        FUZZ_CHECK_STR(t[0] != ' ' && t[0] != '\t' && t[0] != '\n' && t[0] != '\r', t);
        FUZZ_CHECK_STR(t[n - 1] != ' ' && t[n - 1] != '\t' && t[n - 1] != '\n' &&
                           t[n - 1] != '\r',
                       t);
        if (utf8)
            FUZZ_CHECK_STR(fuzz_utf8_str_ok(t), t);
        for (j = 0; j < i; j++)
            FUZZ_CHECK_STR(strcmp(a->tags[j], t) != 0, t);
    }
}

static void fuzz_parse(const uint8_t *data, size_t size)
{
    struct article *a = article_new();
    struct diag d;
    size_t body_off = 12345;
    unsigned body_line = 12345;
    int rc;

    FUZZ_CHECK(a != NULL);
    memset(&d, 0, sizeof d);
    rc = frontmatter_parse((const char *)data, size, a, &body_off, &body_line, &d);
    FUZZ_CHECK(rc == 0 || rc == -1);
    FUZZ_CHECK(memchr(d.msg, '\0', sizeof d.msg) != NULL);
    if (rc == 0) {
        FUZZ_CHECK(body_off <= size);
        FUZZ_CHECK(body_line >= 1);
        if (body_off == 0) {
            FUZZ_CHECK(body_line == 1);
        } else {
            /* The body starts after the closing delimiter line, so the
             * block took at least two lines, and body_line counts the
             * newlines before body_off. */
            unsigned lines = 1;
            for (size_t i = 0; i < body_off; i++)
                lines += data[i] == '\n';
            FUZZ_CHECK(body_line >= 3);
            FUZZ_CHECK(body_line == lines || (body_off == size && body_line == lines + 1));
        }
        /* libyaml rejects input that is not UTF-8, so every field that
         * came out of a parsed block is valid UTF-8. */
        check_article(a, 1);
    } else {
        FUZZ_CHECK(d.is_error == 1);
        FUZZ_CHECK(d.msg[0] != '\0');
        check_article(a, 1);
    }
    article_free(a);

    /* d may be NULL. */
    a = article_new();
    FUZZ_CHECK(a != NULL);
    frontmatter_parse((const char *)data, size, a, &body_off, &body_line, NULL);
    article_free(a);
}

/* Input: one selector byte, then "value" or "key\nvalue".  The key is
 * picked from the table for low selectors, else read from the input. */
static void fuzz_apply(const uint8_t *data, size_t size)
{
    struct article *a;
    char err[256], small[8];
    const char *key, *value;
    char *copy, *nl;
    int rc;

    if (size < 1)
        return;
    copy = fuzz_strndup(data + 1, size - 1);
    if (data[0] < 2 * NKEYS) {
        key = keys[data[0] % NKEYS];
        value = copy;
    } else if ((nl = strchr(copy, '\n')) != NULL) {
        *nl = '\0';
        key = copy;
        value = nl + 1;
    } else {
        key = copy;
        value = "";
    }
    FUZZ_CHECK(frontmatter_key_known(key) == 0 || frontmatter_key_known(key) == 1);

    a = article_new();
    FUZZ_CHECK(a != NULL);
    memset(err, 'x', sizeof err);
    rc = frontmatter_apply(a, key, value, err, sizeof err);
    FUZZ_CHECK(rc == 0 || rc == -1);
    FUZZ_CHECK(memchr(err, '\0', sizeof err) != NULL);
    FUZZ_CHECK(rc == 0 ? err[0] == '\0' : err[0] != '\0');
    if (rc != 0)
        FUZZ_CHECK(frontmatter_key_known(key));
    /* A second apply of the same key replaces (or, for tags, appends
     * without repeats); a truncated error buffer stays terminated. */
    memset(small, 'x', sizeof small);
    rc = frontmatter_apply(a, key, value, small, sizeof small);
    FUZZ_CHECK(memchr(small, '\0', sizeof small) != NULL);
    frontmatter_apply(a, key, value, NULL, 0);
    frontmatter_apply(a, key, NULL, NULL, 0);
    frontmatter_apply(a, NULL, value, NULL, 0);
    check_article(a, fuzz_utf8_str_ok(value));
    article_free(a);
    free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_parse(data, size);
    fuzz_apply(data, size);
    return 0;
}
