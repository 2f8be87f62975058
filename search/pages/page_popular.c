/* page_popular.c -- the "popular articles" list on the home page and
 * when a search finds nothing, from the lists popular.c keeps. */
#include "pages.h"
#include "popular.h"
#include "searchreq.h"

struct render {
    struct page *pg;
    struct html *out;
};

static void item(void *ctx, const char *id, const char *locale, const char *title,
                 const char *topic)
{
    struct render *r = ctx;
    struct page *pg = r->pg;
    struct strbuf url = STRBUF_INIT;
    searchreq_article_url(&url, id, locale, NULL);
    page_scope_open(pg);
    page_set_text(pg, "url", url.buf);
    page_set_text(pg, "title", title);
    page_set_text(pg, "topic", page_topic_name(pg, topic));
    page_set_text(pg, "item_locale", locale);
    page_render(pg, "popular-item", r->out);
    page_scope_close(pg);
    strbuf_release(&url);
}

void popular_render(struct page *pg, size_t n, struct html *out)
{
    struct render r = {pg, out};
    popular_each(pg->rq->app->popular, pg->locale, pg->rq->app->cfg.default_locale, n, item,
                 &r);
}
