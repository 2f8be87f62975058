/* page_agent.c -- the agent console (GET /agent): a knowledge search
 * that includes internal articles, each hit with the deep link to its
 * section ready to copy, and the cases filed lately (the data of
 * GET /api/cases, read from the event store).  The case page is in
 * page_agent_case.c.  Agent searches are not logged: they are not
 * customer visits and must not move the deflection numbers. */
#include "escape.h"
#include "eventlog.h"
#include "page_staff.h"
#include "reports.h"
#include "routes.h"
#include "searchreq.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY 86400.0
#define CASES_MAX 200
#define CASES_DAYS 30

/* One hit: title, Internal badge, best section, snippet, and the deep
 * link as text (without JavaScript) with a copy button (with it). */
static void render_hit(struct page *pg, const kb_hit *h, size_t rank, struct html *out)
{
    struct strbuf url = STRBUF_INIT, surl = STRBUF_INIT;
    struct html section = HTML_INIT;
    char rankstr[24];
    snprintf(rankstr, sizeof rankstr, "%zu", rank);
    searchreq_article_url(&url, h->id, h->locale, NULL);
    searchreq_article_url(&surl, h->id, h->locale, h->anchor);
    page_scope_open(pg);
    page_set_text(pg, "rank", rankstr);
    page_set_text(pg, "url", url.buf);
    page_set_text(pg, "deep_url", surl.buf);
    page_set_text(pg, "section_url", surl.buf);
    page_set_text(pg, "title", h->title);
    page_set_text(pg, "section_title", h->section_title);
    page_set_snippet(pg, h);
    page_set_text(pg, "topic", page_topic_name(pg, h->topic));
    page_set_text(pg, "hit_locale", h->locale);
    page_set_text(pg, "locale_label", page_locale_name(pg, h->locale));
    page_set_text(pg, "internal", h->internal ? page_t(pg, "result.internal") : "");
    page_set_text(pg, "internal_class", h->internal ? " is-internal" : "");
    if (*h->anchor)
        page_render(pg, "hit-section", &section);
    page_set_html(pg, "section", &section);
    /* A link to an internal article is no use to a customer (they get
     * 404): none to copy, and the agent is told why. */
    struct html copy = HTML_INIT;
    page_render(pg, h->internal ? "agent-internal-note" : "agent-copy", &copy);
    page_set_html(pg, "copy_row", &copy);
    html_release(&copy);
    page_render(pg, "agent-hit", out);
    page_scope_close(pg);
    strbuf_release(&url);
    strbuf_release(&surl);
    html_release(&section);
}

/* A link to another page of the agent's search, keeping the filters. */
static void pager_link(struct page *pg, const char *self_query, unsigned offset,
                       const char *rel, const char *key, struct html *out)
{
    struct strbuf url = STRBUF_INIT;
    strbuf_adds(&url, "/agent?");
    strbuf_adds(&url, self_query);
    strbuf_adds(&url, "&locale=");
    escape_url(&url, pg->locale, 0);
    if (offset)
        strbuf_addf(&url, "&offset=%u", offset);
    strbuf_adds(&url, "#kb-h");
    page_pager_button(pg, rel, &url, key, out);
}

/* The search part: results for sr->q, or nothing before a search.
 * Returns 0, or an HTTP status when the search itself failed. */
static unsigned render_search(struct page *pg, const struct searchreq *sr,
                              const char *self_query, struct html *out)
{
    if (!sr->q || !*sr->q)
        return 0;
    struct searchreq run = *sr;
    run.locale = pg->locale;
    kb_results *res;
    unsigned st = searchreq_run(pg->rq, &run, 0, &res);
    if (st)
        return st;
    size_t n = kb_results_count(res);
    unsigned long total = kb_results_total(res);
    char count[32];
    snprintf(count, sizeof count, "%lu", total);
    html_lit(out, "<p class=\"results-count\" role=\"status\">");
    if (n)
        page_tf(pg, out, total == 1 ? "results.count_one" : "results.count", "n", count, "q",
                sr->q, NULL);
    else
        page_tf(pg, out, "noresults.title", "q", sr->q, NULL);
    html_lit(out, "</p>\n");
    if (n) {
        html_lit(out, "<ol class=\"agent-hits\">\n");
        for (size_t i = 0; i < n; i++)
            render_hit(pg, kb_results_get(res, i), sr->offset + i + 1, out);
        html_lit(out, "</ol>\n");
        struct html links = HTML_INIT;
        if (sr->offset > 0)
            pager_link(pg, self_query, sr->offset > sr->limit ? sr->offset - sr->limit : 0,
                       "prev", "results.prev", &links);
        if (sr->offset + n < total && sr->offset + sr->limit <= SEARCHREQ_MAX_OFFSET)
            pager_link(pg, self_query, sr->offset + sr->limit, "next", "results.next", &links);
        if (html_len(&links)) {
            page_scope_open(pg);
            page_set_html(pg, "links", &links);
            page_render(pg, "pager", out);
            page_scope_close(pg);
        }
        html_release(&links);
    }
    kb_results_free(res);
    return 0;
}

/* One row of the case table; cells carry their column name for the
 * stacked layout on phones. */
static void render_case_row(struct page *pg, json_t *c, struct html *out)
{
    struct strbuf url = STRBUF_INIT;
    strbuf_adds(&url, "/agent/cases/");
    escape_url(&url, staff_jstr(c, "id"), 0);
    strbuf_adds(&url, "?locale=");
    escape_url(&url, pg->locale, 0);
    html_lit(out, "<tr>\n<th scope=\"row\"");
    html_attr(out, "data-label", page_t(pg, "agent.col.case"));
    html_lit(out, "><a class=\"case-link\"");
    html_attr(out, "href", url.buf);
    html_lit(out, ">");
    html_text(out, staff_jstr(c, "id"));
    html_lit(out, "</a></th>\n<td");
    html_attr(out, "data-label", page_t(pg, "agent.col.subject"));
    html_lit(out, "><span class=\"case-subject\">");
    html_text(out, staff_jstr(c, "subject"));
    html_lit(out, "</span><span class=\"case-email\">");
    html_text(out, staff_jstr(c, "email"));
    html_lit(out, "</span></td>\n<td");
    html_attr(out, "data-label", page_t(pg, "agent.col.product"));
    html_lit(out, ">");
    html_text(out, staff_product_name(pg, staff_jstr(c, "product")));
    html_lit(out, "</td>\n<td");
    html_attr(out, "data-label", page_t(pg, "agent.col.created"));
    html_lit(out, ">");
    staff_time(pg, out, staff_jstr(c, "created"), STAFF_DATE_TIME);
    html_lit(out, "</td>\n</tr>\n");
    if (strbuf_failed(&url))
        html_fail(out);
    strbuf_release(&url);
}

struct case_filter {
    const char *from, *to, *q; /* as typed, for the form */
    char from_def[16], to_def[16];
    double tfrom, tto;         /* [tfrom, tto): "to" is inclusive in the form */
    int bad_date;
};

static void parse_filter(struct request *rq, struct case_filter *f)
{
    int bad;
    double today = (double)((long long)(now_wall() / DAY)) * DAY;
    memset(f, 0, sizeof *f);
    f->tto = today + DAY;
    f->tfrom = today - CASES_DAYS * DAY;
    reports_format_date(f->tfrom, f->from_def, sizeof f->from_def);
    reports_format_date(today, f->to_def, sizeof f->to_def);
    f->from = req_arg(rq, "from", &bad);
    if (bad || !f->from || !*f->from)
        f->from = f->from_def;
    else if (reports_parse_date(f->from, &f->tfrom) != 0)
        f->bad_date = 1;
    f->to = req_arg(rq, "to", &bad);
    if (bad || !f->to || !*f->to)
        f->to = f->to_def;
    else if (reports_parse_date(f->to, &f->tto) != 0)
        f->bad_date = 1;
    else
        f->tto += DAY;
    f->q = req_arg(rq, "case_q", &bad);
    if (bad || !f->q)
        f->q = "";
    if (strlen(f->q) > 200)
        f->q = "";
    if (f->bad_date || f->tfrom >= f->tto) {
        f->bad_date = 1;
        f->tto = today + DAY;
        f->tfrom = today - CASES_DAYS * DAY;
    }
}

static void render_cases(struct page *pg, const struct case_filter *f, struct html *count,
                         struct html *out)
{
    struct app *app = pg->rq->app;
    json_t *list = NULL;
    int rc = STORE_ERR_DB;
    if (app->reader) {
        pthread_mutex_lock(&app->reader_lock);
        rc = eventlog_cases_list(app->reader, f->tfrom, f->tto, f->q, CASES_MAX, &list);
        if (rc != STORE_OK)
            fprintf(stderr, "kb-serve: agent cases: %s\n", eventlog_errmsg(app->reader));
        pthread_mutex_unlock(&app->reader_lock);
    }
    if (rc != STORE_OK) {
        html_text(count, page_t(pg, "agent.cases_failed"));
        return;
    }
    json_t *cases = json_object_get(list, "cases");
    size_t n = json_array_size(cases);
    char num[32];
    snprintf(num, sizeof num, "%zu", n);
    page_tf(pg, count, n == 1 ? "agent.cases_one" : n ? "agent.cases_n" : "agent.cases_none",
            "n", num, NULL);
    if (n) {
        html_lit(out, "<div class=\"table-scroll\"><table class=\"data-table cases-table\">\n"
                      "<caption class=\"visually-hidden\">");
        html_text(out, page_t(pg, "agent.cases_title"));
        html_lit(out, "</caption>\n<thead><tr>");
        static const char *const cols[] = {"agent.col.case", "agent.col.subject",
                                           "agent.col.product", "agent.col.created"};
        for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) {
            html_lit(out, "<th scope=\"col\">");
            html_text(out, page_t(pg, cols[i]));
            html_lit(out, "</th>");
        }
        html_lit(out, "</tr></thead>\n<tbody>\n");
        size_t i;
        json_t *c;
        json_array_foreach(cases, i, c)
            render_case_row(pg, c, out);
        html_lit(out, "</tbody>\n</table></div>\n");
    }
    json_decref(list);
}

/* Hidden inputs that carry the other form's state along. */
static void keep_field(struct html *out, const char *name, const char *value)
{
    if (!value || !*value)
        return;
    html_lit(out, "<input type=\"hidden\"");
    html_attr(out, "name", name);
    html_attr(out, "value", value);
    html_lit(out, ">");
}

unsigned page_agent(struct request *rq)
{
    unsigned st;
    struct searchreq sr;
    if ((st = searchreq_parse(rq, &sr, 0)))
        return st;
    struct case_filter f;
    parse_filter(rq, &f);

    /* This page's query without locale and offset, for the switcher
     * and the pager. */
    struct strbuf self = STRBUF_INIT;
    strbuf_adds(&self, "q=");
    escape_url(&self, sr.q ? sr.q : "", 0);
    strbuf_adds(&self, "&from=");
    escape_url(&self, f.from, 0);
    strbuf_adds(&self, "&to=");
    escape_url(&self, f.to, 0);
    strbuf_adds(&self, "&case_q=");
    escape_url(&self, f.q, 0);

    struct page pg;
    staff_page_init(&pg, rq, "/agent", self.buf);
    struct html results = HTML_INIT, cases = HTML_INIT, count = HTML_INIT,
                keep_cases = HTML_INIT, keep_search = HTML_INIT, ferr = HTML_INIT,
                body = HTML_INIT;
    if ((st = render_search(&pg, &sr, self.buf ? self.buf : "", &results))) {
        page_release(&pg);
        goto out;
    }
    render_cases(&pg, &f, &count, &cases);
    keep_field(&keep_cases, "from", f.from == f.from_def ? NULL : f.from);
    keep_field(&keep_cases, "to", f.to == f.to_def ? NULL : f.to);
    keep_field(&keep_cases, "case_q", f.q);
    keep_field(&keep_search, "q", sr.q);
    if (f.bad_date) {
        html_lit(&ferr, "<p class=\"form-error\" role=\"alert\">");
        html_text(&ferr, page_t(&pg, "agent.bad_date"));
        html_lit(&ferr, "</p>");
    }
    page_set_text(&pg, "q", sr.q);
    page_set_text(&pg, "from", f.bad_date ? f.from_def : f.from);
    page_set_text(&pg, "to", f.bad_date ? f.to_def : f.to);
    page_set_text(&pg, "case_q", f.q);
    page_set_html(&pg, "results", &results);
    page_set_html(&pg, "cases", &cases);
    page_set_html(&pg, "cases_count", &count);
    page_set_html(&pg, "keep_cases", &keep_cases);
    page_set_html(&pg, "keep_search", &keep_search);
    page_set_html(&pg, "filter_error", &ferr);
    page_render(&pg, "agent", &body);
    st = page_finish(&pg, 200, page_t(&pg, "agent.title"), &body);
out:
    strbuf_release(&self);
    html_release(&results);
    html_release(&cases);
    html_release(&count);
    html_release(&keep_cases);
    html_release(&keep_search);
    html_release(&ferr);
    html_release(&body);
    return st;
}
