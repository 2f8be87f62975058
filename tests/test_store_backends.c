/* test_store_backends.c -- the store's API on either engine: run with
 * no argument it uses a SQLite file in a temporary folder; with a
 * PostgreSQL DSN (tests/pg_run.sh starts a primary and its synchronous
 * standby and passes one) the same checks run there.  The database must
 * be empty at the start.
 *
 * Events, visits and reports' scan; cases with their trail, list and
 * search; the webhook outbox with retry; retention; accounts, a session
 * started on one handle valid on a second (two front ends sharing the
 * database) and ended there; API tokens; sign-in throttling; and four
 * threads, each with its own handle, claiming 200 outbox rows at once:
 * no row may be claimed twice. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "accounts.h"
#include "eventlog.h"
#include "harness.h"

#define CLAIM_ROWS 200
#define CLAIMERS 4

static const char *db;

static struct eventlog_event mk(enum eventlog_kind kind, double ts, const char *visit)
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

static store_status count_scan(void *ctx, const struct eventlog_event *ev, double first)
{
    (void)ev;
    (void)first;
    (*(long long *)ctx)++;
    return STORE_OK;
}

static void test_events_and_cases(struct harness *h, double now)
{
    struct eventlog *el = NULL;
    struct eventlog_event evs[3];
    long long n = -1, scanned = 0, oid = 0, deleted = 0;
    json_t *j = NULL, *payload = NULL;
    char id[EVENTLOG_CASE_ID_SIZE];
    double next = 0;

    CHECK_INT_EQ(h, eventlog_open(db, &el), STORE_OK);
    if (!el || eventlog_errmsg(el)[0]) {
        fprintf(stderr, "open: %s\n", eventlog_errmsg(el));
        eventlog_close(el);
        return;
    }
    evs[0] = mk(EVENTLOG_KIND_SEARCH, now - 30, "visit-a");
    evs[0].query = "reset password";
    evs[0].locale = "en-us";
    evs[0].results = 4;
    evs[0].latency_us = 1200;
    const char *hits[] = {"sign-in/reset", "faq/sign-in"}; /* the hits it returned */
    evs[0].articles = hits;
    evs[0].narticles = 2;
    evs[1] = mk(EVENTLOG_KIND_CLICK, now - 29, "visit-a");
    evs[1].query = "reset password";
    evs[1].article = "sign-in/reset";
    evs[1].rank = 1;
    evs[2] = mk(EVENTLOG_KIND_VOTE, now - 28, "visit-a");
    evs[2].article = "sign-in/reset";
    evs[2].helpful = 0;
    evs[2].reason = "did_not_answer";
    evs[2].comment = "caf\xc3\xa9 \xff";
    CHECK_INT_EQ(h, eventlog_record_many(el, evs, 3), STORE_OK);
    evs[0].visit = "visit-b";
    evs[0].ts = now - 40; /* earlier than its visit's first: first_ms moves */
    CHECK_INT_EQ(h, eventlog_record(el, &evs[0]), STORE_OK);
    CHECK_INT_EQ(h, eventlog_count(el, -1, NULL, &n), STORE_OK);
    CHECK_INT_EQ(h, n, 4);
    CHECK_INT_EQ(h, eventlog_count(el, EVENTLOG_KIND_SEARCH, "visit-a", &n), STORE_OK);
    CHECK_INT_EQ(h, n, 1);
    CHECK_INT_EQ(h, eventlog_visit_events(el, "visit-a", &j), STORE_OK);
    CHECK_INT_EQ(h, json_array_size(j), 3);
    json_t *logged = json_object_get(json_array_get(j, 0), "articles");
    CHECK_INT_EQ(h, json_array_size(logged), 2);
    CHECK_STR_EQ(h, json_string_value(json_array_get(logged, 1)), "faq/sign-in");
    CHECK_STR_EQ(h, json_string_value(json_object_get(json_array_get(j, 2), "comment")),
                 "caf\xc3\xa9 \xef\xbf\xbd");
    json_decref(j);
    CHECK_INT_EQ(h, eventlog_scan(el, now - 3600, now + 3600, count_scan, &scanned), STORE_OK);
    CHECK_INT_EQ(h, scanned, 4);

    /* A case: its event, its trail, the list and its search. */
    struct eventlog_case c = {"Cannot reset my password", "It fails", "a@example.com", "",
                              "en-us", "visit-a", now - 10, NULL};
    CHECK_INT_EQ(h, eventlog_case_create(el, &c, id, sizeof id), STORE_OK);
    CHECK_INT_EQ(h, eventlog_case_get(el, id, &j), STORE_OK);
    CHECK_STR_EQ(h, json_string_value(json_object_get(j, "subject")), c.subject);
    CHECK_INT_EQ(h, json_array_size(json_object_get(j, "trail")), 3);
    json_decref(j);
    CHECK_INT_EQ(h, eventlog_case_get(el, "C-NOSUCHCASE", &j), STORE_NOT_FOUND);
    CHECK_INT_EQ(h, eventlog_cases_list(el, now - 3600, now + 3600, "CANNOT RESET", 0, &j),
                 STORE_OK);
    CHECK_INT_EQ(h, json_array_size(json_object_get(j, "cases")), 1);
    json_decref(j);
    CHECK_INT_EQ(h, eventlog_cases_list(el, now - 3600, now + 3600, "100%", 0, &j), STORE_OK);
    CHECK_INT_EQ(h, json_array_size(json_object_get(j, "cases")), 0);
    json_decref(j);

    /* Its webhook: claimed once, retried after 2 s, delivered. */
    CHECK_INT_EQ(h, eventlog_outbox_next(el, now, &payload, &oid), STORE_OK);
    CHECK_STR_EQ(h, json_string_value(json_object_get(payload, "type")), "case.created");
    json_decref(payload);
    payload = NULL;
    CHECK_INT_EQ(h, eventlog_outbox_next(el, now, &payload, &n), STORE_NOT_FOUND);
    CHECK_INT_EQ(h, eventlog_outbox_retry(el, oid, now, &next), STORE_OK);
    CHECK(h, fabs(next - (now + 2)) < 0.01);
    CHECK_INT_EQ(h, eventlog_outbox_next(el, now + 3, &payload, &n), STORE_OK);
    CHECK_INT_EQ(h, n, oid);
    json_decref(payload);
    CHECK_INT_EQ(h, eventlog_outbox_done(el, oid, now + 3), STORE_OK);
    CHECK_INT_EQ(h, eventlog_outbox_done(el, oid + 1000, now + 3), STORE_NOT_FOUND);

    /* Retention takes everything older than the cut. */
    CHECK_INT_EQ(h, eventlog_prune(el, now + 60, &deleted), STORE_OK);
    CHECK_INT_EQ(h, deleted, 6); /* 5 events (one the case's) + 1 case */
    CHECK_INT_EQ(h, eventlog_count(el, -1, NULL, &n), STORE_OK);
    CHECK_INT_EQ(h, n, 0);
    eventlog_close(el);
}

static void test_accounts(struct harness *h, double now)
{
    struct accounts *a1 = NULL, *a2 = NULL;
    struct account u, v;
    char sid[ACCOUNTS_SECRET_SIZE], tok[ACCOUNTS_SECRET_SIZE];
    const char *keys[] = {"addr:127.0.0.1"};
    const int free_[] = {0};
    double wait = -1;

    CHECK_INT_EQ(h, accounts_open(db, &a1), STORE_OK);
    CHECK_INT_EQ(h, accounts_open(db, &a2), STORE_OK);
    CHECK_INT_EQ(h, accounts_add(a1, "agent1", ROLE_AGENT, "correct horse 1"), STORE_OK);
    CHECK_INT_EQ(h, accounts_add(a2, "agent1", ROLE_AUTHOR, "other password"), STORE_EXISTS);
    CHECK_INT_EQ(h, accounts_verify_password(a2, "agent1", "correct horse 1", &u), STORE_OK);
    CHECK_INT_EQ(h, accounts_verify_password(a2, "agent1", "wrong", &v), STORE_BAD_PASSWORD);
    /* A session started on one front end is valid on the other. */
    CHECK_INT_EQ(h, accounts_session_create(a1, &u, now, sid, sizeof sid), STORE_OK);
    CHECK_INT_EQ(h, accounts_session_get(a2, sid, now + 1, &v), STORE_OK);
    CHECK_STR_EQ(h, v.name, "agent1");
    CHECK_STR_EQ(h, v.csrf, u.csrf);
    CHECK_INT_EQ(h, accounts_session_end(a2, sid), STORE_OK);
    CHECK_INT_EQ(h, accounts_session_get(a1, sid, now + 2, &v), STORE_NOT_FOUND);
    CHECK_INT_EQ(h, accounts_token_create(a1, "agent1", tok, sizeof tok), STORE_OK);
    CHECK_INT_EQ(h, accounts_token_get(a2, tok, now, &v), STORE_OK);
    CHECK_INT_EQ(h, v.role, ROLE_AGENT);
    CHECK_INT_EQ(h, accounts_set_disabled(a2, "agent1", 1), STORE_OK);
    CHECK_INT_EQ(h, accounts_token_get(a1, tok, now, &v), STORE_NOT_FOUND);
    /* Throttling counts on the shared table. */
    for (int i = 0; i < 3; i++)
        CHECK_INT_EQ(h, accounts_throttle_take(i % 2 ? a1 : a2, keys, free_, 1, now, &wait),
                     STORE_OK);
    CHECK_INT_EQ(h, accounts_throttle_clear(a1, keys[0]), STORE_OK);
    accounts_close(a2);
    accounts_close(a1);
}

struct claimer {
    double now;
    long long ids[CLAIM_ROWS];
    int n;
    store_status st;
};

/* The same submission (its idempotency key) never makes two cases:
 * not on a second handle (a restarted kb-serve, or another front end),
 * and a case without a key is never matched. */
static void test_case_idem(struct harness *h, double now)
{
    struct eventlog *a = NULL, *b = NULL;
    char id1[EVENTLOG_CASE_ID_SIZE], id2[EVENTLOG_CASE_ID_SIZE], id3[EVENTLOG_CASE_ID_SIZE];
    json_t *j = NULL;
    struct eventlog_case c = {"Invoice missing", "", "i@example.com", "", "en-us",
                              "visit-idem", now - 5, "idem-key-AAAAAAAAAAAAAAAA"};

    CHECK_INT_EQ(h, eventlog_open(db, &a), STORE_OK);
    CHECK_INT_EQ(h, eventlog_case_create(a, &c, id1, sizeof id1), STORE_OK);
    eventlog_close(a);
    CHECK_INT_EQ(h, eventlog_open(db, &b), STORE_OK);
    c.created = now - 4;
    CHECK_INT_EQ(h, eventlog_case_create(b, &c, id2, sizeof id2), STORE_OK);
    CHECK_STR_EQ(h, id2, id1);
    c.idem = NULL;
    CHECK_INT_EQ(h, eventlog_case_create(b, &c, id3, sizeof id3), STORE_OK);
    CHECK(h, strcmp(id3, id1) != 0);
    c.idem = "idem-key-BBBBBBBBBBBBBBBB";
    CHECK_INT_EQ(h, eventlog_case_create(b, &c, id2, sizeof id2), STORE_OK);
    CHECK(h, strcmp(id2, id1) != 0 && strcmp(id2, id3) != 0);
    CHECK_INT_EQ(h, eventlog_cases_list(b, now - 60, now + 60, "Invoice missing", 0, &j),
                 STORE_OK);
    CHECK_INT_EQ(h, json_array_size(json_object_get(j, "cases")), 3);
    json_decref(j);
    eventlog_close(b);
}

static void *claim(void *arg)
{
    struct claimer *c = arg;
    struct eventlog *el = NULL;
    json_t *payload;
    long long id;
    store_status st;

    c->st = eventlog_open(db, &el);
    while (!c->st && c->n < CLAIM_ROWS) {
        st = eventlog_outbox_next(el, c->now, &payload, &id);
        if (st == STORE_NOT_FOUND)
            break;
        if (st == STORE_BUSY)
            continue;
        if (st) {
            fprintf(stderr, "claim: %s\n", eventlog_errmsg(el));
            c->st = st;
            break;
        }
        json_decref(payload);
        c->ids[c->n++] = id;
    }
    eventlog_close(el);
    return NULL;
}

static void test_claimers(struct harness *h, double now)
{
    static struct claimer cl[CLAIMERS];
    struct eventlog *el = NULL;
    pthread_t th[CLAIMERS];
    char id[EVENTLOG_CASE_ID_SIZE];
    static char seen[CLAIM_ROWS * 8];
    int total = 0, twice = 0, made = 0;
    long long base = -1;

    CHECK_INT_EQ(h, eventlog_open(db, &el), STORE_OK);
    for (int i = 0; i < CLAIM_ROWS; i++) {
        struct eventlog_case c = {"Outbox row", "", "", "", "", NULL, now, NULL};
        made += eventlog_case_create(el, &c, id, sizeof id) == STORE_OK;
    }
    CHECK_INT_EQ(h, made, CLAIM_ROWS);
    eventlog_close(el);
    for (int i = 0; i < CLAIMERS; i++) {
        memset(&cl[i], 0, sizeof cl[i]);
        cl[i].now = now + 1;
        pthread_create(&th[i], NULL, claim, &cl[i]);
    }
    for (int i = 0; i < CLAIMERS; i++) {
        pthread_join(th[i], NULL);
        CHECK_INT_EQ(h, cl[i].st, STORE_OK);
        for (int k = 0; k < cl[i].n; k++)
            if (base < 0 || cl[i].ids[k] < base)
                base = cl[i].ids[k];
    }
    for (int i = 0; i < CLAIMERS; i++)
        for (int k = 0; k < cl[i].n; k++) {
            long long off = cl[i].ids[k] - base;
            if (off < 0 || off >= (long long)sizeof seen) {
                twice++;
                continue;
            }
            twice += seen[off]++ != 0;
            total++;
        }
    printf("claimers: %d %d %d %d rows, %d claimed twice\n", cl[0].n, cl[1].n, cl[2].n,
           cl[3].n, twice);
    CHECK_INT_EQ(h, total, CLAIM_ROWS);
    CHECK_INT_EQ(h, twice, 0);
}

int main(int argc, char **argv)
{
    struct harness h = {0, 0};
    char dir[] = "/tmp/kb-store-XXXXXX", path[64] = "";
    double now = (double)time(NULL);

    if (argc > 1) {
        db = argv[1];
    } else {
        if (!mkdtemp(dir))
            return 1;
        snprintf(path, sizeof path, "%s/kb.db", dir);
        db = path;
    }
    printf("store on %s\n", argc > 1 ? "the given database" : path);
    test_events_and_cases(&h, now);
    test_accounts(&h, now);
    test_claimers(&h, now);
    test_case_idem(&h, now);
    if (path[0]) {
        char wal[80];
        unlink(path);
        snprintf(wal, sizeof wal, "%s-wal", path);
        unlink(wal);
        snprintf(wal, sizeof wal, "%s-shm", path);
        unlink(wal);
        rmdir(dir);
    }
    printf("%d passed, %d failed\n", h.passed, h.failed);
    return h.failed ? 1 : 0;
}
