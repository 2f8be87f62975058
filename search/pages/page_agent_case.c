/* page_agent_case.c -- one case for an agent (GET /agent/cases/{id}):
 * its fields, and the customer's trail before it in time order -- the
 * queries, the articles and sections read, votes with their reasons and
 * comments, the articles the case form suggested and "this solved my
 * problem" -- so the agent never asks for what was already tried. */
#include "escape.h"
#include "eventlog.h"
#include "page_staff.h"
#include "routes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What the trail counts for the summary above it. */
struct trail_counts {
    unsigned searches, reads, votes, attempts;
};

/* The text of one step, escaped, with {query} and {n} filled in. */
static void step_text(struct page *pg, struct html *out, const char *key, json_t *ev)
{
    char n[32] = "";
    json_t *num = json_object_get(ev, "results");
    if (!num)
        num = json_object_get(ev, "rank");
    if (json_is_integer(num))
        snprintf(n, sizeof n, "%lld", (long long)json_integer_value(num));
    page_tf(pg, out, key, "query", staff_jstr(ev, "query"), "n", n, NULL);
}

/* One step of the trail as an <li>, counted in *tc. */
static void render_step(struct page *pg, struct staff_articles *sa, json_t *ev,
                        struct trail_counts *tc, char day[11], struct html *out)
{
    const char *type = staff_jstr(ev, "type");
    const char *loc = staff_jstr(ev, "locale");
    const char *article = json_string_value(json_object_get(ev, "article"));
    const char *section = json_string_value(json_object_get(ev, "section"));
    struct html text = HTML_INIT, extra = HTML_INIT;
    const char *label = "trail.kind.other", *cls = "other";

    if (strcmp(type, "search") == 0) {
        label = "trail.kind.search";
        cls = "search";
        tc->searches++;
        json_t *r = json_object_get(ev, "results");
        step_text(pg, &text, json_is_integer(r) && json_integer_value(r) == 0
                                 ? "trail.search_none"
                                 : "trail.search", ev);
        if (json_is_integer(r) && json_integer_value(r) != 0) {
            html_lit(&extra, "<span class=\"trail-note\">");
            step_text(pg, &extra, json_integer_value(r) == 1 ? "trail.results_one"
                                                             : "trail.results", ev);
            html_lit(&extra, "</span>");
        }
    } else if (strcmp(type, "click") == 0) {
        label = "trail.kind.read";
        cls = "read";
        tc->reads++;
        step_text(pg, &text, json_object_get(ev, "rank") ? "trail.click" : "trail.click_norank",
                  ev);
        html_lit(&text, " ");
        staff_article_link(sa, article, loc, section, &text);
    } else if (strcmp(type, "view") == 0) {
        label = "trail.kind.read";
        cls = "read";
        tc->reads++;
        html_text(&text, page_t(pg, "trail.view"));
        html_lit(&text, " ");
        staff_article_link(sa, article, loc, section, &text);
    } else if (strcmp(type, "vote") == 0) {
        int yes = json_is_true(json_object_get(ev, "helpful"));
        label = "trail.kind.vote";
        cls = yes ? "vote-yes" : "vote-no";
        tc->votes++;
        html_text(&text, page_t(pg, yes ? "trail.vote_yes" : "trail.vote_no"));
        html_lit(&text, " ");
        staff_article_link(sa, article, loc, section, &text);
        const char *reason = json_string_value(json_object_get(ev, "reason"));
        const char *comment = json_string_value(json_object_get(ev, "comment"));
        if (reason && *reason) {
            char key[64];
            snprintf(key, sizeof key, "fb.reason.%.40s", reason);
            html_lit(&extra, "<span class=\"trail-note\">");
            html_text(&extra, page_t(pg, "trail.reason"));
            html_lit(&extra, " ");
            html_text(&extra, page_t(pg, key));
            html_lit(&extra, "</span>");
        }
        if (comment && *comment) {
            html_lit(&extra, "<blockquote class=\"trail-comment\">");
            html_text(&extra, comment);
            html_lit(&extra, "</blockquote>");
        }
    } else if (strcmp(type, "case_form") == 0) {
        label = "trail.kind.form";
        cls = "form";
        html_text(&text, page_t(pg, "trail.case_form"));
    } else if (strcmp(type, "suggest") == 0) {
        label = "trail.kind.attempt";
        cls = "attempt";
        tc->attempts++;
        json_t *shown = json_object_get(ev, "articles");
        step_text(pg, &text, json_array_size(shown) ? "trail.suggest" : "trail.suggest_none",
                  ev);
        if (json_array_size(shown)) {
            html_lit(&extra, "<ul class=\"trail-shown\">");
            size_t i;
            json_t *a;
            json_array_foreach(shown, i, a)
            {
                html_lit(&extra, "<li>");
                staff_article_link(sa, json_string_value(a), loc, NULL, &extra);
                html_lit(&extra, "</li>");
            }
            html_lit(&extra, "</ul>");
        }
    } else if (strcmp(type, "deflect") == 0) {
        label = "trail.kind.attempt";
        cls = "attempt";
        tc->attempts++;
        html_text(&text, page_t(pg, strcmp(staff_jstr(ev, "source"), "case_form") == 0
                                          ? "trail.deflect_form"
                                          : "trail.deflect"));
        if (article) {
            html_lit(&text, " ");
            staff_article_link(sa, article, loc, section, &text);
        }
    } else if (strcmp(type, "this_case") == 0) {
        label = "trail.kind.case";
        cls = "case";
        html_text(&text, page_t(pg, "trail.this_case"));
    } else if (strcmp(type, "case") == 0) {
        label = "trail.kind.case";
        cls = "case";
        const char *cid = staff_jstr(ev, "case_id");
        html_text(&text, page_t(pg, "trail.case"));
        if (*cid) {
            struct strbuf url = STRBUF_INIT;
            strbuf_adds(&url, "/agent/cases/");
            escape_url(&url, cid, 0);
            strbuf_adds(&url, "?locale=");
            escape_url(&url, pg->locale, 0);
            html_lit(&text, " <a");
            html_attr(&text, "href", url.buf);
            html_lit(&text, ">");
            html_text(&text, cid);
            html_lit(&text, "</a>");
            strbuf_release(&url);
        }
    } else {
        html_text(&text, type);
    }
    char cls_attr[64];
    snprintf(cls_attr, sizeof cls_attr, "trail-step trail-%s", cls);
    html_lit(out, "<li");
    html_attr(out, "class", cls_attr);
    html_lit(out, ">\n<p class=\"trail-head\">");
    /* A visit can span days: the date is shown when it changes. */
    const char *when = staff_jstr(ev, "time");
    int new_day = strncmp(when, day, 10) != 0;
    if (new_day)
        snprintf(day, 11, "%.10s", when);
    staff_time(pg, out, when, new_day ? STAFF_DATE_SECONDS : STAFF_TIME);
    html_lit(out, "<span class=\"trail-kind\">");
    html_text(out, page_t(pg, label));
    html_lit(out, "</span></p>\n<p class=\"trail-text\">");
    html_append(out, &text);
    html_lit(out, "</p>");
    html_append(out, &extra);
    html_lit(out, "\n</li>\n");
    html_release(&text);
    html_release(&extra);
}

/* One <div> of the case's fields ("—" when value is empty); releases
 * value for the next field. */
static void field(struct page *pg, struct html *out, const char *key, struct html *value)
{
    html_lit(out, "<div><dt>");
    html_text(out, page_t(pg, key));
    html_lit(out, "</dt><dd>");
    if (html_len(value) || html_failed(value))
        html_append(out, value);
    else
        html_lit(out, "—");
    html_lit(out, "</dd></div>\n");
    html_release(value);
}

static void render_fields(struct page *pg, json_t *c, struct html *out)
{
    struct html v = HTML_INIT;
    const char *email = staff_jstr(c, "email");
    if (*email) {
        struct strbuf mailto = STRBUF_INIT;
        strbuf_adds(&mailto, "mailto:");
        strbuf_adds(&mailto, email);
        html_lit(&v, "<a");
        html_attr(&v, "href", mailto.buf);
        html_lit(&v, ">");
        html_text(&v, email);
        html_lit(&v, "</a>");
        if (strbuf_failed(&mailto))
            html_fail(&v);
        strbuf_release(&mailto);
    }
    field(pg, out, "agent.case.email", &v);
    staff_time(pg, &v, staff_jstr(c, "created"), STAFF_DATE_TIME);
    field(pg, out, "agent.case.created", &v);
    html_text(&v, staff_product_name(pg, staff_jstr(c, "product")));
    field(pg, out, "agent.case.product", &v);
    const char *loc = staff_jstr(c, "locale");
    if (*loc)
        html_text(&v, page_locale_name(pg, loc));
    field(pg, out, "agent.case.locale", &v);
}

/* The summary line above the trail: counts of each kind of step. */
static void render_summary(struct page *pg, const struct trail_counts *tc, struct html *out)
{
    const struct {
        unsigned n;
        const char *key;
    } items[] = {{tc->searches, "agent.case.n_searches"},
                 {tc->reads, "agent.case.n_reads"},
                 {tc->votes, "agent.case.n_votes"},
                 {tc->attempts, "agent.case.n_attempts"}};
    for (size_t i = 0; i < sizeof items / sizeof items[0]; i++) {
        char key[64];
        snprintf(key, sizeof key, "%s%s", items[i].key, items[i].n == 1 ? "_one" : "");
        html_fmt(out, "<li><span class=\"stat-num\">%u</span> <span class=\"stat-label\">",
                 items[i].n);
        html_text(out, page_t(pg, key));
        html_lit(out, "</span></li>");
    }
}

unsigned page_agent_case(struct request *rq)
{
    unsigned st;
    const char *id = rq->path + strlen("/agent/cases/");
    size_t n = strlen(id);
    struct page pg;
    staff_page_init(&pg, rq, rq->path, NULL);
    struct strbuf back = STRBUF_INIT;
    page_url(&pg, &back, "/agent");
    json_t *c = NULL;
    int rc = STORE_NOT_FOUND;
    if (n && n < EVENTLOG_CASE_ID_SIZE + 8 &&
        strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567-") == n && rq->app->reader) {
        pthread_mutex_lock(&rq->app->reader_lock);
        rc = eventlog_case_get(rq->app->reader, id, &c);
        if (rc != STORE_OK && rc != STORE_NOT_FOUND)
            fprintf(stderr, "kb-serve: case %s: %s\n", id, eventlog_errmsg(rq->app->reader));
        pthread_mutex_unlock(&rq->app->reader_lock);
    }
    if (rc == STORE_NOT_FOUND) {
        rq->error_code = "not_found";
        st = staff_message(&pg, 404, "agent.case.missing_title", "agent.case.missing",
                           "/agent");
        strbuf_release(&back);
        return st;
    }
    if (rc != STORE_OK) {
        rq->error_code = "cases_failed";
        st = staff_message(&pg, 500, "agent.case.failed_title", "agent.cases_failed",
                           "/agent");
        strbuf_release(&back);
        return st;
    }
    struct staff_articles sa;
    staff_articles_init(&sa, &pg);
    struct trail_counts tc = {0, 0, 0, 0};
    struct html steps = HTML_INIT, fields = HTML_INIT, summary = HTML_INIT, body = HTML_INIT;
    struct strbuf title = STRBUF_INIT;
    size_t i;
    json_t *ev;
    char day[11] = "";
    json_array_foreach(json_object_get(c, "trail"), i, ev)
        render_step(&pg, &sa, ev, &tc, day, &steps);
    if (html_len(&steps)) {
        /* The case itself closes the trail. */
        json_t *filed = json_pack("{s:s,s:s}", "type", "this_case", "time",
                                  staff_jstr(c, "created"));
        render_step(&pg, &sa, filed, &tc, day, &steps);
        json_decref(filed);
    }
    render_fields(&pg, c, &fields);
    render_summary(&pg, &tc, &summary);
    page_set_text(&pg, "case_id", staff_jstr(c, "id"));
    page_set_text(&pg, "subject", staff_jstr(c, "subject"));
    page_set_text(&pg, "description", staff_jstr(c, "description"));
    page_set_text(&pg, "description_class", *staff_jstr(c, "description") ? "" : " is-empty");
    page_set_html(&pg, "fields", &fields);
    page_set_html(&pg, "summary", &summary);
    page_set_html(&pg, "steps", &steps);
    page_set_text(&pg, "trail_class", html_len(&steps) ? "" : " is-empty");
    page_set_text(&pg, "back_url", back.buf);
    page_render(&pg, "agent-case", &body);
    strbuf_adds(&title, staff_jstr(c, "id"));
    strbuf_adds(&title, " · ");
    strbuf_adds(&title, staff_jstr(c, "subject"));
    st = page_finish(&pg, 200, title.buf, &body);
    staff_articles_release(&sa);
    html_release(&steps);
    html_release(&fields);
    html_release(&summary);
    html_release(&body);
    strbuf_release(&title);
    strbuf_release(&back);
    json_decref(c);
    return st;
}
