/* page_popular.c -- "popular articles" on the home page and when a
 * search finds nothing: the articles read most in the last 30 days
 * (views and clicks from the event store), topped up, while the store
 * is young, with a pick from the index (how-to, FAQ and
 * troubleshooting articles first, the most recently updated first).
 *
 * Counting means scanning a month of events, so each locale's list is
 * kept for POPULAR_TTL seconds in struct popular_cache (one per
 * service, in struct app), under its own lock, never held while
 * computing. */
#include "escape.h"
#include "kb.h"
#include "pages.h"
#include "reports.h"
#include "searchreq.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define POPULAR_MAX 8
#define POPULAR_TTL 120.0
#define POPULAR_DAYS 30
#define POPULAR_LOCALES 8
#define POPULAR_SCAN 400 /* index records looked at for the fallback */

struct pop_item {
    char *id, *locale, *title, *topic;
};

struct pop_list {
    struct pop_item item[POPULAR_MAX];
    size_t n;
};

struct popular_cache {
    pthread_mutex_t lock;
    struct {
        char locale[33];
        double at; /* now_monotonic() when computed; 0: empty */
        struct pop_list list;
    } slot[POPULAR_LOCALES];
};

static void list_clear(struct pop_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->item[i].id);
        free(l->item[i].locale);
        free(l->item[i].title);
        free(l->item[i].topic);
    }
    l->n = 0;
}

int popular_cache_new(struct popular_cache **out)
{
    struct popular_cache *c = calloc(1, sizeof *c);
    *out = c;
    if (!c)
        return -1;
    pthread_mutex_init(&c->lock, NULL);
    return 0;
}

void popular_cache_free(struct popular_cache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < POPULAR_LOCALES; i++)
        list_clear(&c->slot[i].list);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

static int list_has(const struct pop_list *l, const char *id)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->item[i].id, id) == 0)
            return 1;
    return 0;
}

static const char *jstr(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/* Adds an article unless it is there or the list is full. */
static void list_put(struct pop_list *l, const char *id, const char *locale,
                     const char *title, const char *topic)
{
    if (l->n >= POPULAR_MAX || !*id || list_has(l, id))
        return;
    struct pop_item *it = &l->item[l->n];
    it->id = strdup(id);
    it->locale = strdup(locale);
    it->title = strdup(*title ? title : id);
    it->topic = strdup(topic);
    if (!it->id || !it->locale || !it->title || !it->topic) {
        free(it->id);
        free(it->locale);
        free(it->title);
        free(it->topic);
        return;
    }
    l->n++;
}

static void list_add(struct pop_list *l, json_t *rec)
{
    list_put(l, jstr(rec, "id"), jstr(rec, "locale"), jstr(rec, "title"), jstr(rec, "topic"));
}

static void list_copy(struct pop_list *to, const struct pop_list *from)
{
    for (size_t i = 0; i < from->n; i++)
        list_put(to, from->item[i].id, from->item[i].locale, from->item[i].title,
                 from->item[i].topic);
}

/* The most viewed and clicked articles, in the report's order. */
static void from_events(struct request *rq, kb_index *ix, const char *locale,
                        struct pop_list *l)
{
    struct app *app = rq->app;
    if (!app->reader)
        return;
    double now = now_wall();
    double window = app->cfg.deflection_window > 0 ? app->cfg.deflection_window : 1800;
    json_t *rep = NULL;
    pthread_mutex_lock(&app->reader_lock);
    int rc = reports_articles(app->reader, now - POPULAR_DAYS * 86400.0, now + 1, window, now,
                              &rep);
    if (rc != EVENTLOG_OK)
        fprintf(stderr, "kb-serve: popular articles: %s\n", eventlog_errmsg(app->reader));
    pthread_mutex_unlock(&app->reader_lock);
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(rep, "articles"), i, a)
    {
        const char *id = jstr(a, "article");
        if (l->n >= POPULAR_MAX)
            break;
        if (!article_id_ok(id) || list_has(l, id))
            continue;
        char *json = NULL;
        if (kb_article_get(ix, id, locale, app->cfg.default_locale, 0, &json) != KB_OK)
            continue; /* gone since, or internal */
        json_t *rec = json_loads(json, 0, NULL);
        free(json);
        if (rec)
            list_add(l, rec);
        json_decref(rec);
    }
    json_decref(rep);
}

struct pick {
    const char *locale;
    json_t *recs; /* candidates in locale */
    size_t seen;
};

static int pick_record(void *ctx, const char *json, size_t len)
{
    struct pick *p = ctx;
    json_t *rec = json_loadb(json, len, 0, NULL);
    if (rec && strcmp(jstr(rec, "locale"), p->locale) == 0) {
        json_object_del(rec, "markdown");
        json_array_append(p->recs, rec);
    }
    json_decref(rec);
    return ++p->seen >= POPULAR_SCAN;
}

static int topic_rank(const char *topic)
{
    return strcmp(topic, "how-to") == 0 || strcmp(topic, "faq") == 0 ||
                   strcmp(topic, "troubleshooting") == 0
               ? 0
               : 1;
}

static int pick_cmp(const void *a, const void *b)
{
    json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    int d = topic_rank(jstr(x, "topic")) - topic_rank(jstr(y, "topic"));
    if (d)
        return d;
    d = strcmp(jstr(y, "updated"), jstr(x, "updated"));
    return d ? d : strcmp(jstr(x, "title"), jstr(y, "title"));
}

/* Tops the list up with a pick from the index, in locale. */
static void from_index(kb_index *ix, const char *locale, struct pop_list *l)
{
    struct pick p = {locale, json_array(), 0};
    if (!p.recs || kb_foreach_record(ix, 0, pick_record, &p) != KB_OK) {
        json_decref(p.recs);
        return;
    }
    size_t n = json_array_size(p.recs);
    json_t **v = calloc(n ? n : 1, sizeof *v);
    for (size_t i = 0; v && i < n; i++)
        v[i] = json_array_get(p.recs, i);
    if (v) {
        qsort(v, n, sizeof *v, pick_cmp);
        for (size_t i = 0; i < n && l->n < POPULAR_MAX; i++)
            list_add(l, v[i]);
    }
    free(v);
    json_decref(p.recs);
}

static void compute(struct request *rq, const char *locale, struct pop_list *l)
{
    char err[256];
    kb_index *ix = handle_pool_get(rq->app->pool, err, sizeof err);
    if (!ix)
        return;
    from_events(rq, ix, locale, l);
    if (l->n < POPULAR_MAX)
        from_index(ix, locale, l);
    if (l->n < POPULAR_MAX && strcmp(locale, rq->app->cfg.default_locale) != 0)
        from_index(ix, rq->app->cfg.default_locale, l);
}

static void cached(struct request *rq, const char *locale, struct pop_list *out)
{
    struct popular_cache *cache = rq->app->popular;
    if (!cache) {
        compute(rq, locale, out);
        return;
    }
    double now = now_monotonic();
    pthread_mutex_lock(&cache->lock);
    for (size_t i = 0; i < POPULAR_LOCALES; i++)
        if (strcmp(cache->slot[i].locale, locale) == 0 &&
            now - cache->slot[i].at < POPULAR_TTL && cache->slot[i].at > 0) {
            list_copy(out, &cache->slot[i].list);
            pthread_mutex_unlock(&cache->lock);
            return;
        }
    pthread_mutex_unlock(&cache->lock);

    compute(rq, locale, out);

    pthread_mutex_lock(&cache->lock);
    size_t victim = 0;
    for (size_t i = 0; i < POPULAR_LOCALES; i++) {
        if (strcmp(cache->slot[i].locale, locale) == 0) {
            victim = i;
            break;
        }
        if (cache->slot[i].at < cache->slot[victim].at)
            victim = i;
    }
    list_clear(&cache->slot[victim].list);
    snprintf(cache->slot[victim].locale, sizeof cache->slot[victim].locale, "%s", locale);
    cache->slot[victim].at = now;
    list_copy(&cache->slot[victim].list, out);
    pthread_mutex_unlock(&cache->lock);
}

void popular_render(struct page *pg, size_t n, struct strbuf *out)
{
    struct pop_list l = {.n = 0};
    cached(pg->rq, pg->locale, &l);
    for (size_t i = 0; i < l.n && i < n; i++) {
        struct strbuf url = STRBUF_INIT;
        searchreq_article_url(&url, l.item[i].id, l.item[i].locale, NULL);
        page_set(pg, "url", url.buf);
        page_set(pg, "title", l.item[i].title);
        page_set(pg, "topic", page_topic_name(pg, l.item[i].topic));
        page_set(pg, "item_locale", l.item[i].locale);
        page_render(pg, "popular-item", out);
        page_set(pg, "url", "");
        page_set(pg, "title", "");
        page_set(pg, "topic", "");
        page_set(pg, "item_locale", "");
        strbuf_release(&url);
    }
    list_clear(&l);
}
