/* brokenlinks.c -- the broken links list, its filters and its CSV
 * (brokenlinks.h). */
#include "brokenlinks.h"

#include "admin.h"
#include "reports.h"
#include "routes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *js(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

static char fold(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* 1 when needle (non-empty) is in hay, ASCII letters without case. */
static int contains(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++) {
        size_t i = 0;
        while (i < n && hay[i] && fold(hay[i]) == fold(needle[i]))
            i++;
        if (i == n)
            return 1;
    }
    return 0;
}

static int link_cmp(const void *a, const void *b)
{
    json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    int c = strcmp(js(x, "file"), js(y, "file"));
    if (c)
        return c;
    json_int_t lx = json_integer_value(json_object_get(x, "line"));
    json_int_t ly = json_integer_value(json_object_get(y, "line"));
    if (lx != ly)
        return lx < ly ? -1 : 1;
    return strcmp(js(x, "target"), js(y, "target"));
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int brokenlinks_load(struct app *app, const char *lang, const char *q, struct brokenlinks *bl)
{
    json_t *all = NULL, *seen = json_object(), *l, **v = NULL;
    size_t i, n = 0;
    memset(bl, 0, sizeof *bl);
    bl->matched = json_array();
    bl->locales = json_array();
    int rc = admin_broken_links(app, &all);
    if (rc == ADMIN_OK && (!seen || !bl->matched || !bl->locales))
        rc = ADMIN_INDEX_ERROR;
    if (rc == ADMIN_OK && !(v = calloc(json_array_size(all) + 1, sizeof *v)))
        rc = ADMIN_INDEX_ERROR;
    if (rc != ADMIN_OK) {
        json_decref(all);
        json_decref(seen);
        return rc;
    }
    bl->total = json_array_size(all);
    json_array_foreach(all, i, l)
    {
        json_object_set_new(seen, js(l, "locale"), json_true());
        if (lang && *lang && strcmp(js(l, "locale"), lang) != 0)
            continue;
        if (q && *q && !contains(js(l, "file"), q) && !contains(js(l, "target"), q))
            continue;
        v[n++] = l;
    }
    qsort(v, n, sizeof *v, link_cmp);
    for (i = 0; i < n; i++)
        json_array_append(bl->matched, v[i]);
    free(v);
    /* The locales, sorted. */
    const char *key, **keys = calloc(json_object_size(seen) + 1, sizeof *keys);
    size_t nk = 0;
    json_t *val;
    if (keys) {
        json_object_foreach(seen, key, val)
            keys[nk++] = key;
        qsort(keys, nk, sizeof *keys, str_cmp);
        for (i = 0; i < nk; i++)
            json_array_append_new(bl->locales, json_string(keys[i]));
        free(keys);
    }
    json_decref(seen);
    json_decref(all);
    return keys ? ADMIN_OK : ADMIN_INDEX_ERROR;
}

void brokenlinks_release(struct brokenlinks *bl)
{
    json_decref(bl->matched);
    json_decref(bl->locales);
    memset(bl, 0, sizeof *bl);
}

static void text_cell(struct strbuf *sb, const char *s)
{
    reports_csv_cell(sb, s, strlen(s), REPORTS_CSV_TEXT);
}

void brokenlinks_csv(json_t *links, struct strbuf *sb)
{
    static const char *const cols[] = {"file", "line", "locale", "article", "target", "problem"};
    size_t i, c;
    json_t *l;
    for (c = 0; c < sizeof cols / sizeof cols[0]; c++) {
        if (c)
            strbuf_addch(sb, ',');
        text_cell(sb, cols[c]);
    }
    strbuf_adds(sb, "\r\n");
    json_array_foreach(links, i, l)
    {
        char line[24];
        snprintf(line, sizeof line, "%lld", (long long)json_integer_value(json_object_get(l, "line")));
        text_cell(sb, js(l, "file"));
        strbuf_addch(sb, ',');
        reports_csv_cell(sb, line, strlen(line), REPORTS_CSV_NUMBER);
        for (c = 2; c < sizeof cols / sizeof cols[0]; c++) {
            strbuf_addch(sb, ',');
            text_cell(sb, js(l, cols[c]));
        }
        strbuf_adds(sb, "\r\n");
    }
}

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
    char *end;
    if (!s || !*s)
        return 0;
    if (*s < '0' || *s > '9')
        return -1;
    unsigned long v = strtoul(s, &end, 10);
    if (*end || v > max)
        return -1;
    *out = v;
    return 0;
}

unsigned api_broken_links(struct request *rq)
{
    int bad = 0;
    const char *lang = req_arg(rq, "lang", &bad);
    const char *q = req_arg(rq, "q", &bad);
    const char *offset_s = req_arg(rq, "offset", &bad);
    const char *limit_s = req_arg(rq, "limit", &bad);
    const char *format = req_arg(rq, "format", &bad);
    unsigned long offset = 0, limit = BROKENLINKS_PAGE;
    if (bad)
        return reply_error(rq, 400, "invalid_parameter", "parameters must be UTF-8 text");
    if (q && strlen(q) > BROKENLINKS_Q_MAX)
        return reply_error(rq, 400, "invalid_q", "'q' is longer than 200 bytes");
    if (parse_uint(offset_s, 1000000, &offset) != 0)
        return reply_error(rq, 400, "invalid_offset", "'offset' must be a whole number from 0");
    if (parse_uint(limit_s, BROKENLINKS_LIMIT_MAX, &limit) != 0 || limit == 0)
        return reply_error(rq, 400, "invalid_limit", "'limit' must be from 1 to 1000");
    int csv = format && strcmp(format, "csv") == 0;
    if (format && *format && !csv && strcmp(format, "json") != 0)
        return reply_error(rq, 400, "invalid_format", "'format' must be json or csv");
    struct brokenlinks bl;
    int rc = brokenlinks_load(rq->app, lang, q, &bl);
    if (rc != ADMIN_OK) {
        brokenlinks_release(&bl);
        if (rc == ADMIN_NO_INDEX)
            return reply_error(rq, 503, "index_unavailable", "the index cannot be opened");
        return reply_error(rq, 500, "index_error", "the articles could not be read");
    }
    if (csv) {
        brokenlinks_csv(bl.matched, &rq->out);
        brokenlinks_release(&bl);
        rq->content_type = "text/csv; charset=utf-8";
        reply_header(rq, "Content-Disposition", "attachment; filename=\"broken-links.csv\"");
        return 200;
    }
    json_t *page = json_array();
    size_t n = json_array_size(bl.matched);
    for (size_t i = offset; i < n && i < offset + limit; i++)
        json_array_append(page, json_array_get(bl.matched, i));
    json_t *o = json_pack("{s:I,s:I,s:I,s:I,s:O,s:o}", "total", (json_int_t)bl.total, "matched",
                          (json_int_t)n, "offset", (json_int_t)offset, "limit",
                          (json_int_t)limit, "locales", bl.locales, "links", page);
    brokenlinks_release(&bl);
    if (!o)
        return reply_error(rq, 503, "overloaded", "out of memory; try again");
    return reply_json(rq, 200, o);
}
