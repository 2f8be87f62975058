/* admin.c -- author tools: reindex from the service, and the content
 * health report. */
#include "admin.h"
#include "auth.h"
#include "eventlog.h"
#include "linkcheck.h"
#include "reindex.h"
#include "reports.h"
#include "revcache.h"
#include "routes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY 86400.0

unsigned api_reindex_start(struct request *rq)
{
    json_t *body = NULL;
    if (rq->body.len) {
        unsigned st = req_body_object(rq, &body);
        if (st)
            return st;
    }
    unsigned st = auth_check_csrf(rq, body);
    if (st) {
        json_decref(body);
        return st;
    }
    if (!rq->app->reindex) {
        json_decref(body);
        return reply_error(rq, 409, "reindex_unavailable",
                           "kb-serve was started without --content DIR, so it cannot reindex");
    }
    json_t *full = json_object_get(body, "full"), *strict = json_object_get(body, "strict");
    json_t *gate = json_object_get(body, "gate");
    int f = json_is_true(full) || (json_is_string(full) && strcmp(json_string_value(full), "true") == 0);
    int g = json_is_true(gate) || (json_is_string(gate) && strcmp(json_string_value(gate), "true") == 0);
    /* Strict by default: a content error leaves the serving index as it is. */
    int s = !(json_is_false(strict) ||
              (json_is_string(strict) && strcmp(json_string_value(strict), "false") == 0));
    json_decref(body);
    char id[64];
    int rc = reindex_start_gate(rq->app->reindex, f, s, g, id, sizeof id);
    if (rc < 0)
        return reply_error(rq, 500, "reindex_failed", id);
    json_t *o = json_pack("{s:s,s:s,s:s}", "id", id, "state", "running", "status_url", "");
    char url[128];
    snprintf(url, sizeof url, "/api/admin/reindex/%s", id);
    json_object_set_new(o, "status_url", json_string(url));
    if (rc == 1) {
        json_object_set_new(o, "message", json_string("a reindex is running already"));
        rq->error_code = "reindex_running";
        return reply_json(rq, 409, o);
    }
    reply_header(rq, "Location", url);
    return reply_json(rq, 202, o);
}

unsigned api_reindex_get(struct request *rq)
{
    const char *id = rq->path + strlen("/api/admin/reindex/");
    json_t *o = rq->app->reindex && strlen(id) < 32 ? reindex_status(rq->app->reindex, id) : NULL;
    if (!o)
        return reply_error(rq, 404, "not_found", "no reindex job with this id");
    return reply_json(rq, 200, o);
}

struct health {
    json_t *records; /* "locale/id" -> record (without markdown) */
    json_t *anchors; /* path -> {anchor: true} */
};

static int collect(void *ctx, const char *json, size_t len)
{
    struct health *h = ctx;
    json_t *rec = json_loadb(json, len, 0, NULL);
    if (!rec)
        return 0;
    json_object_del(rec, "markdown");
    const char *id = json_string_value(json_object_get(rec, "id"));
    const char *loc = json_string_value(json_object_get(rec, "locale"));
    const char *path = json_string_value(json_object_get(rec, "path"));
    if (id && loc) {
        char key[1024];
        snprintf(key, sizeof key, "%s/%s", loc, id);
        json_object_set(h->records, key, rec);
    }
    if (path) {
        json_t *set = json_object();
        size_t i;
        json_t *s;
        json_array_foreach(json_object_get(rec, "sections"), i, s)
        {
            const char *a = json_string_value(json_object_get(s, "anchor"));
            if (a && *a)
                json_object_set_new(set, a, json_true());
        }
        json_object_set_new(h->anchors, path, set);
    }
    json_decref(rec);
    return 0;
}

static const char *js(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

static json_t *broken_links(struct health *h)
{
    json_t *out = json_array();
    const char *key;
    json_t *rec;
    json_object_foreach(h->records, key, rec)
    {
        size_t i;
        json_t *l;
        json_array_foreach(json_object_get(rec, "links"), i, l)
        {
            char tpath[2048], anchor[512];
            const char *target = js(l, "target");
            if (!linkcheck_resolve(js(rec, "path"), target, tpath, sizeof tpath, anchor,
                                   sizeof anchor))
                continue;
            json_t *set = json_object_get(h->anchors, tpath);
            const char *problem = !set ? "missing article"
                                  : (*anchor && !json_object_get(set, anchor)) ? "missing anchor"
                                                                               : NULL;
            if (problem)
                json_array_append_new(out, json_pack("{s:s,s:s,s:s,s:s,s:I,s:s}", "article",
                                                     js(rec, "id"), "locale", js(rec, "locale"),
                                                     "file", js(rec, "path"),
                                                     "target", target, "line",
                                                     json_integer_value(json_object_get(l, "line")),
                                                     "problem", problem));
        }
    }
    return out;
}

/* Every record of the current index (internal ones included) and
 * their anchors into h; ADMIN_OK, or ADMIN_NO_INDEX / ADMIN_INDEX_ERROR
 * (h then empty).  The caller releases h's objects either way and
 * changes neither: they are read once per index revision and shared
 * (revcache.h). */
static int load_health(struct app *app, struct health *h)
{
    char err[256];
    h->records = json_object();
    h->anchors = json_object();
    kb_index *ix = handle_pool_get(app->pool, err, sizeof err);
    if (!ix) {
        fprintf(stderr, "kb-serve: content report: %s\n", err);
        return ADMIN_NO_INDEX;
    }
    kb_reopen(ix);
    kb_stats st;
    int have_rev = kb_get_stats(ix, &st) == KB_OK;
    json_t *kept = have_rev ? revcache_get(app->revcache, "health", st.revision) : NULL;
    if (kept) {
        json_decref(h->records);
        json_decref(h->anchors);
        h->records = json_incref(json_object_get(kept, "records"));
        h->anchors = json_incref(json_object_get(kept, "anchors"));
        json_decref(kept);
        return ADMIN_OK;
    }
    if (!h->records || !h->anchors || kb_foreach_record(ix, 1, collect, h) != KB_OK)
        return ADMIN_INDEX_ERROR;
    if (have_rev) {
        json_t *v = json_pack("{s:O,s:O}", "records", h->records, "anchors", h->anchors);
        revcache_put(app->revcache, "health", st.revision, v);
        json_decref(v);
    }
    return ADMIN_OK;
}

int admin_broken_links(struct app *app, json_t **out)
{
    struct health h;
    *out = NULL;
    int rc = load_health(app, &h);
    if (rc == ADMIN_OK && !(*out = broken_links(&h)))
        rc = ADMIN_INDEX_ERROR;
    json_decref(h.records);
    json_decref(h.anchors);
    return rc;
}

int admin_content_report(struct app *app, long days, json_t **out)
{
    *out = NULL;
    struct health h;
    int rc = load_health(app, &h);
    if (rc != ADMIN_OK) {
        json_decref(h.records);
        json_decref(h.anchors);
        return rc;
    }
    const char *dl = app->cfg.default_locale;
    json_t *nodesc = json_array(), *stale = json_array(), *never = json_array();
    json_t *least = json_array();
    const char *key;
    json_t *rec;
    json_object_foreach(h.records, key, rec)
    {
        if (!*js(rec, "description"))
            json_array_append_new(nodesc, json_pack("{s:s,s:s,s:s}", "article", js(rec, "id"),
                                                    "locale", js(rec, "locale"), "title",
                                                    js(rec, "title")));
        if (strcmp(js(rec, "locale"), dl) != 0) {
            char skey[1024];
            snprintf(skey, sizeof skey, "%s/%s", dl, js(rec, "id"));
            json_t *src = json_object_get(h.records, skey);
            if (src && *js(rec, "updated") && *js(src, "updated") &&
                strcmp(js(rec, "updated"), js(src, "updated")) < 0)
                json_array_append_new(stale, json_pack("{s:s,s:s,s:s,s:s,s:s}", "article",
                                                       js(rec, "id"), "locale", js(rec, "locale"),
                                                       "updated", js(rec, "updated"),
                                                       "source_locale", dl, "source_updated",
                                                       js(src, "updated")));
        }
    }
    /* Usage from the event log over the last `days` days. */
    double now = now_wall();
    json_t *usage = NULL;
    if (app->reader) {
        pthread_mutex_lock(&app->reader_lock);
        if (reports_articles(app->reader, now - (double)days * DAY, now + DAY,
                             app->cfg.deflection_window, now, &usage) != STORE_OK)
            usage = NULL;
        pthread_mutex_unlock(&app->reader_lock);
    }
    json_t *used = json_object();
    size_t i;
    json_t *row;
    json_array_foreach(json_object_get(usage, "articles"), i, row)
    {
        if (json_integer_value(json_object_get(row, "views")) +
                json_integer_value(json_object_get(row, "clicks")) > 0)
            json_object_set_new(used, js(row, "article"), json_true());
        long long no = json_integer_value(json_object_get(row, "helpful_no"));
        long long yes = json_integer_value(json_object_get(row, "helpful_yes"));
        if (no > 0)
            json_array_append_new(least, json_pack("{s:s,s:s,s:I,s:I}", "article",
                                                   js(row, "article"), "section",
                                                   js(row, "section"), "helpful_no",
                                                   (json_int_t)no, "helpful_yes",
                                                   (json_int_t)yes));
    }
    json_t *seen = json_object();
    json_object_foreach(h.records, key, rec)
    {
        const char *id = js(rec, "id");
        if (!json_object_get(used, id) && !json_object_get(seen, id)) {
            json_object_set_new(seen, id, json_true());
            json_array_append_new(never, json_pack("{s:s,s:s}", "article", id, "title",
                                                   js(rec, "title")));
        }
    }
    json_t *o = json_pack("{s:I,s:o,s:o,s:o,s:o,s:o}", "days", (json_int_t)days,
                          "broken_links", broken_links(&h), "missing_description", nodesc,
                          "stale_translations", stale, "never_clicked", never,
                          "least_helpful", least);
    json_decref(seen);
    json_decref(used);
    json_decref(usage);
    json_decref(h.records);
    json_decref(h.anchors);
    if (!o)
        return ADMIN_INDEX_ERROR;
    *out = o;
    return ADMIN_OK;
}

unsigned api_content_report(struct request *rq)
{
    int bad;
    const char *days_s = req_arg(rq, "days", &bad);
    long days = days_s && *days_s ? strtol(days_s, NULL, 10) : 30;
    if (bad || days < 1 || days > 3650)
        return reply_error(rq, 400, "invalid_days", "'days' must be from 1 to 3650");
    json_t *o;
    int rc = admin_content_report(rq->app, days, &o);
    if (rc == ADMIN_NO_INDEX)
        return reply_error(rq, 503, "index_unavailable", "the index cannot be opened");
    if (rc != ADMIN_OK)
        return reply_error(rq, 500, "index_error", "the articles could not be read");
    return reply_json(rq, 200, o);
}
