/* pages.c -- server-rendered HTML: the help-center home, search
 * results, article pages and static files.  Pages work without
 * JavaScript; every value goes through the templates' escaping or
 * escape_html(). */
#include "api_events.h"
#include "escape.h"
#include "markdown.h"
#include "routes.h"
#include "searchreq.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The page's lang attribute: "ru-ru" -> "ru". */
static void lang_of(const char *locale, char *out, size_t n)
{
    snprintf(out, n, "%s", locale && *locale ? locale : "en");
    char *dash = strchr(out, '-');
    if (dash)
        *dash = '\0';
}

static unsigned render_page(struct request *rq, const char *title, const char *locale,
                            const char *body)
{
    char lang[16];
    lang_of(locale, lang, sizeof lang);
    struct tpl_var vars[] = {{"title", title}, {"lang", lang}, {"body", body}};
    strbuf_release(&rq->out);
    if (template_render(rq->app->tpl, "layout", vars, 3, &rq->out) != 0)
        return reply_error(rq, 500, "template_missing", "the page template is missing");
    rq->content_type = "text/html; charset=utf-8";
    return 200;
}

static unsigned search_form_page(struct request *rq, const char *q, const char *locale,
                                 const char *results, const char *title)
{
    struct strbuf body = STRBUF_INIT;
    struct tpl_var vars[] = {
        {"q", q ? q : ""},
        {"locale", locale ? locale : ""},
        {"results", results},
    };
    template_render(rq->app->tpl, "search", vars, 3, &body);
    unsigned st = render_page(rq, title, locale, body.buf ? body.buf : "");
    strbuf_release(&body);
    return st;
}

unsigned page_home(struct request *rq)
{
    int bad;
    const char *locale = req_arg(rq, "locale", &bad);
    if (bad || (locale && *locale && !searchreq_locale_ok(locale)))
        locale = NULL;
    return search_form_page(rq, "", locale, "", "Help center");
}

static void render_hits(struct request *rq, kb_results *res, const struct searchreq *sr,
                        struct strbuf *out)
{
    size_t n = kb_results_count(res);
    char count[64];
    snprintf(count, sizeof count, "%lu", kb_results_total(res));
    struct strbuf items = STRBUF_INIT;
    for (size_t i = 0; i < n; i++) {
        const kb_hit *h = kb_results_get(res, i);
        struct strbuf url = STRBUF_INIT, surl = STRBUF_INIT;
        searchreq_article_url(&url, h->id, h->locale, NULL);
        searchreq_article_url(&surl, h->id, h->locale, h->anchor);
        struct tpl_var vars[] = {
            {"url", url.buf},
            {"title", h->title},
            {"section_url", surl.buf},
            {"section_title", h->section_title},
            {"snippet", h->snippet}, /* HTML from the index layer, escaped there */
            {"topic", h->topic},
            {"locale", h->locale},
            {"updated", h->updated},
            {"internal", h->internal ? "internal" : ""},
        };
        template_render(rq->app->tpl, *h->anchor ? "hit" : "hit-lead", vars, 9, &items);
        strbuf_release(&url);
        strbuf_release(&surl);
    }
    struct tpl_var vars[] = {
        {"q", sr->q},
        {"total", count},
        {"hits", items.buf ? items.buf : ""},
    };
    template_render(rq->app->tpl, n ? "results" : "no-results", vars, 3, out);
    strbuf_release(&items);
}

unsigned page_search(struct request *rq)
{
    struct searchreq sr;
    unsigned st = searchreq_parse(rq, &sr, 0);
    if (st)
        return st;
    if (!sr.q || !*sr.q)
        return search_form_page(rq, "", sr.locale, "", "Help center");
    kb_results *res;
    if ((st = searchreq_run(rq, &sr, 0, &res)))
        return st;
    struct strbuf results = STRBUF_INIT;
    render_hits(rq, res, &sr, &results);
    events_log_search(rq, sr.q, sr.locale, (int)kb_results_total(res), 0, res);
    kb_results_free(res);
    struct strbuf title = STRBUF_INIT;
    strbuf_adds(&title, sr.q);
    strbuf_adds(&title, " - Search");
    st = search_form_page(rq, sr.q, sr.locale, results.buf ? results.buf : "", title.buf);
    strbuf_release(&results);
    strbuf_release(&title);
    return st;
}

static const char *jstr(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

unsigned page_article(struct request *rq)
{
    const char *id = rq->path + strlen("/articles/");
    json_t *rec, *locales;
    unsigned st = article_load(rq, id, &rec, &locales);
    if (st)
        return st;
    const char *locale = jstr(rec, "locale");
    const char *md = jstr(rec, "markdown");
    events_log_view(rq, jstr(rec, "id"), locale);
    char *html = markdown_render_html(md, strlen(md));

    struct strbuf toc = STRBUF_INIT, langs = STRBUF_INIT;
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(rec, "sections"), i, s)
    {
        const char *anchor = jstr(s, "anchor");
        if (!*anchor)
            continue;
        strbuf_adds(&toc, "<li><a href=\"#");
        escape_html(&toc, anchor);
        strbuf_adds(&toc, "\">");
        escape_html(&toc, jstr(s, "title"));
        strbuf_adds(&toc, "</a></li>\n");
    }
    json_t *l;
    json_array_foreach(locales, i, l)
    {
        const char *loc = json_string_value(l);
        if (!loc || strcmp(loc, locale) == 0)
            continue;
        struct strbuf url = STRBUF_INIT;
        searchreq_article_url(&url, jstr(rec, "id"), loc, NULL);
        strbuf_adds(&langs, "<li><a hreflang=\"");
        escape_html(&langs, loc);
        strbuf_adds(&langs, "\" href=\"");
        escape_html(&langs, url.buf ? url.buf : "");
        strbuf_adds(&langs, "\">");
        escape_html(&langs, loc);
        strbuf_adds(&langs, "</a></li>\n");
        strbuf_release(&url);
    }
    struct tpl_var vars[] = {
        {"id", jstr(rec, "id")},
        {"title", jstr(rec, "title")},
        {"description", jstr(rec, "description")},
        {"topic", jstr(rec, "topic")},
        {"locale", locale},
        {"updated", jstr(rec, "updated")},
        {"mt", json_is_true(json_object_get(rec, "machine_translated")) ? "mt" : ""},
        {"toc", toc.buf ? toc.buf : ""},
        {"languages", langs.buf ? langs.buf : ""},
        {"content", html ? html : ""},
    };
    struct strbuf body = STRBUF_INIT;
    template_render(rq->app->tpl, "article", vars, 10, &body);
    st = render_page(rq, jstr(rec, "title"), locale, body.buf ? body.buf : "");
    strbuf_release(&body);
    strbuf_release(&toc);
    strbuf_release(&langs);
    free(html);
    json_decref(rec);
    json_decref(locales);
    return st;
}

static const char *mime_of(const char *path)
{
    static const struct {
        const char *ext, *type;
    } types[] = {
        {".css", "text/css; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".ico", "image/x-icon"},
        {".txt", "text/plain; charset=utf-8"},
    };
    const char *dot = strrchr(path, '.');
    for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
        if (strcmp(dot, types[i].ext) == 0)
            return types[i].type;
    return "application/octet-stream";
}

unsigned page_static(struct request *rq)
{
    const char *rel = rq->path + strlen("/static/");
    if (!article_id_ok(rel))
        return reply_error(rq, 404, "not_found", "no such file");
    char path[PATH_MAX + 600], real[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", rq->app->static_root, rel);
    /* realpath also resolves symlinks: the file must really live under
     * the static folder. */
    if (!realpath(path, real) ||
        strncmp(real, rq->app->static_root, strlen(rq->app->static_root)) != 0 ||
        real[strlen(rq->app->static_root)] != '/')
        return reply_error(rq, 404, "not_found", "no such file");
    struct stat stt;
    if (stat(real, &stt) != 0 || !S_ISREG(stt.st_mode) || stt.st_size > 4 * 1024 * 1024)
        return reply_error(rq, 404, "not_found", "no such file");
    FILE *f = fopen(real, "rb");
    if (!f)
        return reply_error(rq, 404, "not_found", "no such file");
    char buf[8192];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, f)) > 0)
        strbuf_add(&rq->out, buf, got);
    fclose(f);
    rq->content_type = mime_of(real);
    reply_header(rq, "Cache-Control", "public, max-age=300");
    return 200;
}
