/* sdb_pgsql.c -- SQLite's dialect to PostgreSQL's: the one place the
 * store's SQL differs between the engines (sdb.h lists the rules). */
#include "sdb.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct out {
    char *buf;
    size_t len, cap;
    int oom;
};

static void put(struct out *o, const char *s, size_t n)
{
    if (o->oom)
        return;
    if (o->len + n + 1 > o->cap) {
        size_t cap = (o->len + n + 1) * 2;
        char *b = realloc(o->buf, cap);
        if (!b) {
            o->oom = 1;
            return;
        }
        o->buf = b;
        o->cap = cap;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
    o->buf[o->len] = '\0';
}

static void puts_(struct out *o, const char *s)
{
    put(o, s, strlen(s));
}

static int word_char(char ch)
{
    return isalnum((unsigned char)ch) || ch == '_';
}

/* The word at p (letters, digits, _), its length in *n; 0 if none. */
static size_t word_at(const char *p)
{
    size_t n = 0;

    while (word_char(p[n]))
        n++;
    return n;
}

static int is_word(const char *p, size_t n, const char *w)
{
    return strlen(w) == n && strncasecmp(p, w, n) == 0;
}

static const char *skip_space(const char *p)
{
    while (*p && isspace((unsigned char)*p))
        p++;
    return p;
}

/* Whether the parenthesised list starting at p ('(') has a comma at
 * its own depth: min(a, b) is scalar, min(x) the aggregate. */
static int two_args(const char *p)
{
    int depth = 0;

    for (; *p; p++) {
        if (*p == '\'') {
            for (p++; *p && *p != '\''; p++)
                ;
            if (!*p)
                return 0;
        } else if (*p == '(') {
            depth++;
        } else if (*p == ')') {
            if (--depth == 0)
                return 0;
        } else if (*p == ',' && depth == 1) {
            return 1;
        }
    }
    return 0;
}

char *sdb_pg_sql(const char *sql)
{
    struct out o = {NULL, 0, 0, 0};
    const char *p = sql;
    int ignore = 0;

    put(&o, "", 0);
    while (*p && !o.oom) {
        if (*p == '\'') {
            const char *e = p + 1;
            while (*e && !(e[0] == '\'' && e[1] != '\''))
                e += e[0] == '\'' ? 2 : 1;
            if (*e)
                e++;
            put(&o, p, (size_t)(e - p));
            p = e;
        } else if (p[0] == '/' && p[1] == '*') {
            const char *e = strstr(p + 2, "*/");
            const char *end = e ? e + 2 : p + strlen(p);
            if (strncmp(p + 2, "pg:", 3) == 0 && e)
                put(&o, p + 5, (size_t)(e - (p + 5)));
            else
                put(&o, p, (size_t)(end - p));
            p = end;
        } else if (*p == '?') {
            puts_(&o, "$");
            p++;
        } else if (word_char(*p)) {
            size_t n = word_at(p);
            const char *next = skip_space(p + n);
            size_t nn = word_at(next);

            if (isdigit((unsigned char)*p)) {
                put(&o, p, n);
            } else if (is_word(p, n, "INTEGER")) {
                if (is_word(next, nn, "PRIMARY"))
                    puts_(&o, "BIGSERIAL");
                else
                    puts_(&o, "BIGINT");
            } else if ((is_word(p, n, "min") || is_word(p, n, "max")) && *next == '(' &&
                       two_args(next)) {
                puts_(&o, tolower((unsigned char)p[1]) == 'i' ? "LEAST" : "GREATEST");
            } else if (is_word(p, n, "OR") && is_word(next, nn, "IGNORE")) {
                /* INSERT OR IGNORE: ON CONFLICT DO NOTHING at the end. */
                ignore = 1;
                p = next + nn;
                continue;
            } else if (is_word(p, n, "LIKE")) {
                puts_(&o, "ILIKE");
            } else if (is_word(p, n, "IMMEDIATE")) {
                /* BEGIN IMMEDIATE: PostgreSQL locks rows, not the file. */
            } else if (is_word(p, n, "IS")) {
                const char *after = next;
                size_t an = nn;
                int negated = is_word(next, nn, "NOT");

                if (negated) {
                    after = skip_space(next + nn);
                    an = word_at(after);
                }
                if (is_word(after, an, "NULL") || is_word(after, an, "DISTINCT") ||
                    is_word(after, an, "TRUE") || is_word(after, an, "FALSE")) {
                    put(&o, p, n);
                } else {
                    puts_(&o, negated ? "IS DISTINCT FROM" : "IS NOT DISTINCT FROM");
                    p = negated ? next + nn : p + n;
                    continue;
                }
            } else {
                put(&o, p, n);
            }
            p += n;
        } else {
            put(&o, p, 1);
            p++;
        }
    }
    if (ignore)
        puts_(&o, " ON CONFLICT DO NOTHING");
    if (o.oom) {
        free(o.buf);
        return NULL;
    }
    return o.buf;
}
