/* page_staff.c -- the common parts of the agent and author pages. */
#include "page_staff.h"

#include "auth.h"
#include "escape.h"
#include "searchreq.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *staff_jstr(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

void staff_page_init(struct page *pg, struct request *rq, const char *path,
                     const char *extra_query)
{
    int bad;
    const char *locale = req_arg(rq, "locale", &bad);
    page_init(pg, rq, bad ? NULL : locale, path, extra_query);
    page_set_text(pg, "body_class", "staff-page");
}

unsigned staff_message(struct page *pg, unsigned status, const char *title_key,
                       const char *text_key, const char *back_url)
{
    struct html body = HTML_INIT;
    page_set_text(pg, "heading", page_t(pg, title_key));
    page_set_text(pg, "message", page_t(pg, text_key));
    page_set_text(pg, "back_url", back_url);
    page_render(pg, "message", &body);
    unsigned st = page_finish(pg, status, page_t(pg, title_key), &body);
    html_release(&body);
    return st;
}

unsigned staff_forbidden(struct request *rq)
{
    struct page pg;
    staff_page_init(&pg, rq, rq->path, NULL);
    struct strbuf back = STRBUF_INIT;
    page_url(&pg, &back, "/agent");
    rq->error_code = "forbidden";
    unsigned st = staff_message(&pg, 403, "staff.forbidden_title", "staff.forbidden",
                                back.buf);
    strbuf_release(&back);
    return st;
}

void staff_time(struct html *out, const char *iso, enum staff_time_style style)
{
    /* Stored times are "YYYY-MM-DDTHH:MM:SS.mmmZ"; anything else is
     * shown as it is. */
    char shown[48];
    if (strlen(iso) >= 19 && iso[10] == 'T') {
        if (style == STAFF_DATE_TIME)
            snprintf(shown, sizeof shown, "%.10s %.5s UTC", iso, iso + 11);
        else if (style == STAFF_DATE_SECONDS)
            snprintf(shown, sizeof shown, "%.10s %.8s UTC", iso, iso + 11);
        else
            snprintf(shown, sizeof shown, "%.8s UTC", iso + 11);
    } else {
        snprintf(shown, sizeof shown, "%.40s", iso);
    }
    html_lit(out, "<time");
    html_attr(out, "datetime", iso);
    html_lit(out, ">");
    html_text(out, shown);
    html_lit(out, "</time>");
}

const char *staff_product_name(const struct page *pg, const char *product)
{
    char key[96];
    if (!product || !*product)
        return "";
    if (strlen(product) > 80)
        return product;
    snprintf(key, sizeof key, "product.%s", product);
    const char *s = page_t(pg, key);
    return s == key ? product : s;
}

void staff_articles_init(struct staff_articles *sa, struct page *pg)
{
    char err[256];
    sa->pg = pg;
    sa->ix = handle_pool_get(pg->rq->app->pool, err, sizeof err);
    sa->cache = json_object();
}

void staff_articles_release(struct staff_articles *sa)
{
    json_decref(sa->cache);
    sa->cache = NULL;
}

/* The record of id in locale, from the cache or the index; NULL when
 * there is none. */
static json_t *article_record(struct staff_articles *sa, const char *id, const char *locale)
{
    char key[600];
    snprintf(key, sizeof key, "%s|%s", locale, id);
    json_t *rec = json_object_get(sa->cache, key);
    if (rec)
        return json_is_object(rec) ? rec : NULL;
    char *json = NULL;
    rec = NULL;
    if (sa->ix && article_id_ok(id) &&
        kb_article_get(sa->ix, id, locale, sa->pg->rq->app->cfg.default_locale, 1, &json) ==
            KB_OK) {
        json_t *full = json_loads(json, 0, NULL);
        if (full)
            rec = json_pack("{s:s,s:s,s:O}", "title", staff_jstr(full, "title"), "locale",
                            staff_jstr(full, "locale"), "sections",
                            json_object_get(full, "sections") ? json_object_get(full, "sections")
                                                              : json_null());
        json_decref(full);
    }
    free(json);
    json_object_set_new(sa->cache, key, rec ? rec : json_null());
    return rec;
}

void staff_article_link(struct staff_articles *sa, const char *id, const char *locale,
                        const char *section, struct html *out)
{
    if (!locale || !*locale)
        locale = sa->pg->rq->app->cfg.default_locale;
    json_t *rec = id ? article_record(sa, id, locale) : NULL;
    const char *title = rec ? staff_jstr(rec, "title") : "";
    const char *stitle = "";
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(rec, "sections"), i, s)
    {
        if (section && *section && strcmp(staff_jstr(s, "anchor"), section) == 0)
            stitle = staff_jstr(s, "title");
    }
    struct strbuf url = STRBUF_INIT;
    searchreq_article_url(&url, id ? id : "", rec ? staff_jstr(rec, "locale") : locale, section);
    html_lit(out, "<a class=\"trail-article\"");
    html_attr(out, "href", url.buf);
    html_lit(out, ">");
    html_text(out, *title ? title : (id ? id : ""));
    if (section && *section) {
        html_lit(out, "<span class=\"trail-section\"> › ");
        html_text(out, *stitle ? stitle : section);
        html_lit(out, "</span>");
    }
    html_lit(out, "</a>");
    strbuf_release(&url);
}
