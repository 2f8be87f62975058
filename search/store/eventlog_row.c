/* eventlog_row.c -- conversions at the store's edges: the event kind
 * table, UTF-8 cleaning before a bind, rows back into struct
 * eventlog_event, and events and times into JSON. */
#include "eventlog_private.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const struct eventlog_kind_info eventlog_kinds[EVENTLOG_KIND_COUNT] = {
    [EVENTLOG_KIND_SEARCH] = {"search", F_QUERY | F_RESULTS | F_LATENCY,
                              F_QUERY},
    [EVENTLOG_KIND_CLICK] = {"click", F_QUERY | F_ARTICLE | F_SECTION | F_RANK,
                             F_QUERY | F_ARTICLE},
    [EVENTLOG_KIND_VIEW] = {"view", F_ARTICLE | F_SECTION, F_ARTICLE},
    [EVENTLOG_KIND_VOTE] = {"vote",
                            F_ARTICLE | F_SECTION | F_HELPFUL | F_REASON |
                                F_COMMENT,
                            F_ARTICLE | F_HELPFUL},
    [EVENTLOG_KIND_CASE_FORM] = {"case_form", 0, 0},
    [EVENTLOG_KIND_SUGGEST] = {"suggest", F_QUERY | F_ARTICLES, F_QUERY},
    [EVENTLOG_KIND_DEFLECT] = {"deflect", F_ARTICLE | F_SOURCE, F_SOURCE},
    [EVENTLOG_KIND_CASE] = {"case", F_CASE, 0},
};

const char *eventlog_kind_name(enum eventlog_kind kind)
{
    if ((int)kind < 0 || kind >= EVENTLOG_KIND_COUNT)
        return NULL;
    return eventlog_kinds[kind].name;
}

int eventlog_kind_parse(const char *name)
{
    int k;

    for (k = 0; name && k < EVENTLOG_KIND_COUNT; k++)
        if (strcmp(eventlog_kinds[k].name, name) == 0)
            return k;
    return -1;
}

/* Length of the well-formed UTF-8 sequence at p (n bytes left), or 0
 * when it is ill-formed, with *bad set to the length of its maximal
 * subpart (the bytes one U+FFFD replaces). */
static size_t utf8_seq(const unsigned char *p, size_t n, size_t *bad)
{
    unsigned char c = p[0], lo = 0x80, hi = 0xBF;
    size_t need, i;

    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        need = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 3;
        if (c == 0xE0)
            lo = 0xA0; /* overlong */
        else if (c == 0xED)
            hi = 0x9F; /* surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 4;
        if (c == 0xF0)
            lo = 0x90; /* overlong */
        else if (c == 0xF4)
            hi = 0x8F; /* above U+10FFFF */
    } else {
        *bad = 1;
        return 0;
    }
    for (i = 1; i < need; i++) {
        if (i >= n || p[i] < lo || p[i] > hi) {
            *bad = i;
            return 0;
        }
        lo = 0x80;
        hi = 0xBF;
    }
    return need;
}

static int utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, len, bad;

    while (i < n) {
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        len = utf8_seq(p + i, n - i, &bad);
        if (!len)
            return 0;
        i += len;
    }
    return 1;
}

char *eventlog_utf8_clean(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n, i = 0, o = 0, len, bad;
    char *out;

    if (!s)
        return NULL;
    n = strlen(s);
    if (n > (SIZE_MAX - 1) / 3)
        return NULL;
    /* Each bad byte becomes at most the three bytes of U+FFFD. */
    out = malloc(n * 3 + 1);
    if (!out)
        return NULL;
    while (i < n) {
        len = utf8_seq(p + i, n - i, &bad);
        if (len) {
            memcpy(out + o, p + i, len);
            o += len;
            i += len;
        } else {
            memcpy(out + o, "\xEF\xBF\xBD", 3);
            o += 3;
            i += bad;
        }
    }
    out[o] = '\0';
    return out;
}

int eventlog_bind_text(struct eventlog *el, sqlite3_stmt *st, int idx,
                       const char *s)
{
    size_t n;
    int rc;

    if (!s) {
        rc = sqlite3_bind_null(st, idx);
    } else {
        n = strlen(s);
        if (utf8_valid(s, n)) {
            rc = sqlite3_bind_text64(st, idx, s, n, SQLITE_STATIC,
                                     SQLITE_UTF8);
        } else {
            char *c = eventlog_utf8_clean(s);

            if (!c)
                return eventlog_fail(el, "out of memory");
            /* SQLite calls free() even when the bind fails. */
            rc = sqlite3_bind_text64(st, idx, c, strlen(c), free,
                                     SQLITE_UTF8);
        }
    }
    if (rc != SQLITE_OK)
        return eventlog_sqlfail(el, "bind");
    return EVENTLOG_OK;
}

json_t *eventlog_json_str(const char *s)
{
    json_t *j;
    char *c;

    if (!s)
        return json_null();
    j = json_string(s);
    if (j)
        return j;
    c = eventlog_utf8_clean(s);
    if (!c)
        return NULL;
    j = json_string(c);
    free(c);
    return j;
}

void eventlog_format_time(long long ms, char *buf, size_t len)
{
    time_t secs;
    struct tm tm;
    char day[24];

    if (ms < 0)
        ms = 0;
    secs = (time_t)(ms / 1000);
    if (!gmtime_r(&secs, &tm) ||
        !strftime(day, sizeof day, "%Y-%m-%dT%H:%M:%S", &tm))
        snprintf(day, sizeof day, "1970-01-01T00:00:00");
    snprintf(buf, len, "%s.%03dZ", day, (int)(ms % 1000));
}

void eventlog_rowbuf_release(struct eventlog_rowbuf *rb)
{
    json_decref(rb->arr);
    free(rb->ptrs);
    rb->arr = NULL;
    rb->ptrs = NULL;
    rb->cap = 0;
}

static const char *col_text(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

static int col_int(sqlite3_stmt *st, int i, int dflt)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL
               ? dflt
               : sqlite3_column_int(st, i);
}

static int row_articles(struct eventlog *el, const char *text,
                        struct eventlog_event *ev, struct eventlog_rowbuf *rb)
{
    size_t i, n;

    json_decref(rb->arr);
    rb->arr = text ? json_loads(text, 0, NULL) : NULL;
    if (!json_is_array(rb->arr))
        return EVENTLOG_OK; /* no list (or not ours): treat as empty */
    n = json_array_size(rb->arr);
    if (n > rb->cap) {
        const char **p = realloc(rb->ptrs, n * sizeof *p);

        if (!p)
            return eventlog_fail(el, "out of memory");
        rb->ptrs = p;
        rb->cap = n;
    }
    for (i = 0; i < n; i++) {
        const char *s = json_string_value(json_array_get(rb->arr, i));

        rb->ptrs[ev->narticles++] = s ? s : "";
    }
    ev->articles = rb->ptrs;
    return EVENTLOG_OK;
}

int eventlog_row_event(struct eventlog *el, sqlite3_stmt *st,
                       struct eventlog_event *ev, struct eventlog_rowbuf *rb)
{
    int kind = eventlog_kind_parse(col_text(st, 0));

    memset(ev, 0, sizeof *ev);
    if (kind < 0)
        return eventlog_fail(el, "corrupt event row: kind '%s'",
                             col_text(st, 0) ? col_text(st, 0) : "");
    ev->kind = (enum eventlog_kind)kind;
    ev->ts = (double)sqlite3_column_int64(st, 1) / 1000.0;
    ev->visit = col_text(st, 2);
    ev->locale = col_text(st, 3);
    ev->query = col_text(st, 4);
    ev->article = col_text(st, 5);
    ev->section = col_text(st, 6);
    ev->rank = col_int(st, 7, 0);
    ev->results = col_int(st, 8, -1);
    ev->latency_us = sqlite3_column_type(st, 9) == SQLITE_NULL
                         ? -1
                         : sqlite3_column_int64(st, 9);
    ev->helpful = col_int(st, 10, -1);
    ev->reason = col_text(st, 11);
    ev->comment = col_text(st, 12);
    ev->source = col_text(st, 13);
    ev->case_id = col_text(st, 15);
    if (ev->kind == EVENTLOG_KIND_SUGGEST)
        return row_articles(el, col_text(st, 14), ev, rb);
    return EVENTLOG_OK;
}

/* Adds key: value to o; a NULL value (OOM) or a failed set counts. */
static int put(json_t *o, const char *key, json_t *v)
{
    return json_object_set_new(o, key, v) ? -1 : 0;
}

json_t *eventlog_event_json(const struct eventlog_event *ev)
{
    const struct eventlog_kind_info *k = &eventlog_kinds[ev->kind];
    json_t *o = json_object(), *arr;
    char when[32];
    size_t i;
    int bad = 0;

    if (!o)
        return NULL;
    eventlog_format_time(eventlog_ms(ev->ts), when, sizeof when);
    bad |= put(o, "type", json_string(k->name));
    bad |= put(o, "time", json_string(when));
    if (ev->locale)
        bad |= put(o, "locale", eventlog_json_str(ev->locale));
    if ((k->fields & F_QUERY) && ev->query)
        bad |= put(o, "query", eventlog_json_str(ev->query));
    if ((k->fields & F_ARTICLE) && ev->article)
        bad |= put(o, "article", eventlog_json_str(ev->article));
    if ((k->fields & F_SECTION) && ev->section)
        bad |= put(o, "section", eventlog_json_str(ev->section));
    if ((k->fields & F_RANK) && ev->rank > 0)
        bad |= put(o, "rank", json_integer(ev->rank));
    if ((k->fields & F_RESULTS) && ev->results >= 0)
        bad |= put(o, "results", json_integer(ev->results));
    if ((k->fields & F_LATENCY) && ev->latency_us >= 0)
        bad |= put(o, "latency_us", json_integer(ev->latency_us));
    if ((k->fields & F_HELPFUL) && ev->helpful >= 0)
        bad |= put(o, "helpful", json_boolean(ev->helpful));
    if ((k->fields & F_REASON) && ev->reason)
        bad |= put(o, "reason", eventlog_json_str(ev->reason));
    if ((k->fields & F_COMMENT) && ev->comment)
        bad |= put(o, "comment", eventlog_json_str(ev->comment));
    if ((k->fields & F_SOURCE) && ev->source)
        bad |= put(o, "source", eventlog_json_str(ev->source));
    if (k->fields & F_ARTICLES) {
        bad |= put(o, "articles", arr = json_array());
        for (i = 0; arr && i < ev->narticles; i++)
            bad |= json_array_append_new(arr,
                                         eventlog_json_str(ev->articles[i]));
    }
    if ((k->fields & F_CASE) && ev->case_id)
        bad |= put(o, "case_id", eventlog_json_str(ev->case_id));
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* Clamps a caller's range bound into what fits a stored time. */
