/* frontmatter.c -- YAML front matter -> article fields, with libyaml's
 * document API (yaml_parser_load), so every value and error carries a
 * libyaml mark that we shift to a file line. */
#include "frontmatter.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#ifdef __GNUC__
#define FM_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define FM_PRINTF(f, a)
#endif

enum fm_field {
    FM_ID,
    FM_TITLE,
    FM_DESCRIPTION,
    FM_TOPIC,
    FM_PRODUCT,
    FM_TAGS,
    FM_AUDIENCE,
    FM_LOCALE,
    FM_DATE,
    FM_TRANSLATION,
    FM_QUERIES,
    FM_QUERIES_TOP
};

static const struct {
    const char *key;
    enum fm_field field;
} fm_keys[] = {
    {"id", FM_ID},
    {"title", FM_TITLE},
    {"description", FM_DESCRIPTION},
    {"topic", FM_TOPIC},
    {"ms.topic", FM_TOPIC},
    {"product", FM_PRODUCT},
    {"ms.service", FM_PRODUCT},
    {"tags", FM_TAGS},
    {"keywords", FM_TAGS},
    {"audience", FM_AUDIENCE},
    {"locale", FM_LOCALE},
    {"ms.contentlocale", FM_LOCALE},
    {"date", FM_DATE},
    {"ms.date", FM_DATE},
    {"ms.translationtype", FM_TRANSLATION},
    {"queries", FM_QUERIES},
    {"queries_top", FM_QUERIES_TOP},
};

FM_PRINTF(3, 4)
static void diag_set(struct diag *d, unsigned line, const char *fmt, ...)
{
    va_list ap;

    if (!d)
        return;
    d->line = line;
    d->is_error = 1;
    va_start(ap, fmt);
    vsnprintf(d->msg, sizeof d->msg, fmt, ap);
    va_end(ap);
}

FM_PRINTF(3, 4)
static int err_set(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (err && errlen) {
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static int ascii_lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

static int ascii_casecmp(const char *x, const char *y)
{
    while (*x && ascii_lower((unsigned char)*x) == ascii_lower((unsigned char)*y)) {
        x++;
        y++;
    }
    return ascii_lower((unsigned char)*x) - ascii_lower((unsigned char)*y);
}

static int key_field(const char *key)
{
    size_t i;

    for (i = 0; i < sizeof fm_keys / sizeof fm_keys[0]; i++)
        if (ascii_casecmp(key, fm_keys[i].key) == 0)
            return (int)fm_keys[i].field;
    return -1;
}

int frontmatter_key_known(const char *key)
{
    return key && key_field(key) >= 0;
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Reads 1..max digits; returns the count read (0 when none). */
static size_t read_num(const char *s, size_t max, int *out)
{
    size_t n = 0;

    *out = 0;
    while (n < max && is_digit(s[n])) {
        *out = *out * 10 + (s[n] - '0');
        n++;
    }
    return n;
}

static int days_in_month(int y, int m)
{
    static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

    return m == 2 && leap ? 29 : dim[m - 1];
}

/* ISO YYYY-MM-DD, or the US M/D/YYYY that every Microsoft Docs ms.date
 * uses (sometimes unpadded, e.g. 1/5/2021). */
static int parse_date(const char *s, int *y, int *m, int *d)
{
    size_t n;

    if (read_num(s, 4, y) == 4 && s[4] == '-') {
        if (read_num(s + 5, 2, m) != 2 || s[7] != '-' ||
            read_num(s + 8, 2, d) != 2 || s[10] != '\0')
            return -1;
    } else {
        n = read_num(s, 2, m);
        if (n == 0 || s[n] != '/')
            return -1;
        s += n + 1;
        n = read_num(s, 2, d);
        if (n == 0 || s[n] != '/')
            return -1;
        s += n + 1;
        if (read_num(s, 4, y) != 4 || s[4] != '\0')
            return -1;
    }
    if (*y < 1 || *m < 1 || *m > 12 || *d < 1 || *d > days_in_month(*y, *m))
        return -1;
    return 0;
}

static int has_tag(const struct article *a, const char *t, size_t n)
{
    size_t i;

    for (i = 0; i < a->ntags; i++)
        if (strlen(a->tags[i]) == n && memcmp(a->tags[i], t, n) == 0)
            return 1;
    return 0;
}

static int add_tags(struct article *a, const char *value)
{
    const char *p = value;

    while (*p) {
        const char *end = strchr(p, ',');
        const char *b = p, *e;
        char **tags;
        char *t;

        if (!end)
            end = p + strlen(p);
        e = end;
        while (b < e && (*b == ' ' || *b == '\t' || *b == '\n' || *b == '\r'))
            b++;
        while (e > b && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
            e--;
        if (e > b && !has_tag(a, b, (size_t)(e - b))) {
            tags = realloc(a->tags, (a->ntags + 1) * sizeof *tags);
            if (!tags)
                return -1;
            a->tags = tags;
            t = malloc((size_t)(e - b) + 1);
            if (!t)
                return -1;
            memcpy(t, b, (size_t)(e - b));
            t[e - b] = '\0';
            a->tags[a->ntags++] = t;
        }
        p = *end ? end + 1 : end;
    }
    return 0;
}

int frontmatter_apply(struct article *a, const char *key, const char *value,
                      char *err, size_t errlen)
{
    int y, m, d, rc = 0;
    char buf[36]; /* any three ints: the compiler cannot see the checks */
    char *p;

    if (err && errlen)
        err[0] = '\0';
    if (!key || !value)
        return 0;
    switch (key_field(key)) {
    case FM_ID:
        rc = article_set(&a->id, value);
        break;
    case FM_TITLE:
        rc = article_set(&a->title, value);
        break;
    case FM_DESCRIPTION:
        rc = article_set(&a->description, value);
        break;
    case FM_TOPIC:
        rc = article_set(&a->topic, value);
        break;
    case FM_PRODUCT:
        rc = article_set(&a->product, value);
        break;
    case FM_TAGS:
        rc = add_tags(a, value);
        break;
    case FM_AUDIENCE:
        if (ascii_casecmp(value, "public") == 0)
            a->internal = 0;
        else if (ascii_casecmp(value, "internal") == 0)
            a->internal = 1;
        else
            return err_set(err, errlen,
                           "%s: '%.60s' is not a valid audience; use public "
                           "or internal", key, value);
        break;
    case FM_LOCALE:
        rc = article_set(&a->locale, value);
        for (p = a->locale; rc == 0 && *p; p++)
            *p = (char)ascii_lower((unsigned char)*p);
        break;
    case FM_DATE:
        if (parse_date(value, &y, &m, &d) != 0)
            return err_set(err, errlen,
                           "%s: '%.40s' is not a valid date; use YYYY-MM-DD",
                           key, value);
        snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
        rc = article_set(&a->updated, buf);
        break;
    case FM_TRANSLATION:
        a->machine_translated = ascii_casecmp(value, "MT") == 0;
        break;
    case FM_QUERIES:
        if (*value)
            rc = article_add_query(a, value, 0);
        break;
    case FM_QUERIES_TOP:
        if (read_num(value, 3, &y) != strlen(value) || y < 1 || y > 100)
            return err_set(err, errlen,
                           "%s: '%.40s' is not a number from 1 to 100", key, value);
        a->queries_top = (unsigned)y;
        break;
    default:
        break;
    }
    if (rc != 0)
        return err_set(err, errlen, "out of memory");
    return 0;
}

/* A plain empty scalar, "~" or "null" is YAML's null: treat the key as
 * absent rather than as the text "null". */
static const char *scalar_value(const yaml_node_t *n)
{
    const char *v = (const char *)n->data.scalar.value;

    if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
        (v[0] == '\0' || strcmp(v, "~") == 0 || ascii_casecmp(v, "null") == 0))
        return NULL;
    return v;
}

/* queries: one question, or a list of them, each with its own line. */
static int apply_queries(struct article *a, yaml_document_t *doc, const char *key,
                         yaml_node_t *val, unsigned first_line, struct diag *d)
{
    unsigned line = first_line + (unsigned)val->start_mark.line;
    yaml_node_item_t *it;
    yaml_node_t *item;
    const char *q;

    if (val->type == YAML_SCALAR_NODE) {
        q = scalar_value(val);
        if (q && *q && article_add_query(a, q, line) != 0) {
            diag_set(d, line, "out of memory");
            return -1;
        }
        return 0;
    }
    if (val->type != YAML_SEQUENCE_NODE) {
        diag_set(d, line, "%s: expected a list of questions; write '- question' "
                 "per line", key);
        return -1;
    }
    for (it = val->data.sequence.items.start; it < val->data.sequence.items.top; it++) {
        item = yaml_document_get_node(doc, *it);
        if (!item || item->type != YAML_SCALAR_NODE) {
            diag_set(d, item ? first_line + (unsigned)item->start_mark.line : line,
                     "%s: each item must be one question as text; write "
                     "'- question'", key);
            return -1;
        }
        q = scalar_value(item);
        if (!q || !*q)
            continue;
        if (article_add_query(a, q, first_line + (unsigned)item->start_mark.line) != 0) {
            diag_set(d, line, "out of memory");
            return -1;
        }
    }
    return 0;
}

static int apply_pair(struct article *a, yaml_document_t *doc,
                      const char *key, yaml_node_t *val, unsigned first_line,
                      struct diag *d)
{
    char err[sizeof d->msg];
    unsigned line = first_line + (unsigned)val->start_mark.line;
    yaml_node_item_t *it;
    yaml_node_t *item;

    if (key_field(key) == FM_QUERIES)
        return apply_queries(a, doc, key, val, first_line, d);
    if (val->type == YAML_SCALAR_NODE) {
        if (frontmatter_apply(a, key, scalar_value(val), err, sizeof err) != 0) {
            diag_set(d, line, "%s", err);
            return -1;
        }
        return 0;
    }
    if (val->type == YAML_SEQUENCE_NODE && key_field(key) == FM_TAGS) {
        for (it = val->data.sequence.items.start;
             it < val->data.sequence.items.top; it++) {
            item = yaml_document_get_node(doc, *it);
            if (!item || item->type != YAML_SCALAR_NODE) {
                diag_set(d, item ? first_line + (unsigned)item->start_mark.line : line,
                         "%s: list items must be plain words; write "
                         "'- word' per tag", key);
                return -1;
            }
            if (frontmatter_apply(a, key, scalar_value(item), err, sizeof err) != 0) {
                diag_set(d, line, "%s", err);
                return -1;
            }
        }
        return 0;
    }
    diag_set(d, line, "%s: expected a single value, not a %s; write '%s: value'",
             key, val->type == YAML_SEQUENCE_NODE ? "list" : "mapping", key);
    return -1;
}

int frontmatter_apply_mapping(struct article *a, yaml_document_t *doc,
                              yaml_node_t *map, unsigned first_line,
                              struct diag *d)
{
    yaml_node_pair_t *pair;
    yaml_node_t *k, *v;

    for (pair = map->data.mapping.pairs.start;
         pair < map->data.mapping.pairs.top; pair++) {
        k = yaml_document_get_node(doc, pair->key);
        v = yaml_document_get_node(doc, pair->value);
        if (!k || !v || k->type != YAML_SCALAR_NODE ||
            !frontmatter_key_known((const char *)k->data.scalar.value))
            continue;
        if (apply_pair(a, doc, (const char *)k->data.scalar.value, v,
                       first_line, d) != 0)
            return -1;
    }
    return 0;
}

static const char *yaml_hint(const char *problem, const char *context)
{
    if (strstr(problem, "mapping values are not allowed"))
        return "quote the value if it contains ': ', or fix the indentation";
    if (strstr(problem, "tab"))
        return "indent with spaces, not tabs";
    if (strstr(problem, "expected ','"))
        return "close the [list] or {mapping}, or quote a value that starts "
               "with '[' or '{'";
    if (strstr(problem, "cannot start any token"))
        return "quote values that start with '@', '`' or '%', and indent "
               "with spaces, not tabs";
    if ((context && strstr(context, "quoted scalar")) ||
        strstr(problem, "escape"))
        return "close every quote, and inside \"...\" write \\\" for a quote";
    if (strstr(problem, "expected key") || strstr(problem, "indicator") ||
        (context && strstr(context, "block")))
        return "check the indentation of this line and the one before";
    if (strstr(problem, "UTF-8") || strstr(problem, "control characters"))
        return "save the file as UTF-8 text";
    return "check the YAML syntax near this line";
}

void frontmatter_yaml_error(const struct yaml_parser_s *parser,
                            const char *yaml, size_t yaml_len,
                            unsigned first_line, const char *what,
                            struct diag *d)
{
    const char *problem = parser->problem ? parser->problem : "unknown error";
    const char *context = parser->context;
    unsigned line = first_line + (unsigned)parser->problem_mark.line;
    size_t i;

    if (parser->error == YAML_MEMORY_ERROR) {
        diag_set(d, 0, "%s: out of memory", what);
        return;
    }
    if (parser->error == YAML_READER_ERROR) {
        /* Encoding errors carry a byte offset, not a mark. */
        line = first_line;
        for (i = 0; i < parser->problem_offset && i < yaml_len; i++)
            if (yaml[i] == '\n')
                line++;
    } else if (context && (strstr(problem, "end of stream") ||
                           parser->problem_mark.index >= yaml_len)) {
        /* An unclosed quote or bracket is reported at the end of the
         * input; the place where it was opened is the useful line. */
        line = first_line + (unsigned)parser->context_mark.line;
    }
    diag_set(d, line, "%s: invalid YAML: %s%s%s%s; %s", what, problem,
             context ? " (" : "", context ? context : "", context ? ")" : "",
             yaml_hint(problem, context));
}

/* Is [p, p+n) the delimiter mark ("---" or "..."), ignoring a trailing
 * "\r" and trailing blanks? */
static int is_delim(const char *p, size_t n, const char *mark)
{
    while (n > 0 && (p[n - 1] == '\r' || p[n - 1] == ' ' || p[n - 1] == '\t'))
        n--;
    return n == 3 && memcmp(p, mark, 3) == 0;
}

int frontmatter_parse(const char *buf, size_t len, struct article *a,
                      size_t *body_off, unsigned *body_line,
                      struct diag *d)
{
    size_t off = 0, ys, ye = 0, pos;
    const char *nl;
    unsigned line;
    int found = 0, rc = -1;
    yaml_parser_t parser;
    yaml_document_t doc;
    yaml_node_t *root;

    *body_off = 0;
    *body_line = 1;
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
        off = 3;
    nl = memchr(buf + off, '\n', len - off);
    if (!nl || !is_delim(buf + off, (size_t)(nl - (buf + off)), "---"))
        return 0;

    ys = (size_t)(nl - buf) + 1;
    line = 2;
    for (pos = ys; pos < len; line++) {
        size_t eol;

        nl = memchr(buf + pos, '\n', len - pos);
        eol = nl ? (size_t)(nl - buf) : len;
        if (is_delim(buf + pos, eol - pos, "---") ||
            is_delim(buf + pos, eol - pos, "...")) {
            ye = pos;
            *body_off = nl ? eol + 1 : len;
            *body_line = line + 1;
            found = 1;
            break;
        }
        pos = eol + 1;
    }
    if (!found) {
        diag_set(d, 1, "front matter: no closing '---' line; end the YAML "
                       "block with a line containing only '---'");
        return -1;
    }

    if (!yaml_parser_initialize(&parser)) {
        diag_set(d, 0, "front matter: out of memory");
        return -1;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)buf + ys,
                                 ye - ys);
    if (!yaml_parser_load(&parser, &doc)) {
        frontmatter_yaml_error(&parser, buf + ys, ye - ys, 2, "front matter", d);
        yaml_parser_delete(&parser);
        return -1;
    }
    root = yaml_document_get_root_node(&doc);
    if (!root) {
        rc = 0; /* an empty block: no fields */
    } else if (root->type != YAML_MAPPING_NODE) {
        diag_set(d, 2 + (unsigned)root->start_mark.line,
                 "front matter: expected 'key: value' lines, found %s; "
                 "write each field as 'key: value'",
                 root->type == YAML_SEQUENCE_NODE ? "a list" : "plain text");
    } else {
        rc = frontmatter_apply_mapping(a, &doc, root, 2, d);
    }
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    if (rc != 0) {
        *body_off = 0;
        *body_line = 1;
    }
    return rc;
}
