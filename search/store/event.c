/* event.c -- the kind table, event checks, and events out of rows and
 * into JSON. */
#include "event.h"

#include <stdlib.h>
#include <string.h>

#include "storeval.h"

static const struct event_kind_info kinds[EVENTLOG_KIND_COUNT] = {
    [EVENTLOG_KIND_SEARCH] = {"search",
                              EVENT_F_QUERY | EVENT_F_RESULTS | EVENT_F_LATENCY |
                                  EVENT_F_ARTICLES,
                              EVENT_F_QUERY},
    [EVENTLOG_KIND_CLICK] = {"click",
                             EVENT_F_QUERY | EVENT_F_ARTICLE | EVENT_F_SECTION | EVENT_F_RANK,
                             EVENT_F_QUERY | EVENT_F_ARTICLE},
    [EVENTLOG_KIND_VIEW] = {"view", EVENT_F_ARTICLE | EVENT_F_SECTION, EVENT_F_ARTICLE},
    [EVENTLOG_KIND_VOTE] = {"vote",
                            EVENT_F_ARTICLE | EVENT_F_SECTION | EVENT_F_HELPFUL |
                                EVENT_F_REASON | EVENT_F_COMMENT,
                            EVENT_F_ARTICLE | EVENT_F_HELPFUL},
    [EVENTLOG_KIND_CASE_FORM] = {"case_form", 0, 0},
    [EVENTLOG_KIND_SUGGEST] = {"suggest", EVENT_F_QUERY | EVENT_F_ARTICLES, EVENT_F_QUERY},
    [EVENTLOG_KIND_DEFLECT] = {"deflect", EVENT_F_ARTICLE | EVENT_F_SOURCE, EVENT_F_SOURCE},
    [EVENTLOG_KIND_CASE] = {"case", EVENT_F_CASE, 0},
};

static const char *const vote_reasons[] = {"not_related", "did_not_answer", "other"};
static const char *const deflect_sources[] = {"article", "case_form"};

const struct event_kind_info *event_kind(enum eventlog_kind kind)
{
    if ((int)kind < 0 || kind >= EVENTLOG_KIND_COUNT)
        return NULL;
    return &kinds[kind];
}

const char *event_kind_name(enum eventlog_kind kind)
{
    const struct event_kind_info *k = event_kind(kind);

    return k ? k->name : NULL;
}

int event_kind_parse(const char *name)
{
    int k;

    for (k = 0; name && k < EVENTLOG_KIND_COUNT; k++)
        if (strcmp(kinds[k].name, name) == 0)
            return k;
    return -1;
}

static int one_of(const char *s, const char *const *set, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (strcmp(s, set[i]) == 0)
            return 1;
    return 0;
}

store_status event_check(struct storedb *db, const struct eventlog_event *ev, const char *pfx)
{
    const store_status bad = STORE_ERR_INVALID;
    const struct event_kind_info *k = event_kind(ev->kind);
    size_t i;

    if (!k)
        return storedb_fail(db, bad, "%sunknown event kind %d", pfx, (int)ev->kind);
    if (!ev->visit || !ev->visit[0])
        return storedb_fail(db, bad, "%s%s event: visit is required", pfx, k->name);
    if (!storeval_ts_ok(ev->ts))
        return storedb_fail(db, bad, "%s%s event: time %f is out of range", pfx, k->name,
                            ev->ts);
    if ((k->required & EVENT_F_QUERY) && !ev->query)
        return storedb_fail(db, bad, "%s%s event: query is required", pfx, k->name);
    if ((k->required & EVENT_F_ARTICLE) && !ev->article)
        return storedb_fail(db, bad, "%s%s event: article is required", pfx, k->name);
    if ((k->required & EVENT_F_HELPFUL) && ev->helpful != 0 && ev->helpful != 1)
        return storedb_fail(db, bad, "%s%s event: helpful must be 0 or 1", pfx, k->name);
    if ((k->fields & EVENT_F_REASON) && ev->reason && !one_of(ev->reason, vote_reasons, 3))
        return storedb_fail(db, bad,
                            "%s%s event: reason must be not_related, did_not_answer or other",
                            pfx, k->name);
    if ((k->required & EVENT_F_SOURCE) &&
        (!ev->source || !one_of(ev->source, deflect_sources, 2)))
        return storedb_fail(db, bad, "%s%s event: source must be article or case_form", pfx,
                            k->name);
    if ((k->fields & EVENT_F_ARTICLES) && ev->narticles) {
        if (!ev->articles)
            return storedb_fail(db, bad, "%s%s event: articles is NULL", pfx, k->name);
        for (i = 0; i < ev->narticles; i++)
            if (!ev->articles[i])
                return storedb_fail(db, bad, "%s%s event: article %zu is NULL", pfx, k->name,
                                    i);
    }
    return STORE_OK;
}

char *event_articles_text(const struct eventlog_event *ev)
{
    json_t *arr = json_array();
    char *text = NULL;
    size_t i;

    if (!arr)
        return NULL;
    for (i = 0; i < ev->narticles; i++)
        if (json_array_append_new(arr, storeval_json_str(ev->articles[i])))
            goto out;
    text = json_dumps(arr, JSON_COMPACT);
out:
    json_decref(arr);
    return text;
}

void event_rowbuf_release(struct event_rowbuf *rb)
{
    json_decref(rb->arr);
    free(rb->ptrs);
    rb->arr = NULL;
    rb->ptrs = NULL;
    rb->cap = 0;
}

static const char *col_text(struct sdb_stmt *st, int i)
{
    return (const char *)sdb_column_text(st, i);
}

static int col_int(struct sdb_stmt *st, int i, int dflt)
{
    return sdb_column_null(st, i) ? dflt : sdb_column_int(st, i);
}

static store_status row_articles(struct storedb *db, const char *text,
                                 struct eventlog_event *ev, struct event_rowbuf *rb)
{
    size_t i, n;

    json_decref(rb->arr);
    rb->arr = text ? json_loads(text, 0, NULL) : NULL;
    if (!json_is_array(rb->arr))
        return STORE_OK; /* no list (or not ours): treat as empty */
    n = json_array_size(rb->arr);
    if (n > rb->cap) {
        const char **p = realloc(rb->ptrs, n * sizeof *p);

        if (!p)
            return storedb_fail(db, STORE_ERR_NOMEM, "out of memory");
        rb->ptrs = p;
        rb->cap = n;
    }
    for (i = 0; i < n; i++) {
        const char *s = json_string_value(json_array_get(rb->arr, i));

        rb->ptrs[ev->narticles++] = s ? s : "";
    }
    ev->articles = rb->ptrs;
    return STORE_OK;
}

store_status event_from_row(struct storedb *db, struct sdb_stmt *st, struct eventlog_event *ev,
                            struct event_rowbuf *rb)
{
    int kind = event_kind_parse(col_text(st, 0));

    memset(ev, 0, sizeof *ev);
    if (kind < 0)
        return storedb_fail(db, STORE_ERR_DB, "corrupt event row: kind '%s'",
                            col_text(st, 0) ? col_text(st, 0) : "");
    ev->kind = (enum eventlog_kind)kind;
    ev->ts = (double)sdb_column_int64(st, 1) / 1000.0;
    ev->visit = col_text(st, 2);
    ev->locale = col_text(st, 3);
    ev->query = col_text(st, 4);
    ev->article = col_text(st, 5);
    ev->section = col_text(st, 6);
    ev->rank = col_int(st, 7, 0);
    ev->results = col_int(st, 8, -1);
    ev->latency_us = sdb_column_null(st, 9) ? -1
                                                               : sdb_column_int64(st, 9);
    ev->helpful = col_int(st, 10, -1);
    ev->reason = col_text(st, 11);
    ev->comment = col_text(st, 12);
    ev->source = col_text(st, 13);
    ev->case_id = col_text(st, 15);
    if (kinds[kind].fields & EVENT_F_ARTICLES)
        return row_articles(db, col_text(st, 14), ev, rb);
    return STORE_OK;
}

/* Adds key: value to o; a NULL value (OOM) or a failed set counts. */
static int put(json_t *o, const char *key, json_t *v)
{
    return json_object_set_new(o, key, v) ? -1 : 0;
}

json_t *event_json(const struct eventlog_event *ev)
{
    const struct event_kind_info *k = &kinds[ev->kind];
    json_t *o = json_object(), *arr;
    char when[32];
    size_t i;
    int bad = 0;

    if (!o)
        return NULL;
    storeval_format_time(storeval_ms(ev->ts), when, sizeof when);
    bad |= put(o, "type", json_string(k->name));
    bad |= put(o, "time", json_string(when));
    if (ev->locale)
        bad |= put(o, "locale", storeval_json_str(ev->locale));
    if ((k->fields & EVENT_F_QUERY) && ev->query)
        bad |= put(o, "query", storeval_json_str(ev->query));
    if ((k->fields & EVENT_F_ARTICLE) && ev->article)
        bad |= put(o, "article", storeval_json_str(ev->article));
    if ((k->fields & EVENT_F_SECTION) && ev->section)
        bad |= put(o, "section", storeval_json_str(ev->section));
    if ((k->fields & EVENT_F_RANK) && ev->rank > 0)
        bad |= put(o, "rank", json_integer(ev->rank));
    if ((k->fields & EVENT_F_RESULTS) && ev->results >= 0)
        bad |= put(o, "results", json_integer(ev->results));
    if ((k->fields & EVENT_F_LATENCY) && ev->latency_us >= 0)
        bad |= put(o, "latency_us", json_integer(ev->latency_us));
    if ((k->fields & EVENT_F_HELPFUL) && ev->helpful >= 0)
        bad |= put(o, "helpful", json_boolean(ev->helpful));
    if ((k->fields & EVENT_F_REASON) && ev->reason)
        bad |= put(o, "reason", storeval_json_str(ev->reason));
    if ((k->fields & EVENT_F_COMMENT) && ev->comment)
        bad |= put(o, "comment", storeval_json_str(ev->comment));
    if ((k->fields & EVENT_F_SOURCE) && ev->source)
        bad |= put(o, "source", storeval_json_str(ev->source));
    /* A suggest always says what it listed; a search, the hits it
     * returned when it logged them. */
    if ((k->fields & EVENT_F_ARTICLES) && (ev->kind == EVENTLOG_KIND_SUGGEST || ev->narticles)) {
        bad |= put(o, "articles", arr = json_array());
        for (i = 0; arr && i < ev->narticles; i++)
            bad |= json_array_append_new(arr, storeval_json_str(ev->articles[i]));
    }
    if ((k->fields & EVENT_F_CASE) && ev->case_id)
        bad |= put(o, "case_id", storeval_json_str(ev->case_id));
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}
