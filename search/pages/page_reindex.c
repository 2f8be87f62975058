/* page_reindex.c -- reindexing from the author dashboard without
 * JavaScript: POST /author/reindex starts the job (like POST
 * /api/admin/reindex, with the session's CSRF token as a form field)
 * and sends the browser to GET /author/reindex/{id}, a status page that
 * refreshes itself until the job has finished.  With JavaScript the
 * dashboard uses the JSON API and draws the same progress in place. */
#include "auth.h"
#include "escape.h"
#include "page_replay.h"
#include "page_staff.h"
#include "reindex.h"
#include "routes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

unsigned page_reindex_post(struct request *rq)
{
    json_t *body = NULL;
    unsigned st;
    if (rq->body.len && (st = req_body_object(rq, &body)))
        return st;
    struct page pg;
    staff_page_init(&pg, rq, "/author", NULL);
    if (auth_check_csrf(rq, body)) {
        json_decref(body);
        return staff_message(&pg, 403, "form.expired_title", "form.expired", "/author");
    }
    const char *full = json_string_value(json_object_get(body, "full"));
    int f = full && strcmp(full, "true") == 0;
    const char *gate = json_string_value(json_object_get(body, "gate"));
    int g = gate && strcmp(gate, "true") == 0;
    json_decref(body);
    if (!rq->app->reindex) {
        rq->error_code = "reindex_unavailable";
        return staff_message(&pg, 409, "author.reindex_title", "author.reindex_off", "/author");
    }
    char id[64];
    int rc = reindex_start_gate(rq->app->reindex, f, 1, g, id, sizeof id);
    if (rc < 0) {
        fprintf(stderr, "kb-serve: reindex: %s\n", id);
        rq->error_code = "reindex_failed";
        return staff_message(&pg, 500, "author.reindex_title", "author.reindex_failed",
                             "/author");
    }
    page_release(&pg);
    /* A running job (rc 1) is shown too: one reindex at a time.  The
     * status page is in the same language: the locale cookie. */
    struct strbuf to = STRBUF_INIT;
    strbuf_adds(&to, "/author/reindex/");
    escape_url(&to, id, 0);
    reply_header(rq, "Location", to.buf ? to.buf : "/author");
    strbuf_release(&to);
    strbuf_release(&rq->out);
    strbuf_adds(&rq->out, "Reindex started.\n");
    rq->content_type = "text/plain; charset=utf-8";
    return 303;
}

static void add_summary(struct page *pg, json_t *sum, struct html *out)
{
    static const char *const keys[] = {"indexed", "unchanged", "deleted", "errors", "warnings",
                                       "articles"};
    if (!json_is_object(sum))
        return;
    html_lit(out, "<dl class=\"job-stats\">\n");
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        char key[48];
        snprintf(key, sizeof key, "reindex.%s", keys[i]);
        html_lit(out, "<div><dt>");
        html_text(out, page_t(pg, key));
        html_fmt(out, "</dt><dd>%lld</dd></div>\n",
                 (long long)json_integer_value(json_object_get(sum, keys[i])));
    }
    html_lit(out, "</dl>\n");
}

unsigned page_reindex_get(struct request *rq)
{
    unsigned st;
    const char *id = rq->path + strlen("/author/reindex/");
    struct page pg;
    staff_page_init(&pg, rq, rq->path, NULL);
    json_t *job = rq->app->reindex && strlen(id) < 32 ? reindex_status(rq->app->reindex, id)
                                                      : NULL;
    if (!job) {
        rq->error_code = "not_found";
        return staff_message(&pg, 404, "author.reindex_title", "reindex.missing", "/author");
    }
    const char *state = staff_jstr(job, "state");
    int running = strcmp(state, "running") == 0;
    json_t *prog = json_object_get(job, "progress");
    long long done = (long long)json_integer_value(json_object_get(prog, "done"));
    long long total = (long long)json_integer_value(json_object_get(prog, "total"));
    struct html progress = HTML_INIT, text = HTML_INIT, details = HTML_INIT, head = HTML_INIT,
                body = HTML_INIT;
    char d[24], t[24];
    snprintf(d, sizeof d, "%lld", done);
    snprintf(t, sizeof t, "%lld", total);
    html_lit(&progress, "<progress class=\"job-progress\" aria-labelledby=\"job-h\"");
    if (total > 0)
        html_fmt(&progress, " max=\"%lld\" value=\"%lld\">", total, running ? done : total);
    else if (running)
        html_lit(&progress, " max=\"1\">");
    else
        html_lit(&progress, " max=\"1\" value=\"1\">");
    html_lit(&progress, "</progress>");
    if (running)
        page_tf(&pg, &text, total > 0 ? "reindex.progress" : "reindex.starting", "done", d,
                "total", t, NULL);
    else
        html_text(&text, page_t(&pg, strcmp(state, "done") == 0 ? "reindex.done"
                                                               : "reindex.failed"));
    /* Why a job failed, for a web reader: the known reasons in the
     * page's language, anything else in kb-index's words. */
    const char *reason = staff_jstr(job, "reason");
    if (!running && strcmp(reason, "file_errors") == 0) {
        char nf[24];
        snprintf(nf, sizeof nf, "%lld",
                 (long long)json_integer_value(json_object_get(job, "failed_files")));
        html_lit(&details, "<p class=\"job-message\">");
        page_tf(&pg, &details,
                strcmp(nf, "1") == 0 ? "reindex.failed_files_one" : "reindex.failed_files", "n",
                nf, NULL);
        html_lit(&details, "</p>\n");
    } else if (!running && strcmp(reason, "not_run") == 0) {
        html_lit(&details, "<p class=\"job-message\">");
        html_text(&details, page_t(&pg, "reindex.not_run"));
        html_lit(&details, "</p>\n");
    } else if (!running && *staff_jstr(job, "message")) {
        html_lit(&details, "<p class=\"job-message\">");
        staff_tool_text(&details, staff_jstr(job, "message"));
        html_lit(&details, "</p>\n");
    }
    add_summary(&pg, json_object_get(job, "summary"), &details);
    staff_diags(&pg, json_object_get(job, "errors"), "reindex.errors_h", "diag-errors", 2,
                &details);
    staff_diags(&pg, json_object_get(job, "warnings"), "reindex.warnings_h", "diag-warnings", 2,
                &details);
    struct staff_articles sa;
    staff_articles_init(&sa, &pg);
    staff_diags(&pg, json_object_get(job, "query_misses"), "replay.misses_h", "query-misses", 3,
                &details);
    replay_report_render(&pg, &sa, job, &details);
    staff_articles_release(&sa);
    /* No JavaScript here: the page reloads itself while the job runs. */
    if (running)
        html_lit(&head, "<meta http-equiv=\"refresh\" content=\"1\">\n");
    page_set_html(&pg, "head", &head);
    struct strbuf back = STRBUF_INIT;
    page_url(&pg, &back, "/author");
    page_set_text(&pg, "back_url", back.buf);
    strbuf_release(&back);
    page_set_text(&pg, "job_id", staff_jstr(job, "id"));
    page_set_text(&pg, "state", state);
    page_set_html(&pg, "progress", &progress);
    page_set_html(&pg, "status_text", &text);
    page_set_html(&pg, "details", &details);
    page_set_text(&pg, "heading", page_t(&pg, running ? "reindex.running_h"
                                              : strcmp(state, "done") == 0 ? "reindex.finished_h"
                                                                           : "reindex.failed_h"));
    page_render(&pg, "reindex-status", &body);
    st = page_finish(&pg, 200, page_t(&pg, "author.reindex_title"), &body);
    html_release(&progress);
    html_release(&text);
    html_release(&details);
    html_release(&head);
    html_release(&body);
    json_decref(job);
    return st;
}
