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
                       const char *text_key, const char *back_path)
{
    struct html body = HTML_INIT;
    struct strbuf back = STRBUF_INIT;
    page_url(pg, &back, back_path);
    page_set_text(pg, "heading", page_t(pg, title_key));
    page_set_text(pg, "message", page_t(pg, text_key));
    page_set_text(pg, "back_url", back.buf ? back.buf : back_path);
    page_render(pg, "message", &body);
    unsigned st = page_finish(pg, status, page_t(pg, title_key), &body);
    html_release(&body);
    strbuf_release(&back);
    return st;
}

unsigned staff_forbidden(struct request *rq)
{
    struct page pg;
    staff_page_init(&pg, rq, rq->path, NULL);
    rq->error_code = "forbidden";
    return staff_message(&pg, 403, "staff.forbidden_title", "staff.forbidden", "/agent");
}

/* The UI string key with each {name} replaced by its value (pairs of
 * name, value in names[], n of them), as text into buf. */
static const char *fill(const struct page *pg, const char *key, const char *const *names,
                        size_t n, char *buf, size_t len)
{
    const char *fmt = page_t(pg, key);
    size_t o = 0;
    buf[0] = '\0';
    for (const char *p = fmt; *p && o + 1 < len;) {
        const char *value = NULL;
        size_t skip = 0;
        if (*p == '{')
            for (size_t i = 0; i + 1 < 2 * n; i += 2) {
                size_t nl = strlen(names[i]);
                if (strncmp(p + 1, names[i], nl) == 0 && p[1 + nl] == '}') {
                    value = names[i + 1];
                    skip = nl + 2;
                }
            }
        if (value) {
            int w = snprintf(buf + o, len - o, "%s", value);
            o = w < 0 || (size_t)w >= len - o ? len - 1 : o + (size_t)w;
            p += skip;
        } else {
            buf[o++] = *p++;
        }
    }
    buf[o < len ? o : len - 1] = '\0';
    return buf;
}

/* 1 when iso starts with a date "YYYY-MM-DD"; its parts into y, m, d
 * (as written) and mn, dn (without a leading zero). */
static int date_parts(const char *iso, char y[5], char m[3], char d[3], char mn[3], char dn[3])
{
    for (int i = 0; i < 10; i++)
        if (i == 4 || i == 7 ? iso[i] != '-' : !(iso[i] >= '0' && iso[i] <= '9'))
            return 0;
    snprintf(y, 5, "%.4s", iso);
    snprintf(m, 3, "%.2s", iso + 5);
    snprintf(d, 3, "%.2s", iso + 8);
    snprintf(mn, 3, "%s", m[0] == '0' ? m + 1 : m);
    snprintf(dn, 3, "%s", d[0] == '0' ? d + 1 : d);
    return 1;
}

const char *staff_date(const struct page *pg, const char *iso, int short_form, char *buf,
                       size_t len)
{
    char y[5], m[3], d[3], mn[3], dn[3];
    if (!date_parts(iso, y, m, d, mn, dn)) {
        snprintf(buf, len, "%s", iso);
        return buf;
    }
    const char *names[] = {"y", y, "m", m, "d", d, "mn", mn, "dn", dn};
    return fill(pg, short_form ? "date.day_short" : "date.day", names, 5, buf, len);
}

const char *staff_percent(const struct page *pg, double ratio, char *buf, size_t len)
{
    char n[32];
    snprintf(n, sizeof n, "%.0f", ratio * 100);
    const char *names[] = {"n", n};
    return fill(pg, "num.percent", names, 1, buf, len);
}

void staff_time(const struct page *pg, struct html *out, const char *iso,
                enum staff_time_style style)
{
    /* Stored times are "YYYY-MM-DDTHH:MM:SS.mmmZ"; anything else is
     * shown as it is. */
    char shown[160], date[64], time[16];
    if (strlen(iso) >= 19 && iso[10] == 'T') {
        snprintf(time, sizeof time, "%.*s", style == STAFF_DATE_TIME ? 5 : 8, iso + 11);
        staff_date(pg, iso, 0, date, sizeof date);
        const char *names[] = {"date", date, "time", time};
        fill(pg, style == STAFF_TIME ? "date.time" : "date.date_time", names, 2, shown,
             sizeof shown);
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

void staff_tool_text(struct html *out, const char *msg)
{
    html_lit(out, "<span lang=\"en\">");
    html_text(out, msg);
    html_lit(out, "</span>");
}

void staff_diags(struct page *pg, json_t *list, const char *key, const char *cls, int level,
                 struct html *out)
{
    size_t n = json_array_size(list), i;
    json_t *d;
    if (!n)
        return;
    char num[24], list_class[64];
    snprintf(num, sizeof num, "%zu", n);
    snprintf(list_class, sizeof list_class, "diag-list %s", cls);
    if (level == 2)
        html_lit(out, "<h2 class=\"diag-h\">");
    else
        html_lit(out, "<h3 class=\"diag-h\">");
    page_tf(pg, out, key, "n", num, NULL);
    if (level == 2)
        html_lit(out, "</h2>\n<ul");
    else
        html_lit(out, "</h3>\n<ul");
    html_attr(out, "class", list_class);
    html_lit(out, ">\n");
    json_array_foreach(list, i, d)
    {
        html_lit(out, "<li>");
        if (*staff_jstr(d, "file")) {
            html_lit(out, "<code>");
            html_text(out, staff_jstr(d, "file"));
            long long line = (long long)json_integer_value(json_object_get(d, "line"));
            if (line > 0)
                html_fmt(out, ":%lld", line);
            html_lit(out, "</code> ");
        }
        staff_tool_text(out, staff_jstr(d, "message"));
        html_lit(out, "</li>\n");
    }
    html_lit(out, "</ul>\n");
}
