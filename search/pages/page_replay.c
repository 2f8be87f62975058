/* page_replay.c -- a reindex's misses and replay report on the staff
 * pages (page_replay.h). */
#include "page_replay.h"

#include <stdio.h>
#include <string.h>

#include "escape.h"
#include "handle_pool.h"
#include "html.h"
#include "query_check.h"
#include "reindex.h"
#include "request.h"
#include "revcache.h"

static void rank_cell(struct page *pg, json_t *rank, int no_results, struct html *out)
{
    html_lit(out, "<td class=\"num\">");
    if (json_is_integer(rank))
        html_fmt(out, "%lld", (long long)json_integer_value(rank));
    else
        html_text(out, page_t(pg, no_results ? "replay.no_results" : "replay.rank_none"));
    html_lit(out, "</td>");
}

void replay_report_render(struct page *pg, struct staff_articles *sa, json_t *job,
                          struct html *out)
{
    static const char *const cols[] = {"replay.col_query", "replay.col_article",
                                       "replay.col_before", "replay.col_after"};
    json_t *rp = json_object_get(job, "replay"), *c;
    json_t *changes = json_object_get(rp, "changes");
    char q[24], w[24], b[24];
    size_t i;
    /* Counts come with kb-index's summary, when the job has ended. */
    if (!json_is_object(rp) || strcmp(staff_jstr(job, "state"), "running") == 0)
        return;
    snprintf(q, sizeof q, "%lld", (long long)json_integer_value(json_object_get(rp, "queries")));
    snprintf(w, sizeof w, "%lld", (long long)json_integer_value(json_object_get(rp, "worse")));
    snprintf(b, sizeof b, "%lld", (long long)json_integer_value(json_object_get(rp, "better")));
    html_lit(out, "<section class=\"replay-report\">\n<h3 class=\"diag-h\">");
    html_text(out, page_t(pg, "replay.title"));
    html_lit(out, "</h3>\n<p class=\"replay-summary\">");
    page_tf(pg, out, "replay.summary", "queries", q, "worse", w, "better", b, NULL);
    html_lit(out, "</p>\n");
    if (json_array_size(changes)) {
        html_lit(out, "<div class=\"table-scroll\"><table class=\"data-table replay-table\">\n"
                      "<caption class=\"visually-hidden\">");
        html_text(out, page_t(pg, "replay.title"));
        html_lit(out, "</caption>\n<thead><tr>");
        for (size_t k = 0; k < sizeof cols / sizeof cols[0]; k++) {
            if (k < 2)
                html_lit(out, "<th scope=\"col\">");
            else
                html_lit(out, "<th scope=\"col\" class=\"num\">");
            html_text(out, page_t(pg, cols[k]));
            html_lit(out, "</th>");
        }
        html_lit(out, "</tr></thead>\n<tbody>\n");
        json_array_foreach(changes, i, c)
        {
            int worse = json_is_true(json_object_get(c, "worse"));
            html_lit(out, "<tr");
            html_attr(out, "class", worse ? "replay-worse" : "replay-better");
            html_lit(out, "><th scope=\"row\">");
            html_text(out, staff_jstr(c, "query"));
            html_lit(out, " <span class=\"badge\">");
            html_text(out, page_t(pg, worse ? "replay.worse" : "replay.better"));
            html_lit(out, "</span></th><td>");
            staff_article_link(sa, staff_jstr(c, "article"), NULL, NULL, out);
            html_lit(out, "</td>");
            rank_cell(pg, json_object_get(c, "before"), 0, out);
            rank_cell(pg, json_object_get(c, "after"),
                      json_is_true(json_object_get(c, "no_results")), out);
            html_lit(out, "</tr>\n");
        }
        html_lit(out, "</tbody>\n</table></div>\n");
    }
    html_lit(out, "</section>\n");
}

static void on_miss(void *ctx, const char *path, unsigned line, const char *msg)
{
    json_t *list = ctx;
    if (json_array_size(list) < 500)
        json_array_append_new(list, json_pack("{s:s,s:i,s:s}", "file", path, "line", (int)line,
                                              "message", msg));
}

/* The questions articles must answer, searched on the index the
 * service serves (kb-index checks them on every run; this is what a
 * restart or a refused run leaves live): once per index revision. */
static void live_misses(struct page *pg, struct request *rq, struct html *out)
{
    char err[256];
    struct query_check_counts counts;
    kb_stats st;
    json_t *misses = NULL;
    kb_index *ix = handle_pool_get(rq->app->pool, err, sizeof err);
    if (!ix || kb_reopen(ix) != KB_OK || kb_get_stats(ix, &st) != KB_OK) {
        fprintf(stderr, "kb-serve: author dashboard: questions: %s\n",
                ix ? kb_last_error(ix) : err);
        return;
    }
    misses = revcache_get(rq->app->revcache, "misses", st.revision);
    if (!misses) {
        misses = json_array();
        if (!misses ||
            query_check_run(ix, rq->app->cfg.default_locale, on_miss, misses, &counts) != 0) {
            fprintf(stderr, "kb-serve: author dashboard: questions: %s\n", kb_last_error(ix));
            json_decref(misses);
            return;
        }
        revcache_put(rq->app->revcache, "misses", st.revision, misses);
    }
    staff_diags(pg, misses, "replay.misses_h", "query-misses", 3, out);
    if (!json_array_size(misses)) {
        html_lit(out, "<p class=\"empty-note\">");
        html_text(out, page_t(pg, "replay.misses_none"));
        html_lit(out, "</p>\n");
    }
    json_decref(misses);
}

void replay_last_render(struct page *pg, struct request *rq, struct staff_articles *sa,
                        struct html *out)
{
    json_t *job = rq->app->reindex ? reindex_last(rq->app->reindex) : NULL;
    html_lit(out, "<div class=\"last-reindex\">\n");
    live_misses(pg, rq, out);
    html_lit(out, "<h3>");
    html_text(out, page_t(pg, "replay.last_h"));
    html_lit(out, "</h3>\n<p class=\"hint\">");
    if (!job) {
        html_text(out, page_t(pg, "replay.last_none"));
        html_lit(out, "</p>\n</div>\n");
        return;
    }
    int done = strcmp(staff_jstr(job, "state"), "done") == 0;
    html_text(out, page_t(pg, done ? "reindex.finished_h" : "reindex.failed_h"));
    html_lit(out, " ");
    staff_time(pg, out, staff_jstr(job, "finished"), STAFF_DATE_SECONDS);
    html_lit(out, " <a");
    struct strbuf url = STRBUF_INIT;
    strbuf_adds(&url, "/author/reindex/");
    escape_url(&url, staff_jstr(job, "id"), 0);
    html_attr(out, "href", url.buf);
    strbuf_release(&url);
    html_lit(out, ">");
    html_text(out, staff_jstr(job, "id"));
    html_lit(out, "</a></p>\n");
    if (!done && *staff_jstr(job, "message")) {
        html_lit(out, "<p class=\"job-message\" lang=\"en\">");
        html_text(out, staff_jstr(job, "message"));
        html_lit(out, "</p>\n");
    }
    replay_report_render(pg, sa, job, out);
    html_lit(out, "</div>\n");
    json_decref(job);
}
