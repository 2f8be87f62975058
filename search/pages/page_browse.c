/* page_browse.c -- browsing without a query: the results page's
 * filters (the facet counts the search made, as links that work
 * without JavaScript) and the home page's topics with their articles. */
#include "escape.h"
#include "pages.h"
#include "popular.h"
#include "searchreq.h"

#include <stdio.h>
#include <string.h>

/* /search for sr with one filter changed: field ("topic", "product" or
 * "locale") set to value, or dropped when value is NULL.  Paging
 * starts again. */
static void filter_url(const struct page *pg, const struct searchreq *sr, const char *field,
                       const char *value, struct strbuf *url)
{
    const char *topic = strcmp(field, "topic") == 0 ? value : sr->topic;
    const char *product = strcmp(field, "product") == 0 ? value : sr->product;
    const char *locale = strcmp(field, "locale") == 0 && value ? value : pg->locale;
    strbuf_adds(url, "/search?q=");
    escape_url(url, sr->q ? sr->q : "", 0);
    strbuf_adds(url, "&locale=");
    escape_url(url, locale, 0);
    if (topic && *topic) {
        strbuf_adds(url, "&topic=");
        escape_url(url, topic, 0);
    }
    if (product && *product) {
        strbuf_adds(url, "&product=");
        escape_url(url, product, 0);
    }
    if (sr->exact)
        strbuf_adds(url, "&exact=1");
}

/* The name of a facet value in the page's language. */
static const char *facet_name(const struct page *pg, kb_facet_field field, const char *value)
{
    if (field == KB_FACET_TOPIC)
        return page_topic_name(pg, value);
    if (field == KB_FACET_LOCALE)
        return page_locale_name(pg, value);
    return page_product_name(pg, value);
}

static void filter_group(struct page *pg, kb_results *res, const struct searchreq *sr,
                         kb_facet_field field, struct html *out)
{
    static const char *const fields[] = {"topic", "product", "locale"};
    static const char *const titles[] = {"filter.topic", "filter.product", "filter.locale"};
    const char *name = fields[field];
    const char *current = field == KB_FACET_TOPIC     ? sr->topic
                          : field == KB_FACET_PRODUCT ? sr->product
                                                      : pg->locale;
    const kb_facet *fv;
    size_t n = kb_results_facets(res, field, &fv), shown = 0;
    struct html items = HTML_INIT;
    struct strbuf url = STRBUF_INIT;
    for (size_t i = 0; i < n && shown < 12; i++) {
        if (!*fv[i].value)
            continue;
        int on = current && strcmp(current, fv[i].value) == 0;
        strbuf_release(&url);
        filter_url(pg, sr, name, fv[i].value, &url);
        html_lit(&items, "<li><a");
        html_attr(&items, "href", url.buf);
        if (on)
            html_attr(&items, "aria-current", "true");
        if (field == KB_FACET_LOCALE)
            html_attr(&items, "hreflang", fv[i].value);
        html_lit(&items, "><span class=\"facet-name\">");
        html_text(&items, facet_name(pg, field, fv[i].value));
        html_lit(&items, "</span> <span class=\"facet-count\">");
        html_fmt(&items, "%lu", fv[i].count);
        html_lit(&items, "</span></a></li>");
        shown++;
    }
    /* A chosen topic or product can be dropped again. */
    if (field != KB_FACET_LOCALE && current && *current) {
        strbuf_release(&url);
        filter_url(pg, sr, name, NULL, &url);
        html_lit(&items, "<li class=\"facet-clear\"><a");
        html_attr(&items, "href", url.buf);
        html_lit(&items, ">");
        html_text(&items, page_t(pg, "filter.all"));
        html_lit(&items, "</a></li>");
        shown++;
    }
    if (shown > 1 || (current && *current)) {
        html_lit(out, "<div class=\"facet\"");
        html_attr(out, "data-facet", name);
        html_lit(out, "><h3>");
        html_text(out, page_t(pg, titles[field]));
        html_lit(out, "</h3><ul>");
        html_append(out, &items);
        html_lit(out, "</ul></div>");
    }
    if (strbuf_failed(&url))
        html_fail(out);
    strbuf_release(&url);
    html_release(&items);
}

void filters_render(struct page *pg, kb_results *res, const struct searchreq *sr,
                    struct html *out)
{
    struct html groups = HTML_INIT;
    for (int f = 0; f < KB_FACET_COUNT; f++)
        filter_group(pg, res, sr, (kb_facet_field)f, &groups);
    if (html_len(&groups)) {
        html_lit(out, "<nav class=\"card filters\" aria-labelledby=\"filters-h\">"
                      "<h2 id=\"filters-h\">");
        html_text(out, page_t(pg, "filter.title"));
        html_lit(out, "</h2>");
        html_append(out, &groups);
        html_lit(out, "</nav>");
    }
    html_release(&groups);
}

const char *page_product_name(const struct page *pg, const char *product)
{
    char key[80];
    if (!product || !*product || strlen(product) > 60)
        return product ? product : "";
    snprintf(key, sizeof key, "product.%s", product);
    const char *s = i18n_str(pg->ui, key);
    return s == key ? product : s;
}

/* ---- the home page's topics ---------------------------------------- */

#define TOPICS_MAX 32
#define TOPIC_SHOWN 5 /* articles listed under a topic on the home page */

struct topic_card {
    const char *name; /* display name, from the UI strings or the product */
    struct html html;
};

struct topics {
    struct page *pg;
    const char *only;   /* one product (the topic page), or NULL */
    struct topic_card card[TOPICS_MAX];
    size_t n;
    struct html *list;  /* the topic page's list */
    size_t total;       /* the topic page's article count */
};

static void article_link(struct page *pg, const char *id, const char *title, struct html *out)
{
    struct strbuf url = STRBUF_INIT;
    searchreq_article_url(&url, id, pg->locale, NULL);
    html_lit(out, "<li><a");
    html_attr(out, "href", url.buf);
    html_lit(out, ">");
    html_text(out, title);
    html_lit(out, "</a></li>");
    if (strbuf_failed(&url))
        html_fail(out);
    strbuf_release(&url);
}

static void topic_url(const struct page *pg, const char *product, struct strbuf *url)
{
    strbuf_adds(url, "/search?product=");
    escape_url(url, product, 0);
    strbuf_adds(url, "&locale=");
    escape_url(url, pg->locale, 0);
}

static void topic_card(void *ctx, const char *product, size_t total, const char *const *ids,
                       const char *const *titles, size_t n)
{
    struct topics *t = ctx;
    struct page *pg = t->pg;
    if (t->only) {
        if (strcmp(product, t->only) == 0) {
            for (size_t i = 0; i < n; i++)
                article_link(pg, ids[i], titles[i], t->list);
            t->total = total;
        }
        return;
    }
    if (!*product || t->n == TOPICS_MAX)
        return;
    struct topic_card *c = &t->card[t->n++];
    struct html *out = &c->html;
    struct strbuf url = STRBUF_INIT;
    char count[24];
    snprintf(count, sizeof count, "%zu", total);
    c->name = page_product_name(pg, product);
    topic_url(pg, product, &url);
    html_lit(out, "<section class=\"card topic\"><h3><a");
    html_attr(out, "href", url.buf);
    html_lit(out, ">");
    html_text(out, c->name);
    html_lit(out, "</a></h3><ul class=\"link-list\">");
    for (size_t i = 0; i < n && i < TOPIC_SHOWN; i++)
        article_link(pg, ids[i], titles[i], out);
    html_lit(out, "</ul>");
    if (total > TOPIC_SHOWN) {
        html_lit(out, "<p class=\"topic-all\"><a");
        html_attr(out, "href", url.buf);
        html_lit(out, ">");
        page_tf(pg, out, "home.topic_all", "n", count, NULL);
        html_lit(out, "</a></p>");
    }
    html_lit(out, "</section>");
    if (strbuf_failed(&url))
        html_fail(out);
    strbuf_release(&url);
}

static int card_cmp(const void *a, const void *b)
{
    return strcoll(((const struct topic_card *)a)->name, ((const struct topic_card *)b)->name);
}

void topics_render(struct page *pg, struct html *out)
{
    struct topics t = {.pg = pg};
    for (size_t i = 0; i < TOPICS_MAX; i++)
        t.card[i].html = (struct html)HTML_INIT;
    popular_topics(pg->rq->app->popular, pg->locale, pg->rq->app->cfg.default_locale,
                   topic_card, &t);
    qsort(t.card, t.n, sizeof *t.card, card_cmp);
    for (size_t i = 0; i < t.n; i++)
        html_append(out, &t.card[i].html);
    for (size_t i = 0; i < TOPICS_MAX; i++)
        html_release(&t.card[i].html);
}

unsigned topic_page(struct request *rq, const struct searchreq *sr)
{
    struct page pg;
    struct strbuf self = STRBUF_INIT;
    strbuf_adds(&self, "product=");
    escape_url(&self, sr->product, 0);
    page_init(&pg, rq, sr->locale, "/search", self.buf);
    strbuf_release(&self);
    struct html list = HTML_INIT, body = HTML_INIT, heading = HTML_INIT;
    struct topics t = {.pg = &pg, .only = sr->product, .list = &list};
    popular_topics(rq->app->popular, pg.locale, rq->app->cfg.default_locale, topic_card, &t);
    if (!t.total) {
        page_release(&pg);
        html_release(&list);
        return reply_error(rq, 404, "not_found", "No such topic");
    }
    const char *name = page_product_name(&pg, sr->product);
    char count[24];
    snprintf(count, sizeof count, "%zu", t.total);
    struct strbuf home = STRBUF_INIT;
    page_url(&pg, &home, "/");
    html_lit(&body, "<div class=\"wrap topic-page\"><nav class=\"breadcrumb\"><a");
    html_attr(&body, "href", home.buf ? home.buf : "/");
    strbuf_release(&home);
    html_lit(&body, ">");
    html_text(&body, page_t(&pg, "article.breadcrumb"));
    html_lit(&body, "</a></nav><h1>");
    html_text(&body, name);
    html_lit(&body, "</h1><p class=\"lead\">");
    page_tf(&pg, &body, "browse.count", "n", count, NULL);
    html_lit(&body, "</p><section class=\"card\"><ul class=\"link-list\">");
    html_append(&body, &list);
    html_lit(&body, "</ul></section></div>");
    unsigned st = page_finish(&pg, 200, name, &body);
    html_release(&list);
    html_release(&heading);
    html_release(&body);
    return st;
}
