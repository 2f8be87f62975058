/* ubi.c -- the search log as UBI 1.3.0 JSON lines (ubi.h). */
#include "ubi.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define APPLICATION "kb-help-center"

struct ubi_scan {
    struct strbuf *out;
    char *visit;       /* the visit being written */
    unsigned searches; /* its searches so far */
    json_t *by_query;  /* query text -> its latest query_id */
    char last_id[128]; /* the visit's latest query_id, "" for none */
    int failed;
};

/* ISO 8601 in UTC with milliseconds and a trailing Z, as OpenSearch
 * wants. */
static void iso_time(double ts, char out[48])
{
    time_t t = (time_t)ts;
    struct tm tm;
    gmtime_r(&t, &tm);
    int ms = (int)((ts - (double)t) * 1000.0);
    if (ms < 0 || ms > 999)
        ms = 0;
    snprintf(out, 48, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}

static void put_line(struct ubi_scan *s, const char *index, json_t *rec)
{
    json_t *line = json_object();
    if (!line || !rec || json_object_set_new(line, index, rec) != 0) {
        s->failed = 1;
        json_decref(line);
        return;
    }
    char *text = json_dumps(line, JSON_COMPACT);
    json_decref(line);
    if (!text) {
        s->failed = 1;
        return;
    }
    strbuf_adds(s->out, text);
    strbuf_addch(s->out, '\n');
    free(text);
}

static int new_visit(struct ubi_scan *s, const char *visit)
{
    if (s->visit && strcmp(s->visit, visit) == 0)
        return 0;
    free(s->visit);
    s->visit = strdup(visit);
    s->searches = 0;
    s->last_id[0] = '\0';
    json_object_clear(s->by_query);
    return s->visit ? 0 : -1;
}

static void put_query(struct ubi_scan *s, const struct eventlog_event *ev, const char *when)
{
    s->searches++;
    snprintf(s->last_id, sizeof s->last_id, "%.90s.%u", ev->visit, s->searches);
    if (ev->query)
        json_object_set_new(s->by_query, ev->query, json_string(s->last_id));
    json_t *hits = json_array();
    for (size_t i = 0; hits && i < ev->narticles; i++)
        json_array_append_new(hits, json_string(ev->articles[i]));
    json_t *attrs = json_object();
    if (attrs && ev->locale)
        json_object_set_new(attrs, "locale", json_string(ev->locale));
    if (attrs && ev->results >= 0)
        json_object_set_new(attrs, "results", json_integer(ev->results));
    if (attrs)
        json_object_set_new(attrs, "kind", json_string(ev->kind == EVENTLOG_KIND_SUGGEST
                                                               ? "suggest"
                                                               : "search"));
    json_t *rec = json_pack("{s:s,s:s,s:o,s:s,s:s,s:s,s:s,s:o}", "query_id", s->last_id,
                            "user_query", ev->query ? ev->query : "",
                            "query_response_hit_ids", hits ? hits : json_array(),
                            "client_id", ev->visit, "timestamp", when, "application",
                            APPLICATION, "object_id_field", "article_id",
                            "query_attributes", attrs ? attrs : json_object());
    put_line(s, "ubi_queries", rec);
}

static const char *action_of(enum eventlog_kind k)
{
    switch (k) {
    case EVENTLOG_KIND_CLICK: return "click";
    case EVENTLOG_KIND_VIEW: return "view";
    case EVENTLOG_KIND_VOTE: return "vote";
    case EVENTLOG_KIND_DEFLECT: return "deflection";
    case EVENTLOG_KIND_CASE: return "case";
    default: return NULL;
    }
}

static void put_event(struct ubi_scan *s, const struct eventlog_event *ev, const char *when,
                      const char *action)
{
    const char *qid = s->last_id;
    json_t *own = ev->query ? json_object_get(s->by_query, ev->query) : NULL;
    if (own)
        qid = json_string_value(own);
    int is_case = ev->kind == EVENTLOG_KIND_CASE;
    const char *object_id = is_case ? ev->case_id : ev->article;
    json_t *attrs = json_object();
    if (!attrs) {
        s->failed = 1;
        return;
    }
    if (object_id && *object_id) {
        json_t *obj = json_pack("{s:s,s:s}", "object_id", object_id, "object_id_field",
                                is_case ? "case_id" : "article_id");
        if (obj && ev->section && *ev->section)
            json_object_set_new(obj, "section", json_string(ev->section));
        json_object_set_new(attrs, "object", obj);
    }
    int ordinal = ev->kind == EVENTLOG_KIND_CLICK && ev->rank > 0 ? ev->rank : 0;
    json_object_set_new(attrs, "position",
                        json_pack("{s:{s:i}}", "ordinal", "index", ordinal));
    if (ev->kind == EVENTLOG_KIND_VOTE && ev->helpful >= 0)
        json_object_set_new(attrs, "helpful", json_boolean(ev->helpful));
    if (ev->kind == EVENTLOG_KIND_VOTE && ev->reason)
        json_object_set_new(attrs, "reason", json_string(ev->reason));
    if (ev->kind == EVENTLOG_KIND_DEFLECT && ev->source)
        json_object_set_new(attrs, "source", json_string(ev->source));
    if (ev->locale)
        json_object_set_new(attrs, "locale", json_string(ev->locale));
    json_t *rec = json_pack("{s:s,s:s,s:s,s:s,s:o}", "action_name", action, "client_id",
                            ev->visit, "timestamp", when, "application", APPLICATION,
                            "event_attributes", attrs);
    if (rec && *qid)
        json_object_set_new(rec, "query_id", json_string(qid));
    put_line(s, "ubi_events", rec);
}

static store_status on_event(void *ctx, const struct eventlog_event *ev, double visit_first)
{
    struct ubi_scan *s = ctx;
    (void)visit_first;
    if (new_visit(s, ev->visit) != 0)
        return STORE_ERR_NOMEM;
    char when[48];
    iso_time(ev->ts, when);
    const char *action = action_of(ev->kind);
    if (ev->kind == EVENTLOG_KIND_SEARCH || ev->kind == EVENTLOG_KIND_SUGGEST)
        put_query(s, ev, when);
    else if (action)
        put_event(s, ev, when, action);
    return s->failed ? STORE_ERR_NOMEM : STORE_OK;
}

store_status ubi_export(struct eventlog *el, double from, double to, struct strbuf *out)
{
    struct ubi_scan s = {.out = out, .by_query = json_object()};
    if (!s.by_query)
        return STORE_ERR_NOMEM;
    store_status st = eventlog_scan(el, from, to, on_event, &s);
    free(s.visit);
    json_decref(s.by_query);
    return st;
}
