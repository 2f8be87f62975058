/* api_events.c -- what customers do, recorded for deflection reports:
 * POST /api/events, POST /api/feedback, POST /api/cases, and the
 * searches, suggestions and page views the server logs itself. */
#include "api_events.h"

#include "auth.h"
#include "escape.h"
#include "eventq.h"
#include "idem.h"
#include "maint.h"
#include "routes.h"
#include "searchreq.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Field limits: generous for people, small enough that nobody stores
 * a novel in the event log. */
#define MAX_QUERY 1024
#define MAX_ANCHOR 200
#define MAX_SUBJECT 200
#define MAX_DESCRIPTION 10000
#define MAX_EMAIL 254
#define MAX_COMMENT 2000
#define MAX_PRODUCT 64

static const char *locale_or_default(struct request *rq, const char *locale)
{
    return locale && *locale ? locale : rq->app->cfg.default_locale;
}

void events_log_search(struct request *rq, const char *query, const char *locale,
                       int results, int is_suggest, kb_results *res)
{
    if (!rq->app->events || !query)
        return;
    const char *ids[20];
    size_t n = 0;
    for (size_t i = 0; res && i < kb_results_count(res) && n < 20; i++)
        ids[n++] = kb_results_get(res, i)->id;
    struct eventlog_event ev = {
        .kind = is_suggest ? EVENTLOG_KIND_SUGGEST : EVENTLOG_KIND_SEARCH,
        .ts = now_wall(),
        .visit = req_visit(rq),
        .locale = locale_or_default(rq, locale),
        .query = query,
        .results = results,
        .latency_us = (long long)((now_monotonic() - rq->started) * 1e6),
        .rank = -1,
        .helpful = -1,
        .articles = ids,
        .narticles = n,
    };
    eventq_record(rq->app->events, &ev, EVENTQ_NOWAIT);
}

void events_log_view(struct request *rq, const char *article, const char *locale)
{
    if (!rq->app->events)
        return;
    struct eventlog_event ev = {
        .kind = EVENTLOG_KIND_VIEW,
        .ts = now_wall(),
        .visit = req_visit(rq),
        .locale = locale_or_default(rq, locale),
        .article = article,
        .rank = -1,
        .results = -1,
        .latency_us = -1,
        .helpful = -1,
    };
    eventq_record(rq->app->events, &ev, EVENTQ_NOWAIT);
}

/* Collects field problems; the reply names every one at once. */
struct field_errors {
    json_t *fields;
    char first[256];
};

static void field_error(struct field_errors *fe, const char *field, const char *msg)
{
    if (!json_object_get(fe->fields, field))
        json_object_set_new(fe->fields, field, json_string(msg));
    if (!fe->first[0])
        snprintf(fe->first, sizeof fe->first, "%s: %s", field, msg);
}

/* A string member: NULL when absent or null; an error when it is not a
 * string, not text, or too long (or missing while required). */
static const char *text_field(struct field_errors *fe, json_t *body, const char *name,
                              size_t max, int required)
{
    json_t *v = json_object_get(body, name);
    if (!v || json_is_null(v)) {
        if (required)
            field_error(fe, name, "is required");
        return NULL;
    }
    if (!json_is_string(v)) {
        field_error(fe, name, "must be a string");
        return NULL;
    }
    const char *s = json_string_value(v);
    size_t len = json_string_length(v);
    if (strlen(s) != len || !utf8_valid_text(s, len)) {
        field_error(fe, name, "must be text without control characters");
        return NULL;
    }
    size_t i = 0;
    while (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')
        i++;
    if (!s[i]) {
        if (required)
            field_error(fe, name, "is required");
        return NULL;
    }
    if (len > max) {
        char msg[64];
        snprintf(msg, sizeof msg, "must be at most %zu bytes", max);
        field_error(fe, name, msg);
        return NULL;
    }
    return s;
}

static const char *article_field(struct field_errors *fe, json_t *body, int required)
{
    const char *a = text_field(fe, body, "article", 512, required);
    if (a && !article_id_ok(a)) {
        field_error(fe, "article", "is not a valid article id");
        return NULL;
    }
    return a;
}

static const char *locale_field(struct field_errors *fe, json_t *body)
{
    const char *l = text_field(fe, body, "locale", 32, 0);
    if (l && !searchreq_locale_ok(l)) {
        field_error(fe, "locale", "must look like en-us");
        return NULL;
    }
    return l;
}

int events_locale_known(struct request *rq, const char *locale, char *out, size_t outlen)
{
    if (!locale || !searchreq_locale_ok(locale) || strlen(locale) >= outlen)
        return 0;
    size_t i;
    for (i = 0; locale[i]; i++) {
        char ch = locale[i];
        out[i] = ch == '_' ? '-' : (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch;
    }
    out[i] = '\0';
    const char *dflt = rq->app->cfg.default_locale;
    if (strcasecmp(out, dflt) == 0)
        return 1;
    char err[256];
    kb_index *ix = handle_pool_get(rq->app->pool, err, sizeof err);
    if (!ix)
        return 0;
    /* kb_search answers a locale with no content in the default one
     * and says so; with no words it stops right there. */
    kb_query q = {.text = "", .locale = out, .default_locale = dflt};
    kb_results *res = NULL;
    if (kb_search(ix, &q, &res) != KB_OK)
        return 0;
    int known = strcmp(kb_results_locale(res), out) == 0;
    kb_results_free(res);
    return known;
}

/* One check for every event that names an article: it must be in the
 * index the server reads, in some locale, and public unless a
 * signed-in agent or author asks.  An event for an article that does
 * not exist would only pollute the reports, and the popular list is
 * made from them. */
static int article_exists(struct request *rq, const char *id)
{
    char err[256];
    kb_index *ix = handle_pool_get(rq->app->pool, err, sizeof err);
    if (!ix || kb_reopen(ix) != KB_OK)
        return 0;
    char *found[1] = {NULL};
    size_t n = 0;
    if (kb_article_locales(ix, id, req_sees_internal(rq), found, 1, &n) != KB_OK)
        return 0;
    free(found[0]);
    return n > 0;
}

/* The article and locale of an event or a vote (both well formed, or
 * NULL), checked against the index.  A known locale is written back
 * into body in the index's spelling ("ru-ru" for "ru_RU") and *locale
 * borrows it from there. */
static void check_in_index(struct request *rq, struct field_errors *fe, json_t *body,
                           const char *article, const char **locale)
{
    char buf[64];
    if (*locale) {
        json_t *known;
        if (!events_locale_known(rq, *locale, buf, sizeof buf))
            field_error(fe, "locale", "is not a locale of this knowledge base");
        else if ((known = json_string(buf)) && json_object_set_new(body, "locale", known) == 0)
            *locale = json_string_value(known);
        else
            field_error(fe, "locale", "could not be stored (out of memory)");
    }
    if (article && !article_exists(rq, article))
        field_error(fe, "article", "no such article");
}

static unsigned fail_fields(struct request *rq, struct field_errors *fe)
{
    json_t *o = json_pack("{s:s,s:s,s:O}", "error", "invalid_fields", "message", fe->first,
                          "fields", fe->fields);
    rq->error_code = "invalid_fields";
    json_decref(fe->fields);
    return reply_json(rq, 400, o);
}

/* The database server cannot be reached (a failover): nothing was
 * stored, and the client may send the same request again. */
static unsigned store_unavailable(struct request *rq)
{
    reply_header(rq, "Retry-After", "2");
    return reply_error(rq, 503, "store_unavailable",
                       "the service database cannot be reached; try again shortly");
}

static unsigned store(struct request *rq, const struct eventlog_event *ev)
{
    if (!rq->app->events)
        return reply_error(rq, 503, "events_disabled", "the event store is not available");
    store_status st = eventq_record(rq->app->events, ev, EVENTQ_WAIT);
    if (st == STORE_BUSY)
        return store_unavailable(rq);
    if (st != 0)
        return reply_error(rq, 500, "store_failed", "the event could not be stored; see the server log");
    return reply_json(rq, 201, json_pack("{s:s,s:s}", "status", "recorded", "visit", ev->visit));
}

unsigned api_events_post(struct request *rq)
{
    json_t *body;
    unsigned st = req_body_object(rq, &body);
    if (st)
        return st;
    struct field_errors fe = {json_object(), ""};
    const char *type = text_field(&fe, body, "type", 32, 1);
    struct eventlog_event ev = {.ts = now_wall(), .rank = -1, .results = -1,
                                .latency_us = -1, .helpful = -1};
    if (type && strcmp(type, "click") == 0) {
        ev.kind = EVENTLOG_KIND_CLICK;
        ev.query = text_field(&fe, body, "query", MAX_QUERY, 1);
        ev.article = article_field(&fe, body, 1);
        json_t *rank = json_object_get(body, "rank");
        if (rank && !json_is_null(rank)) {
            if (!json_is_integer(rank) || json_integer_value(rank) < 1 ||
                json_integer_value(rank) > 10000)
                field_error(&fe, "rank", "must be a whole number from 1 to 10000");
            else
                ev.rank = (int)json_integer_value(rank);
        }
    } else if (type && strcmp(type, "view") == 0) {
        ev.kind = EVENTLOG_KIND_VIEW;
        ev.article = article_field(&fe, body, 1);
    } else if (type && strcmp(type, "case_form") == 0) {
        ev.kind = EVENTLOG_KIND_CASE_FORM;
    } else if (type && strcmp(type, "deflect") == 0) {
        ev.kind = EVENTLOG_KIND_DEFLECT;
        ev.article = article_field(&fe, body, 0);
        ev.source = text_field(&fe, body, "source", 32, 0);
        if (!ev.source)
            ev.source = "article";
        else if (strcmp(ev.source, "article") != 0 && strcmp(ev.source, "case_form") != 0)
            field_error(&fe, "source", "must be \"article\" or \"case_form\"");
    } else if (type) {
        field_error(&fe, "type", "must be one of click, view, case_form, deflect");
    }
    ev.section = text_field(&fe, body, "section", MAX_ANCHOR, 0);
    ev.locale = locale_field(&fe, body);
    check_in_index(rq, &fe, body, ev.article, &ev.locale);
    if (fe.first[0]) {
        st = fail_fields(rq, &fe);
        json_decref(body);
        return st;
    }
    json_decref(fe.fields);
    ev.visit = req_visit(rq);
    if (!ev.locale)
        ev.locale = rq->app->cfg.default_locale;
    st = store(rq, &ev);
    json_decref(body);
    return st;
}

static const char *reason_value(const char *r)
{
    if (!r)
        return NULL;
    if (strcmp(r, "not_related") == 0)
        return "not_related";
    if (strcmp(r, "did_not_answer") == 0 || strcmp(r, "related_but_did_not_answer") == 0)
        return "did_not_answer";
    if (strcmp(r, "other") == 0)
        return "other";
    return "";
}

int feedback_validate(struct request *rq, json_t *body, struct eventlog_event *out,
                      json_t **fields_out, char *first, size_t firstlen)
{
    struct field_errors fe = {json_object(), ""};
    struct eventlog_event ev = {.kind = EVENTLOG_KIND_VOTE, .ts = now_wall(), .rank = -1,
                                .results = -1, .latency_us = -1, .helpful = -1};
    ev.article = article_field(&fe, body, 1);
    ev.locale = locale_field(&fe, body);
    ev.section = text_field(&fe, body, "section", MAX_ANCHOR, 0);
    json_t *helpful = json_object_get(body, "helpful");
    if (json_is_boolean(helpful))
        ev.helpful = json_is_true(helpful);
    else if (json_is_string(helpful) && (strcmp(json_string_value(helpful), "true") == 0 ||
                                         strcmp(json_string_value(helpful), "yes") == 0))
        ev.helpful = 1; /* from an HTML form */
    else if (json_is_string(helpful) && (strcmp(json_string_value(helpful), "false") == 0 ||
                                         strcmp(json_string_value(helpful), "no") == 0))
        ev.helpful = 0;
    else
        field_error(&fe, "helpful", "must be true or false");
    ev.reason = reason_value(text_field(&fe, body, "reason", 64, 0));
    if (ev.reason && !*ev.reason)
        field_error(&fe, "reason", "must be not_related, did_not_answer or other");
    if (ev.reason && ev.helpful == 1)
        field_error(&fe, "reason", "is only for helpful: false");
    ev.comment = text_field(&fe, body, "comment", MAX_COMMENT, 0);
    check_in_index(rq, &fe, body, ev.article, &ev.locale);
    *out = ev;
    snprintf(first, firstlen, "%s", fe.first);
    if (fe.first[0]) {
        *fields_out = fe.fields;
        return -1;
    }
    json_decref(fe.fields);
    *fields_out = NULL;
    return 0;
}

unsigned api_feedback_post(struct request *rq)
{
    json_t *body;
    unsigned st = req_body_object(rq, &body);
    if (st)
        return st;
    struct eventlog_event ev;
    json_t *fields;
    char first[256];
    if (feedback_validate(rq, body, &ev, &fields, first, sizeof first) != 0) {
        rq->error_code = "invalid_fields";
        st = reply_json(rq, 400, json_pack("{s:s,s:s,s:o}", "error", "invalid_fields",
                                           "message", first, "fields", fields));
        json_decref(body);
        return st;
    }
    ev.visit = req_visit(rq);
    if (!ev.locale)
        ev.locale = rq->app->cfg.default_locale;
    st = store(rq, &ev);
    json_decref(body);
    return st;
}

/* Deliberately simple: one '@', something on both sides, a dot in the
 * domain, no spaces.  The real check is the reply the customer gets. */
static int email_ok(const char *e)
{
    const char *at = strchr(e, '@');
    if (!at || at == e || strchr(at + 1, '@') || !strchr(at + 1, '.'))
        return 0;
    if (at[1] == '.' || e[strlen(e) - 1] == '.')
        return 0;
    for (const char *p = e; *p; p++)
        if (*p == ' ' || *p == '\t' || *p == '<' || *p == '>' || *p == ',')
            return 0;
    return 1;
}

int cases_validate(json_t *body, struct eventlog_case *c, json_t **fields_out,
                   char *first, size_t firstlen)
{
    struct field_errors fe = {json_object(), ""};
    memset(c, 0, sizeof *c);
    c->subject = text_field(&fe, body, "subject", MAX_SUBJECT, 1);
    c->description = text_field(&fe, body, "description", MAX_DESCRIPTION, 0);
    c->email = text_field(&fe, body, "email", MAX_EMAIL, 1);
    if (c->email && !email_ok(c->email))
        field_error(&fe, "email", "must be an email address like name@example.com");
    c->product = text_field(&fe, body, "product", MAX_PRODUCT, 0);
    c->locale = locale_field(&fe, body);
    snprintf(first, firstlen, "%s", fe.first);
    if (fe.first[0]) {
        *fields_out = fe.fields;
        return -1;
    }
    json_decref(fe.fields);
    *fields_out = NULL;
    return 0;
}

unsigned api_cases_post(struct request *rq)
{
    json_t *body;
    unsigned st = req_body_object(rq, &body);
    if (st)
        return st;
    struct eventlog_case c;
    json_t *fields;
    char first[256];
    if (cases_validate(body, &c, &fields, first, sizeof first) != 0) {
        rq->error_code = "invalid_fields";
        st = reply_json(rq, 400, json_pack("{s:s,s:s,s:o}", "error", "invalid_fields",
                                           "message", first, "fields", fields));
        json_decref(body);
        return st;
    }
    if (!rq->app->events) {
        json_decref(body);
        return reply_error(rq, 503, "events_disabled", "the case store is not available");
    }
    if (req_case_throttled(rq)) {
        json_decref(body);
        return reply_error(rq, 429, "too_many_cases",
                           "too many cases from this address; try again later");
    }
    c.visit = req_visit(rq);
    c.created = now_wall();
    /* An Idempotency-Key header (or the form's idem field): the same
     * submission sent again answers the case it made the first time. */
    const char *key = req_header(rq, "Idempotency-Key");
    if (!idem_key_ok(key))
        key = json_string_value(json_object_get(body, "idem"));
    c.idem = idem_key_ok(key) ? key : NULL;
    if (!c.locale)
        c.locale = rq->app->cfg.default_locale;
    char id[EVENTLOG_CASE_ID_SIZE];
    store_status cst = eventq_case_create(rq->app->events, &c, id, sizeof id);
    if (cst != 0) {
        json_decref(body);
        if (cst == STORE_BUSY)
            return store_unavailable(rq);
        return reply_error(rq, 500, "store_failed", "the case could not be stored; see the server log");
    }
    json_decref(body);
    maint_poke(rq->app->maint);
    return reply_json(rq, 201, json_pack("{s:s,s:s}", "id", id, "visit", c.visit));
}
