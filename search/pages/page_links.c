/* page_links.c -- GET /author/links: every broken link of the served
 * index with its file, line, language and target, filtered by
 * language (lang=) and by text in the file or the target (q=), 50 to
 * a page (page=), without JavaScript; the same list as CSV from GET
 * /api/admin/broken-links?format=csv.  Authors only (the route). */
#include "page_links.h"

#include "brokenlinks.h"
#include "escape.h"
#include "page_staff.h"
#include "routes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PAGE 100000

struct links_args {
    const char *lang; /* NULL: every locale */
    const char *q;    /* NULL: no text filter */
    unsigned long page; /* 1-based */
};

static void read_args(struct request *rq, struct links_args *a)
{
    int bad = 0;
    a->lang = req_arg(rq, "lang", &bad);
    if (bad || (a->lang && !*a->lang))
        a->lang = NULL;
    bad = 0;
    a->q = req_arg(rq, "q", &bad);
    if (bad || (a->q && (!*a->q || strlen(a->q) > BROKENLINKS_Q_MAX)))
        a->q = NULL;
    bad = 0;
    const char *p = req_arg(rq, "page", &bad);
    char *end;
    a->page = 1;
    if (!bad && p && *p >= '1' && *p <= '9') {
        unsigned long v = strtoul(p, &end, 10);
        if (!*end && v <= MAX_PAGE)
            a->page = v;
    }
}

/* "/author/links?locale=..&lang=..&q=..[&page=N]" or the CSV's URL. */
static void links_url(const struct page *pg, const struct links_args *a, unsigned long page,
                      int csv, struct strbuf *url)
{
    strbuf_adds(url, csv ? "/api/admin/broken-links?format=csv" : "/author/links?locale=");
    if (!csv)
        escape_url(url, pg->locale, 0);
    if (a->lang) {
        strbuf_adds(url, "&lang=");
        escape_url(url, a->lang, 0);
    }
    if (a->q) {
        strbuf_adds(url, "&q=");
        escape_url(url, a->q, 0);
    }
    if (page > 1)
        strbuf_addf(url, "&page=%lu", page);
}

static void lang_options(struct page *pg, json_t *locales, const char *lang, struct html *out)
{
    size_t i;
    json_t *l;
    html_lit(out, "<option value=\"\"");
    if (!lang)
        html_lit(out, " selected");
    html_lit(out, ">");
    html_text(out, page_t(pg, "links.locale_all"));
    html_lit(out, "</option>\n");
    json_array_foreach(locales, i, l)
    {
        const char *code = json_string_value(l);
        html_lit(out, "<option");
        html_attr(out, "value", code);
        if (lang && strcmp(lang, code) == 0)
            html_lit(out, " selected");
        html_lit(out, ">");
        html_text(out, page_locale_name(pg, code));
        html_lit(out, " (");
        html_text(out, code);
        html_lit(out, ")</option>\n");
    }
}

static void count_line(struct page *pg, const struct brokenlinks *bl, const struct links_args *a,
                       size_t first, size_t last, struct html *out)
{
    char n[24], total[24], f[24], l[24];
    size_t matched = json_array_size(bl->matched);
    snprintf(n, sizeof n, "%zu", matched);
    snprintf(total, sizeof total, "%zu", bl->total);
    if (a->lang || a->q)
        page_tf(pg, out, "links.count_filtered", "n", n, "total", total, NULL);
    else
        page_tf(pg, out, matched == 1 ? "links.count_one" : "links.count", "n", n, NULL);
    if (matched > BROKENLINKS_PAGE && first <= last) {
        snprintf(f, sizeof f, "%zu", first);
        snprintf(l, sizeof l, "%zu", last);
        html_lit(out, " · ");
        page_tf(pg, out, "links.range", "first", f, "last", l, NULL);
    }
}

static void render_table(struct page *pg, json_t *links, size_t from, size_t to,
                         struct html *out)
{
    static const char *const cols[] = {"links.col.file", "links.col.line", "links.col.locale",
                                       "links.col.target", "links.col.problem"};
    html_lit(out, "<div class=\"table-scroll\"><table class=\"data-table links-table\">\n"
                  "<caption class=\"visually-hidden\">");
    html_text(out, page_t(pg, "links.caption"));
    html_lit(out, "</caption>\n<thead><tr>");
    for (size_t c = 0; c < sizeof cols / sizeof cols[0]; c++) {
        if (c == 1)
            html_lit(out, "<th scope=\"col\" class=\"num\">");
        else
            html_lit(out, "<th scope=\"col\">");
        html_text(out, page_t(pg, cols[c]));
        html_lit(out, "</th>");
    }
    html_lit(out, "</tr></thead>\n<tbody>\n");
    for (size_t i = from; i < to; i++) {
        json_t *l = json_array_get(links, i);
        const char *problem = staff_jstr(l, "problem");
        html_lit(out, "<tr><th scope=\"row\"><code>");
        html_text(out, staff_jstr(l, "file"));
        html_fmt(out, "</code></th><td class=\"num\">%lld</td><td>",
                 (long long)json_integer_value(json_object_get(l, "line")));
        html_text(out, staff_jstr(l, "locale"));
        html_lit(out, "</td><td><code>");
        html_text(out, staff_jstr(l, "target"));
        html_lit(out, "</code></td><td>");
        html_text(out, page_t(pg, strcmp(problem, "missing anchor") == 0
                                      ? "links.problem.missing_anchor"
                                      : "links.problem.missing_article"));
        html_lit(out, "</td></tr>\n");
    }
    html_lit(out, "</tbody>\n</table></div>\n");
}

static void pager_link(struct page *pg, const struct links_args *a, unsigned long page,
                       const char *rel, const char *key, struct html *out)
{
    struct strbuf url = STRBUF_INIT;
    links_url(pg, a, page, 0, &url);
    page_pager_button(pg, rel, &url, key, out);
}

unsigned page_links(struct request *rq)
{
    struct links_args a;
    read_args(rq, &a);
    struct page pg;
    struct strbuf self = STRBUF_INIT;
    if (a.lang) {
        strbuf_adds(&self, "lang=");
        escape_url(&self, a.lang, 0);
    }
    staff_page_init(&pg, rq, "/author/links", self.buf);
    strbuf_release(&self);
    struct brokenlinks bl;
    int rc = brokenlinks_load(rq->app, a.lang, a.q, &bl);
    if (rc != 0) {
        brokenlinks_release(&bl);
        rq->error_code = "index_unavailable";
        return staff_message(&pg, 503, "links.title", "links.failed", "/author");
    }
    size_t matched = json_array_size(bl.matched);
    unsigned long pages = matched ? (matched + BROKENLINKS_PAGE - 1) / BROKENLINKS_PAGE : 1;
    if (a.page > pages)
        a.page = pages;
    size_t from = (size_t)(a.page - 1) * BROKENLINKS_PAGE;
    size_t to = from + BROKENLINKS_PAGE < matched ? from + BROKENLINKS_PAGE : matched;
    struct html options = HTML_INIT, count = HTML_INIT, table = HTML_INIT, pager = HTML_INIT,
                links = HTML_INIT, body = HTML_INIT;
    struct strbuf csv = STRBUF_INIT, clear = STRBUF_INIT, back = STRBUF_INIT;
    lang_options(&pg, bl.locales, a.lang, &options);
    count_line(&pg, &bl, &a, from + 1, to, &count);
    if (matched) {
        render_table(&pg, bl.matched, from, to, &table);
    } else {
        html_lit(&table, "<p class=\"empty-note\">");
        html_text(&table, page_t(&pg, bl.total ? "links.none_match" : "links.none"));
        html_lit(&table, "</p>\n");
    }
    if (a.page > 1)
        pager_link(&pg, &a, a.page - 1, "prev", "results.prev", &links);
    if (a.page < pages)
        pager_link(&pg, &a, a.page + 1, "next", "results.next", &links);
    if (html_len(&links)) {
        page_scope_open(&pg);
        page_set_html(&pg, "links", &links);
        page_render(&pg, "pager", &pager);
        page_scope_close(&pg);
    }
    links_url(&pg, &a, 1, 1, &csv);
    page_url(&pg, &clear, "/author/links");
    page_url(&pg, &back, "/author");
    page_set_html(&pg, "lang_options", &options);
    page_set_html(&pg, "count", &count);
    page_set_html(&pg, "table", &table);
    page_set_html(&pg, "pager", &pager);
    page_set_text(&pg, "q", a.q ? a.q : "");
    page_set_text(&pg, "csv_url", csv.buf ? csv.buf : "/api/admin/broken-links?format=csv");
    page_set_text(&pg, "clear_url", clear.buf ? clear.buf : "/author/links");
    page_set_text(&pg, "back_url", back.buf ? back.buf : "/author");
    page_render(&pg, "links", &body);
    unsigned st = page_finish(&pg, 200, page_t(&pg, "links.title"), &body);
    brokenlinks_release(&bl);
    html_release(&options);
    html_release(&count);
    html_release(&table);
    html_release(&pager);
    html_release(&links);
    html_release(&body);
    strbuf_release(&csv);
    strbuf_release(&clear);
    strbuf_release(&back);
    return st;
}
