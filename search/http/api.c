/* api.c -- the JSON API: /healthz, /api/search, /api/suggest,
 * /api/articles/{id}.  Every body is built with jansson. */
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

enum { MEMO_HITS, MEMO_FACETS };

/* The JSON of the hits (or of the facets), dumped once per results:
 * cached results are shared, and building and dumping the hits was
 * most of the time of a search served from the cache. */
static const char *results_json(kb_results *res, unsigned slot)
{
    const char *done = kb_results_memo(res, slot);
    if (done)
        return done;
    json_t *v;
    if (slot == MEMO_HITS) {
        v = json_array();
        for (size_t i = 0; i < kb_results_count(res); i++)
            json_array_append_new(v, hit_json(kb_results_get(res, i)));
    } else {
        static const char *const names[KB_FACET_COUNT] = {"topic", "product", "locale"};
        v = json_object();
        for (int f = 0; f < KB_FACET_COUNT; f++) {
            const kb_facet *fv;
            size_t n = kb_results_facets(res, (kb_facet_field)f, &fv);
            json_t *counts = json_object();
            for (size_t i = 0; i < n; i++)
                if (*fv[i].value)
                    json_object_set_new(counts, fv[i].value,
                                        json_integer((json_int_t)fv[i].count));
            json_object_set_new(v, names[f], counts);
        }
    }
    char *text = v ? json_dumps(v, JSON_COMPACT) : NULL;
    json_decref(v);
    done = text ? kb_results_set_memo(res, slot, text) : NULL;
    free(text);
    return done;
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
    const char *suggestion = kb_results_suggestion(res);
    json_t *o = json_pack("{s:s,s:s,s:I,s:o}", "query", sr.q, "locale",
                          kb_results_locale(res), "total",
                          (json_int_t)kb_results_total(res), "suggestion",
                          suggestion ? json_string(suggestion) : json_null());
    const char *hits = results_json(res, MEMO_HITS);
    const char *facets = sr.facets ? results_json(res, MEMO_FACETS) : "";
    events_log_search(rq, sr.q, sr.locale, (int)kb_results_total(res), prefix_last, res);
    if (!hits || !facets) {
        json_decref(o);
        kb_results_free(res);
        return reply_error(rq, 500, "out_of_memory", "the server is out of memory");
    }
    if ((st = reply_json(rq, 200, o)) == 200) {
        /* The small object from jansson, then the two dumped parts:
         * {"query":...,"suggestion":null} -> {...,"hits":[...],"facets":{...}} */
        struct strbuf *out = &rq->out;
        if (out->len >= 2 && out->buf[out->len - 2] == '}') {
            out->len -= 2;
            strbuf_adds(out, ",\"hits\":");
            strbuf_adds(out, hits);
            if (sr.facets) {
                strbuf_adds(out, ",\"facets\":");
                strbuf_adds(out, facets);
            }
            strbuf_adds(out, "}\n");
        }
        if (strbuf_failed(out)) {
            strbuf_release(out);
            st = 500;
        }
    }
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
    return reply_json(rq, 200, rec);
}
