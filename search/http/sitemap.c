/* sitemap.c -- GET /sitemap.xml: every public article in every locale,
 * for search engines.  Internal articles never appear. */
#include "escape.h"
#include "routes.h"
#include "searchreq.h"

#include <string.h>

struct sitemap {
    struct strbuf *out;
    const char *base;
};

static int add_url(void *ctx, const char *json, size_t len)
{
    struct sitemap *sm = ctx;
    json_t *rec = json_loadb(json, len, 0, NULL);
    const char *id = json_string_value(json_object_get(rec, "id"));
    const char *loc = json_string_value(json_object_get(rec, "locale"));
    const char *upd = json_string_value(json_object_get(rec, "updated"));
    if (id && loc) {
        struct strbuf url = STRBUF_INIT;
        strbuf_adds(&url, sm->base);
        searchreq_article_url(&url, id, loc, NULL);
        strbuf_adds(sm->out, "<url><loc>");
        escape_html(sm->out, url.buf ? url.buf : "");
        strbuf_adds(sm->out, "</loc>");
        if (upd && *upd) {
            strbuf_adds(sm->out, "<lastmod>");
            escape_html(sm->out, upd);
            strbuf_adds(sm->out, "</lastmod>");
        }
        strbuf_adds(sm->out, "</url>\n");
        strbuf_release(&url);
    }
    json_decref(rec);
    return 0;
}

unsigned api_sitemap(struct request *rq)
{
    char err[256];
    kb_index *ix = handle_pool_get(rq->app->pool, err, sizeof err);
    if (!ix)
        return reply_error(rq, 503, "index_unavailable", "the index cannot be opened");
    /* --public-url (default: the listening address), never the Host
     * header: a cache in front would keep a sitemap pointing anywhere. */
    struct strbuf base = STRBUF_INIT;
    strbuf_adds(&base, rq->app->cfg.public_url ? rq->app->cfg.public_url : "http://localhost");
    strbuf_adds(&rq->out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                          "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    struct sitemap sm = {&rq->out, base.buf};
    kb_reopen(ix);
    kb_status st = kb_foreach_record(ix, 0, add_url, &sm);
    strbuf_release(&base);
    if (st != KB_OK)
        return reply_error(rq, 500, "index_error", "the articles could not be read");
    strbuf_adds(&rq->out, "</urlset>\n");
    rq->content_type = "application/xml; charset=utf-8";
    return 200;
}
