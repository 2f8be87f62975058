/* api.c -- the JSON API: /healthz, /api/search, /api/suggest,
 * /api/articles/{id}.  Every body is written by jansson; a search
 * answer is put together from values it wrote (reply_search). */
#include "api_events.h"
#include "auth.h"
#include "escape.h"
#include "popular.h"
#include "routes.h"
#include "searchreq.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

unsigned api_healthz(struct request *rq)
{
    char err[256];
    kb_index *ix = handle_pool_get(rq->app->pool, err, sizeof err);
    kb_stats st;
    if (!ix || kb_reopen(ix) != KB_OK || kb_get_stats(ix, &st) != KB_OK)
        return reply_json(rq, 503, json_pack("{s:s,s:s}", "status", "unavailable",
                                             "message", ix ? kb_last_error(ix) : err));
    /* Internal articles are counted for agents and authors only. */
    if (!req_sees_internal(rq)) {
        st.articles = st.public_articles;
        st.sections = st.public_sections;
    }
    kb_cache_stats cs;
    kb_cache_get_stats(rq->app->results, &cs);
    struct popular_stats ps;
    popular_get_stats(rq->app->popular, &ps);
    return reply_json(rq, 200,
                      json_pack("{s:s,s:I,s:I,s:I,s:{s:I,s:I,s:I,s:I},s:{s:I,s:I,s:I}}",
                                "status", "ok", "articles", (json_int_t)st.articles,
                                "sections", (json_int_t)st.sections, "revision",
                                (json_int_t)st.revision, "cache", "hits", (json_int_t)cs.hits,
                                "misses", (json_int_t)cs.misses, "entries",
                                (json_int_t)cs.entries, "bytes", (json_int_t)cs.bytes,
                                "popular", "locales", (json_int_t)ps.locales, "revision",
                                (json_int_t)ps.revision, "refreshes",
                                (json_int_t)ps.refreshes));
}

/* The strings come from the index, which holds only valid UTF-8 (the
 * indexer refuses anything else), so the checks are skipped: building
 * hits was a third of a cached search. */
static void put_str(json_t *o, const char *key, const char *v)
{
    json_object_set_new_nocheck(o, key, json_string_nocheck(v ? v : ""));
}

static json_t *hit_json(const kb_hit *h)
{
    struct strbuf url = STRBUF_INIT, snippet = STRBUF_INIT;
    searchreq_article_url(&url, h->id, h->locale, h->anchor);
    searchreq_snippet_html(&snippet, h);
    json_t *o = json_object();
    put_str(o, "id", h->id);
    put_str(o, "locale", h->locale);
    put_str(o, "title", h->title);
    json_object_set_new_nocheck(o, "url", strbuf_failed(&url) ? json_null()
                                                              : json_string_nocheck(url.buf));
    put_str(o, "topic", h->topic);
    json_t *section = json_null();
    if (h->anchor && *h->anchor) {
        section = json_object();
        put_str(section, "anchor", h->anchor);
        put_str(section, "title", h->section_title);
    }
    json_object_set_new_nocheck(o, "section", section);
    if (strbuf_failed(&snippet))
        json_object_set_new_nocheck(o, "snippet", json_null());
    else
        put_str(o, "snippet", snippet.buf); /* HTML: escaped text, <mark>s */
    json_object_set_new_nocheck(o, "score", json_real(h->score));
    json_object_set_new_nocheck(o, "internal", json_boolean(h->internal));
    put_str(o, "product", h->product);
    put_str(o, "updated", h->updated);
    strbuf_release(&url);
    strbuf_release(&snippet);
    return o;
}

/* The JSON of one page of results, written once per results: cached
 * results are shared, and building and dumping the hits was most of
 * the time of a search served from the cache.
 *
 * It is kept with the results, as their attachment (kb_results_attach),
 * rather than in a cache of this layer's own.  It depends on the
 * results alone, so it should live exactly as long as they do: when
 * kb_cache evicts an entry, or a commit or a synonyms reload makes it
 * stale, the JSON goes with it, and its bytes count toward the same
 * --cache-mb bound.  A second cache here, keyed like kb_cache's
 * entries (query, options, index revision, synonyms), would repeat the
 * key, the LRU order, the revision rule and the memory bound, and could
 * still disagree with kb_cache about which results are alive.  The
 * index layer only holds the pointer and calls results_json_free(). */
struct results_json {
    char *hits;   /* [...], jansson's compact dump */
    char *facets; /* {...}, or NULL when not asked for */
    size_t bytes; /* what the two take, for the cache's count */
};

static void results_json_free(void *p)
{
    struct results_json *j = p;
    if (!j)
        return;
    free(j->hits);
    free(j->facets);
    free(j);
}

static char *dump_hits(kb_results *res)
{
    json_t *v = json_array();
    for (size_t i = 0; v && i < kb_results_count(res); i++)
        json_array_append_new(v, hit_json(kb_results_get(res, i)));
    char *text = v ? json_dumps(v, JSON_COMPACT) : NULL;
    json_decref(v);
    return text;
}

static char *dump_facets(kb_results *res)
{
    static const char *const names[KB_FACET_COUNT] = {"topic", "product", "locale"};
    json_t *v = json_object();
    for (int f = 0; v && f < KB_FACET_COUNT; f++) {
        const kb_facet *fv;
        size_t n = kb_results_facets(res, (kb_facet_field)f, &fv);
        json_t *counts = json_object();
        for (size_t i = 0; i < n; i++)
            if (*fv[i].value)
                json_object_set_new(counts, fv[i].value, json_integer((json_int_t)fv[i].count));
        json_object_set_new(v, names[f], counts);
    }
    char *text = v ? json_dumps(v, JSON_COMPACT) : NULL;
    json_decref(v);
    return text;
}

/* NULL when out of memory. */
static struct results_json *results_json_new(kb_results *res, int facets)
{
    struct results_json *j = calloc(1, sizeof *j);
    if (!j)
        return NULL;
    j->hits = dump_hits(res);
    j->facets = facets ? dump_facets(res) : NULL;
    if (!j->hits || (facets && !j->facets)) {
        results_json_free(j);
        return NULL;
    }
    j->bytes = sizeof *j + strlen(j->hits) + 1 + (j->facets ? strlen(j->facets) + 1 : 0);
    return j;
}

/* The JSON of res, with facets when asked: the one kept with res, else
 * made now and kept.  *own is set when the one returned is this
 * answer's alone (the kept one lacks the facets), for the caller to
 * free.  NULL when out of memory. */
static const struct results_json *results_json(kb_results *res, int facets,
                                               struct results_json **own)
{
    *own = NULL;
    const struct results_json *kept = kb_results_attachment(res);
    if (kept && (kept->facets || !facets))
        return kept;
    struct results_json *made = results_json_new(res, facets);
    if (!made)
        return NULL;
    if (!kept) {
        kept = kb_results_attach(res, made, made->bytes, results_json_free);
        if (kept == made)
            return made;
        if (kept->facets || !facets) { /* another request was first */
            results_json_free(made);
            return kept;
        }
    }
    *own = made;
    return made;
}

static int dump_to_strbuf(const char *data, size_t len, void *sb)
{
    strbuf_add(sb, data, len);
    return 0;
}

/* Appends `"key":` and v as jansson writes it (v is stolen); key is a
 * literal name that needs no escaping.  -1 when v is NULL or could not
 * be written. */
static int put_member(struct strbuf *out, const char *key, json_t *v)
{
    strbuf_addch(out, '"');
    strbuf_adds(out, key);
    strbuf_adds(out, "\":");
    int failed = !v || json_dump_callback(v, dump_to_strbuf, out,
                                          JSON_COMPACT | JSON_ENCODE_ANY) != 0;
    json_decref(v);
    return failed ? -1 : 0;
}

/* The answer of /api/search and /api/suggest into rq->out:
 *   {"query":...,"locale":...,"total":N,"suggestion":...,"corrected":...,"hits":[...],
 *    "facets":{...}}
 * Each value is written by jansson, the hits and facets earlier (kept
 * with the results); this writes only the braces, keys and commas
 * around them, so no JSON text is cut or patched. */
static unsigned reply_search(struct request *rq, const struct searchreq *sr, kb_results *res,
                             const struct results_json *j)
{
    struct strbuf *out = &rq->out;
    const char *suggestion = kb_results_suggestion(res);
    strbuf_release(out);
    strbuf_addch(out, '{');
    int failed = put_member(out, "query", json_string(sr->q));
    strbuf_addch(out, ',');
    failed |= put_member(out, "locale", json_string(kb_results_locale(res)));
    strbuf_addch(out, ',');
    failed |= put_member(out, "total", json_integer((json_int_t)kb_results_total(res)));
    strbuf_addch(out, ',');
    failed |= put_member(out, "suggestion", suggestion ? json_string(suggestion) : json_null());
    strbuf_addch(out, ',');
    /* What was searched when a word was corrected; "query" stays as typed. */
    failed |= put_member(out, "corrected", suggestion ? json_string(suggestion) : json_null());
    strbuf_adds(out, ",\"hits\":");
    strbuf_adds(out, j->hits);
    if (sr->facets) {
        strbuf_adds(out, ",\"facets\":");
        strbuf_adds(out, j->facets);
    }
    strbuf_adds(out, "}\n");
    if (failed || strbuf_failed(out)) {
        strbuf_release(out);
        return 500;
    }
    rq->content_type = "application/json; charset=utf-8";
    return 200;
}

static unsigned search_common(struct request *rq, int prefix_last)
{
    struct searchreq sr;
    unsigned st = searchreq_parse(rq, &sr, 1);
    if (st)
        return st;
    sr.facets = !prefix_last;
    kb_results *res;
    if ((st = searchreq_run(rq, &sr, prefix_last, &res)))
        return st;
    struct results_json *own;
    const struct results_json *j = results_json(res, sr.facets, &own);
    events_log_search(rq, sr.q, sr.locale, (int)kb_results_total(res), prefix_last, res);
    if (!j)
        st = reply_error(rq, 500, "out_of_memory", "the server is out of memory");
    else
        st = reply_search(rq, &sr, res, j);
    results_json_free(own);
    kb_results_free(res);
    return st;
}

unsigned api_search(struct request *rq)
{
    return search_common(rq, 0);
}

unsigned api_suggest(struct request *rq)
{
    return search_common(rq, 1);
}

unsigned api_article(struct request *rq)
{
    const char *id = rq->path + strlen("/api/articles/");
    json_t *rec, *locales;
    unsigned st = article_load(rq, id, &rec, &locales);
    if (st)
        return st;
    struct strbuf url = STRBUF_INIT;
    searchreq_article_url(&url, json_string_value(json_object_get(rec, "id")),
                          json_string_value(json_object_get(rec, "locale")), NULL);
    json_object_set_new(rec, "url", json_string(url.buf ? url.buf : ""));
    strbuf_release(&url);
    json_object_set_new(rec, "locales", locales);
    json_object_del(rec, "links");
    json_object_del(rec, "path");
    json_object_del(rec, "queries");
    json_object_del(rec, "queries_top");
    return reply_json(rq, 200, rec);
}
