/* test_eventq.c -- the writer queue lets the server's own logs (searches,
 * views: EVENTQ_NOWAIT) gather into larger transactions, yet an
 * acknowledged event never waits for that: it commits at once, with
 * everything queued before it, and the queue's stop stores what is
 * left.  Then, over a real kb-serve: a new visit id starts with its
 * time, so visits are appended to the store's key index in order. */
#include "eventq.h"
#include "harness.h"
#include "testutil.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static struct harness h = {0, 0};

static struct eventlog_event search_event(const char *visit, const char *query)
{
    struct eventlog_event ev = {
        .kind = EVENTLOG_KIND_SEARCH,
        .ts = (double)time(NULL),
        .visit = visit,
        .locale = "en-us",
        .query = query,
        .results = 3,
        .latency_us = 120,
        .rank = -1,
        .helpful = -1,
    };
    return ev;
}

static long long stored(const char *db, int kind)
{
    struct eventlog *el = NULL;
    long long n = -1;
    if (eventlog_open(db, &el) == STORE_OK)
        eventlog_count(el, kind, NULL, &n);
    eventlog_close(el);
    return n;
}

static void queue_flushes(const char *dir)
{
    char db[600];
    snprintf(db, sizeof db, "%s/q.db", dir);
    struct eventq *q = NULL;
    CHECK_INT_EQ(&h, eventq_start(db, &q), STORE_OK);
    if (!q)
        return;
    /* 100 logged searches, then one acknowledged view: when the view's
     * record returns, all 101 are in the database. */
    char visit[64], query[64];
    for (int i = 0; i < 100; i++) {
        snprintf(visit, sizeof visit, "visit-%016d", i);
        snprintf(query, sizeof query, "query number %d", i);
        struct eventlog_event ev = search_event(visit, query);
        CHECK_INT_EQ(&h, eventq_record(q, &ev, EVENTQ_NOWAIT), STORE_OK);
    }
    struct eventlog_event view = {
        .kind = EVENTLOG_KIND_VIEW,
        .ts = (double)time(NULL),
        .visit = "visit-acknowledged-1",
        .locale = "en-us",
        .article = "billing/late-fees",
        .rank = -1,
        .results = -1,
        .latency_us = -1,
        .helpful = -1,
    };
    CHECK_INT_EQ(&h, eventq_record(q, &view, EVENTQ_WAIT), STORE_OK);
    CHECK_INT_EQ(&h, stored(db, EVENTLOG_KIND_SEARCH), 100);
    CHECK_INT_EQ(&h, stored(db, EVENTLOG_KIND_VIEW), 1);

    /* Logged searches alone are committed soon without any help
     * (polled for up to 10 s: the machine may be busy). */
    struct eventlog_event ev = search_event("visit-alone-00000001", "alone");
    CHECK_INT_EQ(&h, eventq_record(q, &ev, EVENTQ_NOWAIT), STORE_OK);
    long long n = 0;
    for (int i = 0; i < 200 && (n = stored(db, EVENTLOG_KIND_SEARCH)) != 101; i++)
        tu_sleep(0.05);
    CHECK_INT_EQ(&h, n, 101);

    /* Stopping stores what is still queued. */
    for (int i = 0; i < 700; i++) {
        snprintf(visit, sizeof visit, "visit-stop-%010d", i);
        struct eventlog_event e = search_event(visit, "before stop");
        CHECK_INT_EQ(&h, eventq_record(q, &e, EVENTQ_NOWAIT), STORE_OK);
    }
    eventq_stop(q);
    CHECK_INT_EQ(&h, stored(db, EVENTLOG_KIND_SEARCH), 801);
}

/* The kb_visit cookie of a cookie-less search. */
static int new_visit(const struct tu_server *srv, char *out, size_t len)
{
    struct tu_response r;
    out[0] = '\0';
    if (tu_http(srv, "GET", "/api/search?q=invoice", NULL, NULL, &r) != 0)
        return -1;
    const char *c = r.headers ? strstr(r.headers, "kb_visit=") : NULL;
    if (c) {
        c += strlen("kb_visit=");
        size_t n = strcspn(c, ";\r\n");
        if (n < len) {
            memcpy(out, c, n);
            out[n] = '\0';
        }
    }
    tu_response_free(&r);
    return out[0] ? 0 : -1;
}

static void visit_ids(const char *dir)
{
    char content[600], index[600], db[600];
    snprintf(content, sizeof content, "%s/content", dir);
    snprintf(index, sizeof index, "%s/index", dir);
    snprintf(db, sizeof db, "%s/serve.db", dir);
    CHECK_INT_EQ(&h, tu_copy_tree(KB_SOURCE_DIR "/tests/data/kb", content), 0);
    char *argv[] = {KB_INDEX_BIN, "--content", content, "--index", index, "--quiet", NULL};
    CHECK_INT_EQ(&h, tu_run(argv, NULL, NULL), 0);
    struct tu_server srv;
    char *extra[] = {"--db", db, NULL};
    if (tu_server_start(&srv, index, extra) != 0) {
        CHECK(&h, 0);
        return;
    }
    char a[128], b[128];
    CHECK_INT_EQ(&h, new_visit(&srv, a, sizeof a), 0);
    tu_sleep(0.01);
    CHECK_INT_EQ(&h, new_visit(&srv, b, sizeof b), 0);
    /* 12 hex digits of milliseconds, then 128 random bits (22
     * characters of URL-safe base64). */
    CHECK_INT_EQ(&h, (long long)strlen(a), 34);
    CHECK_INT_EQ(&h, (long long)strlen(b), 34);
    int hex = 1;
    for (int i = 0; i < 12; i++)
        hex = hex && isxdigit((unsigned char)a[i]) && !isupper((unsigned char)a[i]) &&
              isxdigit((unsigned char)b[i]) && !isupper((unsigned char)b[i]);
    CHECK(&h, hex);
    char pa[13], pb[13];
    memcpy(pa, a, 12);
    pa[12] = '\0';
    memcpy(pb, b, 12);
    pb[12] = '\0';
    long long ta = strtoll(pa, NULL, 16);
    long long tb = strtoll(pb, NULL, 16);
    long long now_ms = (long long)time(NULL) * 1000;
    CHECK(&h, ta <= tb);
    CHECK(&h, ta > now_ms - 600000 && tb < now_ms + 600000);
    CHECK(&h, strcmp(a, b) < 0);
    CHECK(&h, strcmp(a + 12, b + 12) != 0);
    CHECK_INT_EQ(&h, tu_server_stop(&srv), 0);
}

int main(void)
{
    char dir[512];
    CHECK_INT_EQ(&h, tu_mkdtemp(dir, sizeof dir, "eventq"), 0);
    queue_flushes(dir);
    visit_ids(dir);
    tu_rmrf(dir);
    TEST_MAIN_END(&h);
}
