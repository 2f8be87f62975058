/* page_author.c -- the author dashboard (GET /author): deflection over
 * time as a server-drawn chart with its data table, the top queries,
 * content gaps with the cases filed after them, the least helpful
 * articles, the content-health report, and the reindex form (its job
 * pages are in page_reindex.c).  Authors only. */
#include "admin.h"
#include "escape.h"
#include "eventlog.h"
#include "page_comments.h"
#include "page_learned.h"
#include "page_replay.h"
#include "page_staff.h"
#include "reports.h"
#include "routes.h"
#include "svgchart.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY 86400.0
#define DAYS_SHOWN 30  /* the day view */
#define WEEKS_SHOWN 12 /* the week view */
#define TOP_N 10

static long long jint(json_t *o, const char *key)
{
    return (long long)json_integer_value(json_object_get(o, key));
}

/* A number cell; opt cells are left out on narrow screens. */
static void cell_num(struct html *out, long long n, int opt)
{
    if (opt)
        html_fmt(out, "<td class=\"num opt\">%lld</td>", n);
    else
        html_fmt(out, "<td class=\"num\">%lld</td>", n);
}

/* "42%" of a ratio in the page's language, or "—" when there is
 * nothing to divide. */
static void percent(const struct page *pg, struct html *out, double r, int known)
{
    char buf[48];
    if (known)
        html_text(out, staff_percent(pg, r, buf, sizeof buf));
    else
        html_lit(out, "—");
}

/* Opens a table with a caption (visually hidden when hide_caption)
 * and the header keys; the first column is text, the others numbers.
 * Columns whose bit is set in opt are left out on narrow screens. */
static void table_open(const struct page *pg, struct html *out, const char *caption_key,
                       const char *const *cols, size_t ncols, int hide_caption, unsigned opt)
{
    html_lit(out, "<div class=\"table-scroll\"><table class=\"data-table\">\n<caption");
    if (hide_caption)
        html_lit(out, " class=\"visually-hidden\"");
    html_lit(out, ">");
    html_text(out, page_t(pg, caption_key));
    html_lit(out, "</caption>\n<thead><tr>");
    for (size_t i = 0; i < ncols; i++) {
        if (!i)
            html_lit(out, "<th scope=\"col\">");
        else if (opt & (1u << i))
            html_lit(out, "<th scope=\"col\" class=\"num opt\">");
        else
            html_lit(out, "<th scope=\"col\" class=\"num\">");
        html_text(out, page_t(pg, cols[i]));
        html_lit(out, "</th>");
    }
    html_lit(out, "</tr></thead>\n<tbody>\n");
}

static void table_close(struct html *out)
{
    html_lit(out, "</tbody>\n</table></div>\n");
}

static void empty_note(const struct page *pg, struct html *out, const char *key)
{
    html_lit(out, "<p class=\"empty-note\">");
    html_text(out, page_t(pg, key));
    html_lit(out, "</p>\n");
}

/* What the deflection report makes: the summary tiles, the note on
 * visits still pending, the chart's legend, the chart and its table. */
struct deflection_parts {
    struct html tiles, note, legend, chart, table;
};

/* The chart, the summary tiles and the data table of the deflection
 * report. */
static void render_deflection(struct page *pg, json_t *rep, int weekly,
                              struct deflection_parts *d)
{
    json_t *ivs = json_object_get(rep, "intervals"), *tot = json_object_get(rep, "total");
    size_t n = json_array_size(ivs);
    double *vals = calloc(4 * (n ? n : 1), sizeof *vals);
    const char **labels = calloc(n ? n : 1, sizeof *labels);
    char(*lab)[32] = calloc(n ? n : 1, sizeof *lab);
    if (!vals || !labels || !lab) {
        free(vals);
        free(labels);
        free(lab);
        html_fail(&d->chart);
        return;
    }
    static const char *const cols[] = {"author.col.period", "author.col.visits",
                                       "author.col.confirmed", "author.col.potential",
                                       "author.col.none", "author.col.pending",
                                       "author.col.rate"};
    struct html *table = &d->table;
    table_open(pg, table, weekly ? "author.table_week" : "author.table_day", cols, 7, 0,
               1u << 1 | 1u << 5);
    size_t i;
    json_t *iv;
    json_array_foreach(ivs, i, iv)
    {
        long long c = jint(iv, "confirmed"), p = jint(iv, "potential"), no = jint(iv, "none");
        vals[i] = (double)c;
        vals[n + i] = (double)p;
        vals[2 * n + i] = (double)no;
        vals[3 * n + i] = c + p + no ? json_real_value(json_object_get(iv, "deflection_rate"))
                                     : -1;
        const char *start = staff_jstr(iv, "start");
        char day[64];
        labels[i] = staff_date(pg, start, 1, lab[i], sizeof lab[i]);
        html_lit(table, "<tr><th scope=\"row\"><time");
        html_attr(table, "datetime", start);
        html_lit(table, ">");
        html_text(table, staff_date(pg, start, 0, day, sizeof day));
        html_lit(table, "</time></th>");
        cell_num(table, jint(iv, "visits"), 1);
        cell_num(table, c, 0);
        cell_num(table, p, 0);
        cell_num(table, no, 0);
        cell_num(table, jint(iv, "pending"), 1);
        html_lit(table, "<td class=\"num\">");
        percent(pg, table, vals[3 * n + i], c + p + no > 0);
        html_lit(table, "</td></tr>\n");
    }
    table_close(table);

    const struct svgchart_series bars[] = {
        {page_t(pg, "author.confirmed"), "#146c2e", vals},
        {page_t(pg, "author.potential"), "#3f86cc", vals + n},
        {page_t(pg, "author.none"), "#c2410c", vals + 2 * n},
    };
    const struct svgchart_series rate = {page_t(pg, "author.rate"), "#17202e", vals + 3 * n};
    long long c = jint(tot, "confirmed"), p = jint(tot, "potential"), no = jint(tot, "none");
    double r = json_real_value(json_object_get(tot, "deflection_rate"));
    char nums[4][48];
    snprintf(nums[0], sizeof nums[0], "%lld", c);
    snprintf(nums[1], sizeof nums[1], "%lld", p);
    snprintf(nums[2], sizeof nums[2], "%lld", no);
    staff_percent(pg, r, nums[3], sizeof nums[3]);
    struct html desc = HTML_INIT;
    page_tf(pg, &desc, weekly ? "author.chart_desc_week" : "author.chart_desc_day", "confirmed",
            nums[0], "potential", nums[1], "none", nums[2], "rate",
            c + p + no ? nums[3] : "—", NULL);
    struct svgchart ch = {
        .id = "deflection-chart",
        .title = page_t(pg, weekly ? "author.chart_title_week" : "author.chart_title_day"),
        .desc = &desc,
        .n = n,
        .labels = labels,
        .bars = bars,
        .nbars = 3,
        .line = &rate,
        .left_title = page_t(pg, "author.axis_visits"),
        .right_title = page_t(pg, "author.axis_rate"),
        .percent = page_t(pg, "num.percent"),
    };
    svgchart_legend(&ch, &d->legend);
    svgchart_render(&ch, &d->chart);

    const struct {
        const char *key, *value, *cls;
    } tl[] = {{"author.rate", c + p + no ? nums[3] : "—", "tile tile-rate"},
              {"author.confirmed", nums[0], "tile tile-confirmed"},
              {"author.potential", nums[1], "tile tile-potential"},
              {"author.none", nums[2], "tile tile-none"}};
    for (size_t k = 0; k < sizeof tl / sizeof tl[0]; k++) {
        html_lit(&d->tiles, "<li");
        html_attr(&d->tiles, "class", tl[k].cls);
        html_lit(&d->tiles, "><span class=\"tile-label\">");
        html_text(&d->tiles, page_t(pg, tl[k].key));
        html_lit(&d->tiles, "</span><span class=\"tile-value\">");
        html_text(&d->tiles, tl[k].value);
        html_lit(&d->tiles, "</span></li>\n");
    }
    long long pending = jint(tot, "pending");
    if (pending > 0) {
        char pn[24];
        snprintf(pn, sizeof pn, "%lld", pending);
        html_lit(&d->note, "<p class=\"pending-note\">");
        page_tf(pg, &d->note, pending == 1 ? "author.pending_one" : "author.pending", "n", pn,
                NULL);
        html_lit(&d->note, "</p>");
    }
    html_release(&desc);
    free(vals);
    free(labels);
    free(lab);
}

static void render_queries(struct page *pg, json_t *rep, struct html *out)
{
    json_t *list = json_object_get(rep, "queries");
    if (!json_array_size(list)) {
        empty_note(pg, out, "author.no_queries");
        return;
    }
    static const char *const cols[] = {"author.col.query", "author.col.searches",
                                       "author.col.results", "author.col.ctr",
                                       "author.col.cases"};
    table_open(pg, out, "author.queries_title", cols, 5, 1, 1u << 2 | 1u << 3);
    size_t i;
    json_t *q;
    json_array_foreach(list, i, q)
    {
        if (i >= TOP_N)
            break;
        html_lit(out, "<tr><th scope=\"row\" class=\"query\">");
        html_text(out, staff_jstr(q, "query"));
        html_lit(out, "</th>");
        cell_num(out, jint(q, "count"), 0);
        if (json_is_integer(json_object_get(q, "results")))
            cell_num(out, jint(q, "results"), 1);
        else
            html_lit(out, "<td class=\"num opt\">—</td>");
        html_lit(out, "<td class=\"num opt\">");
        percent(pg, out, json_real_value(json_object_get(q, "ctr")), 1);
        html_lit(out, "</td>");
        cell_num(out, jint(q, "none"), 0);
        html_lit(out, "</tr>\n");
    }
    table_close(out);
}

/* The cases filed after a gap's query: links to the console's case
 * search for each subject. */
static void gap_cases(struct page *pg, json_t *cases, struct html *out)
{
    size_t k;
    json_t *s;
    struct strbuf url = STRBUF_INIT;
    html_lit(out, "<p class=\"gap-cases-h\">");
    html_text(out, page_t(pg, "author.gap_cases"));
    html_lit(out, "</p><ul class=\"gap-cases\">");
    json_array_foreach(cases, k, s)
    {
        const char *subject = json_string_value(s) ? json_string_value(s) : "";
        strbuf_release(&url);
        strbuf_adds(&url, "/agent?case_q=");
        escape_url(&url, subject, 0);
        strbuf_adds(&url, "&locale=");
        escape_url(&url, pg->locale, 0);
        html_lit(out, "<li><a");
        html_attr(out, "href", url.buf);
        html_lit(out, ">");
        html_text(out, subject);
        html_lit(out, "</a></li>");
    }
    html_lit(out, "</ul>");
    if (strbuf_failed(&url))
        html_fail(out);
    strbuf_release(&url);
}

static void render_gaps(struct page *pg, json_t *rep, struct html *out)
{
    json_t *list = json_object_get(rep, "gaps");
    if (!json_array_size(list)) {
        empty_note(pg, out, "author.no_gaps");
        return;
    }
    static const char *const cols[] = {"author.col.query", "author.col.searches",
                                       "author.col.zero", "author.col.noclick"};
    html_lit(out, "<ol class=\"gap-list\">\n");
    size_t i;
    json_t *g;
    json_array_foreach(list, i, g)
    {
        if (i >= TOP_N)
            break;
        html_lit(out, "<li class=\"gap\"><p class=\"gap-query\">“");
        html_text(out, staff_jstr(g, "query"));
        html_lit(out, "”</p><dl class=\"gap-stats\">");
        for (size_t k = 1; k < sizeof cols / sizeof cols[0]; k++) {
            static const char *const keys[] = {"", "count", "zero_results", "no_click"};
            html_lit(out, "<div><dt>");
            html_text(out, page_t(pg, cols[k]));
            html_fmt(out, "</dt><dd>%lld</dd></div>", jint(g, keys[k]));
        }
        html_lit(out, "</dl>");
        json_t *cases = json_object_get(g, "cases");
        if (json_array_size(cases))
            gap_cases(pg, cases, out);
        html_lit(out, "</li>\n");
    }
    html_lit(out, "</ol>\n");
}

static int least_cmp(const void *a, const void *b)
{
    json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    long long d = jint(y, "helpful_no") - jint(x, "helpful_no");
    if (!d)
        d = jint(x, "helpful_yes") - jint(y, "helpful_yes");
    if (!d) /* an article before its sections */
        d = strcmp(staff_jstr(x, "article"), staff_jstr(y, "article"));
    if (!d)
        d = strcmp(staff_jstr(x, "section"), staff_jstr(y, "section"));
    return d < 0 ? -1 : d > 0;
}

static void render_least(struct page *pg, struct staff_articles *sa, json_t *rep,
                         struct html *out)
{
    json_t *list = json_object_get(rep, "articles");
    size_t n = 0, i;
    json_t *a, **v = calloc(json_array_size(list) + 1, sizeof *v);
    if (!v) {
        html_fail(out);
        return;
    }
    json_array_foreach(list, i, a)
        if (jint(a, "helpful_no") > 0)
            v[n++] = a;
    if (!n) {
        free(v);
        empty_note(pg, out, "author.no_votes");
        return;
    }
    qsort(v, n, sizeof *v, least_cmp);
    static const char *const cols[] = {"author.col.article", "author.col.no",
                                       "author.col.yes", "author.col.views"};
    table_open(pg, out, "author.least_title", cols, 4, 1, 1u << 3);
    for (i = 0; i < n && i < TOP_N; i++) {
        html_lit(out, "<tr><th scope=\"row\">");
        staff_article_link(sa, staff_jstr(v[i], "article"), NULL, staff_jstr(v[i], "section"),
                           out);
        html_lit(out, "</th>");
        cell_num(out, jint(v[i], "helpful_no"), 0);
        cell_num(out, jint(v[i], "helpful_yes"), 0);
        cell_num(out, jint(v[i], "views") + jint(v[i], "clicks"), 1);
        html_lit(out, "</tr>\n");
    }
    table_close(out);
    free(v);
}

/* A broken link's problem ("missing anchor") in the page's language:
 * author.problem.missing_anchor; the problem itself when there is no
 * such string. */
static const char *problem_name(const struct page *pg, const char *problem)
{
    char key[80];
    int n = snprintf(key, sizeof key, "author.problem.%s", problem);
    if (n < 0 || (size_t)n >= sizeof key)
        return problem;
    for (char *p = key; *p; p++)
        if (*p == ' ')
            *p = '_';
    const char *s = page_t(pg, key);
    return s == key ? problem : s;
}

/* One group of the content-health report: a count and its items. */
static void health_group(struct page *pg, struct staff_articles *sa, json_t *items,
                         const char *key, struct html *out)
{
    size_t n = json_array_size(items), i;
    json_t *it;
    if (n)
        html_lit(out, "<details class=\"health-group has-items\">");
    else
        html_lit(out, "<details class=\"health-group\">");
    html_fmt(out, "<summary><span class=\"health-count\">%zu</span> "
                  "<span class=\"health-label\">", n);
    html_text(out, page_t(pg, key));
    html_lit(out, "</span></summary>\n");
    if (!n)
        empty_note(pg, out, "author.health_none");
    else
        html_lit(out, "<ul class=\"health-items\">\n");
    json_array_foreach(items, i, it)
    {
        html_lit(out, "<li>");
        staff_article_link(sa, staff_jstr(it, "article"), staff_jstr(it, "locale"), NULL, out);
        if (*staff_jstr(it, "target")) {
            html_lit(out, " <span class=\"health-detail\">");
            char line[24];
            snprintf(line, sizeof line, "%lld", jint(it, "line"));
            page_tf(pg, out, "author.health_link", "target", staff_jstr(it, "target"),
                    "problem", problem_name(pg, staff_jstr(it, "problem")), "line", line,
                    NULL);
            html_lit(out, "</span>");
        } else if (*staff_jstr(it, "source_updated")) {
            html_lit(out, " <span class=\"health-detail\">");
            char updated[64], source[64];
            page_tf(pg, out, "author.health_stale", "locale",
                    page_locale_name(pg, staff_jstr(it, "locale")), "updated",
                    staff_date(pg, staff_jstr(it, "updated"), 0, updated, sizeof updated),
                    "source",
                    staff_date(pg, staff_jstr(it, "source_updated"), 0, source, sizeof source),
                    NULL);
            html_lit(out, "</span>");
        }
        html_lit(out, "</li>\n");
    }
    if (n)
        html_lit(out, "</ul>\n");
    html_lit(out, "</details>\n");
}

static void render_health(struct page *pg, struct staff_articles *sa, struct html *out)
{
    json_t *rep = NULL;
    if (admin_content_report(pg->rq->app, DAYS_SHOWN, &rep) != ADMIN_OK) {
        empty_note(pg, out, "author.health_failed");
        return;
    }
    health_group(pg, sa, json_object_get(rep, "broken_links"), "author.health_broken", out);
    health_group(pg, sa, json_object_get(rep, "missing_description"), "author.health_nodesc",
                 out);
    health_group(pg, sa, json_object_get(rep, "stale_translations"), "author.health_stale_h",
                 out);
    health_group(pg, sa, json_object_get(rep, "never_clicked"), "author.health_never", out);
    json_decref(rep);
}

/* The four reports, read under the reader lock in one go. */
struct reports {
    json_t *deflection, *queries, *gaps, *articles;
};

static int load_reports(struct app *app, int weekly, struct reports *r)
{
    double now = now_wall(), window = app->cfg.deflection_window;
    double to = (double)((long long)(now / DAY) + 1) * DAY;
    double from = to - (weekly ? WEEKS_SHOWN * 7 : DAYS_SHOWN) * DAY;
    double qfrom = to - DAYS_SHOWN * DAY;
    memset(r, 0, sizeof *r);
    if (!app->reader)
        return -1;
    pthread_mutex_lock(&app->reader_lock);
    int rc = reports_deflection(app->reader, from, to, weekly ? REPORTS_WEEK : REPORTS_DAY,
                                window, now, &r->deflection);
    if (rc == STORE_OK)
        rc = reports_queries(app->reader, qfrom, to, window, now, TOP_N, &r->queries);
    if (rc == STORE_OK)
        rc = reports_gaps(app->reader, qfrom, to, TOP_N, &r->gaps);
    if (rc == STORE_OK)
        rc = reports_articles(app->reader, qfrom, to, window, now, &r->articles);
    if (rc != STORE_OK)
        fprintf(stderr, "kb-serve: author dashboard: %s\n", eventlog_errmsg(app->reader));
    pthread_mutex_unlock(&app->reader_lock);
    return rc == STORE_OK ? 0 : -1;
}

static void reports_release(struct reports *r)
{
    json_decref(r->deflection);
    json_decref(r->queries);
    json_decref(r->gaps);
    json_decref(r->articles);
}

unsigned page_author(struct request *rq)
{
    unsigned st;
    int bad;
    const char *interval = req_arg(rq, "interval", &bad);
    int weekly = !bad && interval && strcmp(interval, "week") == 0;
    struct page pg;
    staff_page_init(&pg, rq, "/author", weekly ? "interval=week" : NULL);
    struct reports r;
    if (load_reports(rq->app, weekly, &r) != 0) {
        reports_release(&r);
        rq->error_code = "report_failed";
        return staff_message(&pg, 500, "author.failed_title", "author.failed", "/author");
    }
    struct staff_articles sa;
    staff_articles_init(&sa, &pg);
    struct deflection_parts d = {HTML_INIT, HTML_INIT, HTML_INIT, HTML_INIT, HTML_INIT};
    struct html queries = HTML_INIT, gaps = HTML_INIT, least = HTML_INIT, health = HTML_INIT,
                disabled = HTML_INIT, body = HTML_INIT, learned = HTML_INIT;
    struct strbuf day_url = STRBUF_INIT, week_url = STRBUF_INIT;
    render_deflection(&pg, r.deflection, weekly, &d);
    render_queries(&pg, r.queries, &queries);
    render_gaps(&pg, r.gaps, &gaps);
    render_least(&pg, &sa, r.articles, &least);
    struct html comments = HTML_INIT;
    comments_render(&pg, &sa, r.articles, &comments);
    page_set_html(&pg, "comments", &comments);
    render_health(&pg, &sa, &health);
    learned_render(&pg, rq, &sa, &learned);
    struct html last = HTML_INIT;
    replay_last_render(&pg, rq, &sa, &last);
    page_set_html(&pg, "last_reindex", &last);
    html_release(&last);
    page_url(&pg, &day_url, "/author");
    page_url(&pg, &week_url, "/author?interval=week");
    struct strbuf links_url = STRBUF_INIT;
    page_url(&pg, &links_url, "/author/links");
    page_set_text(&pg, "links_url", links_url.buf ? links_url.buf : "/author/links");
    strbuf_release(&links_url);
    if (!rq->app->reindex)
        html_lit(&disabled, " disabled");
    page_set_html(&pg, "tiles", &d.tiles);
    page_set_html(&pg, "pending_note", &d.note);
    page_set_html(&pg, "legend", &d.legend);
    page_set_html(&pg, "chart", &d.chart);
    page_set_html(&pg, "chart_table", &d.table);
    page_set_html(&pg, "queries", &queries);
    page_set_html(&pg, "gaps", &gaps);
    page_set_html(&pg, "least", &least);
    page_set_html(&pg, "health", &health);
    page_set_html(&pg, "learned", &learned);
    page_set_text(&pg, "day_url", day_url.buf);
    page_set_text(&pg, "week_url", week_url.buf);
    page_set_text(&pg, "day_current", weekly ? "false" : "page");
    page_set_text(&pg, "week_current", weekly ? "page" : "false");
    page_set_text(&pg, "period", page_t(&pg, weekly ? "author.period_week" : "author.period_day"));
    page_set_text(&pg, "user_csrf", rq->user.csrf);
    page_set_html(&pg, "reindex_disabled", &disabled);
    page_set_text(&pg, "reindex_note", rq->app->reindex ? "" : page_t(&pg, "author.reindex_off"));
    page_render(&pg, "author", &body);
    st = page_finish(&pg, 200, page_t(&pg, "author.title"), &body);
    staff_articles_release(&sa);
    reports_release(&r);
    html_release(&d.tiles);
    html_release(&d.note);
    html_release(&d.legend);
    html_release(&d.chart);
    html_release(&d.table);
    html_release(&queries);
    html_release(&gaps);
    html_release(&least);
    html_release(&comments);
    html_release(&health);
    html_release(&learned);
    html_release(&disabled);
    html_release(&body);
    strbuf_release(&day_url);
    strbuf_release(&week_url);
    return st;
}
