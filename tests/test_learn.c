/* test_learn.c -- confirmed (query, article, section) pairs from the
 * event log (learn.h): what confirms a pair, distinct visits, the
 * deflection window, cases, and removed queries that stay removed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "learn.h"

#define T0 1767225600.0 /* 2026-01-01T00:00:00Z */
#define WINDOW 1800.0
#define NOW (T0 + 86400.0)

static struct eventlog_event ev(enum eventlog_kind kind, double ts, const char *visit)
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

static void rec(struct harness *h, struct eventlog *el, struct eventlog_event e)
{
    store_status st = eventlog_record(el, &e);

    if (st)
        fprintf(stderr, "record: %s\n", eventlog_errmsg(el));
    CHECK_INT_EQ(h, st, STORE_OK);
}

/* search q, click article (section), then confirm with a deflect event
 * (vote = 0) or a helpful vote (vote = 1). */
static void solved(struct harness *h, struct eventlog *el, const char *visit, double t,
                   const char *q, const char *article, const char *section, int vote)
{
    struct eventlog_event e = ev(EVENTLOG_KIND_SEARCH, t, visit);

    e.query = q;
    e.locale = "en-us";
    e.results = 3;
    rec(h, el, e);
    e = ev(EVENTLOG_KIND_CLICK, t + 1, visit);
    e.query = q;
    e.article = article;
    e.section = section;
    e.rank = 1;
    e.locale = "en-us";
    rec(h, el, e);
    if (vote) {
        e = ev(EVENTLOG_KIND_VOTE, t + 2, visit);
        e.article = article;
        e.helpful = 1;
        e.locale = "en-us";
    } else {
        e = ev(EVENTLOG_KIND_DEFLECT, t + 2, visit);
        e.source = "article";
        e.article = article;
    }
    rec(h, el, e);
}

static const struct learn_pair *find(const struct learn_pair *p, size_t n, const char *q,
                                     const char *article)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (!strcmp(p[i].query, q) && !strcmp(p[i].article, article))
            return &p[i];
    return NULL;
}

int main(void)
{
    struct harness h = {0, 0};
    char dir[] = "/tmp/kb-learn-XXXXXX", db[128], path[160];
    struct eventlog *el = NULL;
    struct learnstore *ls = NULL;
    struct learn_pair *p = NULL;
    const struct learn_pair *a;
    size_t n = 0;
    int removed = -1, i;
    struct eventlog_event e;

    if (!mkdtemp(dir))
        return 1;
    snprintf(db, sizeof db, "%s/kb.db", dir);
    CHECK_INT_EQ(&h, eventlog_open(db, &el), STORE_OK);

    /* Three visits confirm "Reset  Password" -> account/reset (two by
     * deflect, one by a helpful vote); case differences normalize away. */
    solved(&h, el, "v1", T0, "Reset  Password", "account/reset", "steps", 0);
    solved(&h, el, "v2", T0 + 10, "reset password", "account/reset", "", 1);
    solved(&h, el, "v3", T0 + 20, "RESET password", "account/reset", "steps", 0);
    /* One visit repeating a pair five times counts once. */
    for (i = 0; i < 5; i++)
        solved(&h, el, "spam", T0 + 30 + 10 * i, "cheap pills", "billing/invoice", "", 0);
    /* A visit that files a case inside its window confirms nothing. */
    solved(&h, el, "v4", T0 + 100, "late fee", "billing/invoice", "late-fees", 0);
    solved(&h, el, "v5", T0 + 110, "late fee", "billing/invoice", "late-fees", 0);
    solved(&h, el, "v6", T0 + 120, "late fee", "billing/invoice", "late-fees", 0);
    e = ev(EVENTLOG_KIND_CASE, T0 + 200, "v6");
    rec(&h, el, e);
    /* A visit whose window is still open is pending, not confirmed. */
    solved(&h, el, "v7", NOW - 60, "reset password", "account/reset", "", 0);

    CHECK_INT_EQ(&h, learn_pairs(el, WINDOW, NOW, 1, &p, &n), STORE_OK);
    a = find(p, n, "reset password", "account/reset");
    CHECK(&h, a != NULL);
    if (a) {
        CHECK_INT_EQ(&h, a->visits, 3);
        CHECK_STR_EQ(&h, a->section, "steps");
        CHECK_STR_EQ(&h, a->locale, "en-us");
    }
    a = find(p, n, "cheap pills", "billing/invoice");
    CHECK(&h, a != NULL && a->visits == 1);
    a = find(p, n, "late fee", "billing/invoice");
    CHECK(&h, a != NULL && a->visits == 2);
    CHECK(&h, n > 0 && !strcmp(p[0].query, "reset password"));
    learn_pairs_free(p, n);

    /* min_visits 3: only the pair three visits confirmed. */
    CHECK_INT_EQ(&h, learn_pairs(el, WINDOW, NOW, 3, &p, &n), STORE_OK);
    CHECK_INT_EQ(&h, n, 1);
    CHECK(&h, find(p, n, "reset password", "account/reset") != NULL);

    /* An author removes it: it stays removed, whatever the log says. */
    CHECK_INT_EQ(&h, learn_open(db, &ls), STORE_OK);
    CHECK_INT_EQ(&h, learn_remove(ls, "en-us", "account/reset", " Reset PASSWORD ", NOW),
                 STORE_OK);
    CHECK_INT_EQ(&h, learn_remove(ls, "en-us", "account/reset", "reset password", NOW),
                 STORE_OK);
    CHECK_INT_EQ(&h, learn_is_removed(ls, "en-us", "account/reset", "reset password",
                                      &removed), STORE_OK);
    CHECK_INT_EQ(&h, removed, 1);
    CHECK_INT_EQ(&h, learn_is_removed(ls, "ru-ru", "account/reset", "reset password",
                                      &removed), STORE_OK);
    CHECK_INT_EQ(&h, removed, 0);
    CHECK_INT_EQ(&h, learn_drop_removed(ls, p, &n), STORE_OK);
    CHECK_INT_EQ(&h, n, 0);
    learn_pairs_free(p, n);
    solved(&h, el, "v8", T0 + 300, "reset password", "account/reset", "", 0);
    CHECK_INT_EQ(&h, learn_pairs(el, WINDOW, NOW, 3, &p, &n), STORE_OK);
    CHECK_INT_EQ(&h, learn_drop_removed(ls, p, &n), STORE_OK);
    CHECK_INT_EQ(&h, n, 0);
    learn_pairs_free(p, n);

    CHECK_INT_EQ(&h, learn_remove(ls, "en-us", "x", "   ", NOW), STORE_ERR_INVALID);
    CHECK_INT_EQ(&h, learn_pairs(el, WINDOW, NOW, 0, &p, &n), STORE_ERR_INVALID);
    CHECK_INT_EQ(&h, learn_pairs(el, 0, NOW, 1, &p, &n), STORE_ERR_INVALID);

    learn_close(ls);
    learn_close(NULL);
    eventlog_close(el);
    snprintf(path, sizeof path, "rm -rf %s", dir);
    if (system(path) != 0)
        h.failed++;
    TEST_MAIN_END(&h);
}
