/* test_deflection.c -- scripted visits against a real kb-serve with a
 * 2-second deflection window give exactly the expected report; events
 * acknowledged before a kill -9 are all in the database. */
#include "eventlog.h"
#include "harness.h"
#include "testutil.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static struct harness h = {0, 0};
static struct tu_server srv;
static char agent_auth[128]; /* "Authorization: Bearer ..." */

/* GET as the signed-in agent. */
static json_t *agent_get(const char *path, long *status)
{
    const char *hdrs[] = {agent_auth, NULL};
    struct tu_response r;
    *status = 0;
    if (tu_http_h(&srv, "GET", path, NULL, NULL, hdrs, &r) != 0)
        return NULL;
    *status = r.status;
    json_t *j = json_loads(r.body, 0, NULL);
    tu_response_free(&r);
    return j;
}

static void sleep_s(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    nanosleep(&ts, NULL);
}

/* One request as visit v; returns the status. */
static long as_visit(const char *v, const char *method, const char *path, const char *json)
{
    char hv[96];
    snprintf(hv, sizeof hv, "X-KB-Visit: %s", v);
    const char *hdrs[] = {hv, NULL};
    struct tu_response r;
    tu_http_h(&srv, method, path, json, json ? "application/json" : NULL, hdrs, &r);
    long st = r.status;
    if (st >= 400)
        fprintf(stderr, "%s %s -> %ld %s\n", method, path, st, r.body);
    tu_response_free(&r);
    return st;
}

static long long total(json_t *rep, const char *key)
{
    return json_integer_value(json_object_get(json_object_get(rep, "total"), key));
}

static void scripted_visits(void)
{
    const char *A = "visit-aaaaaaaaaaaaaaaa", *B = "visit-bbbbbbbbbbbbbbbb";
    const char *C = "visit-cccccccccccccccc", *D = "visit-dddddddddddddddd";
    const char *E = "visit-eeeeeeeeeeeeeeee";
    /* A: search -> click -> "solved": confirmed. */
    CHECK_INT_EQ(&h, as_visit(A, "GET", "/api/search?q=late+fee", NULL), 200);
    CHECK_INT_EQ(&h, as_visit(A, "POST", "/api/events",
                              "{\"type\":\"click\",\"query\":\"late fee\","
                              "\"article\":\"billing/invoices\",\"section\":\"late-fees\",\"rank\":1}"),
                 201);
    CHECK_INT_EQ(&h, as_visit(A, "POST", "/api/events",
                              "{\"type\":\"deflect\",\"article\":\"billing/invoices\"}"),
                 201);
    /* B: case form -> suggestions shown -> no case: potential. */
    CHECK_INT_EQ(&h, as_visit(B, "POST", "/api/events", "{\"type\":\"case_form\"}"), 201);
    CHECK_INT_EQ(&h, as_visit(B, "GET", "/api/suggest?q=reset+pass", NULL), 200);
    /* C: a search with no results, then a case: none, and a gap. */
    CHECK_INT_EQ(&h, as_visit(C, "GET", "/api/search?q=xylophone+quota", NULL), 200);
    CHECK_INT_EQ(&h, as_visit(C, "POST", "/api/cases",
                              "{\"subject\":\"Xylophone quota exceeded\",\"email\":\"c@example.com\","
                              "\"description\":\"It broke\"}"),
                 201);
    /* D: "solved", then a case inside the window: downgraded to none. */
    CHECK_INT_EQ(&h, as_visit(D, "GET", "/api/search?q=password", NULL), 200);
    CHECK_INT_EQ(&h, as_visit(D, "POST", "/api/events",
                              "{\"type\":\"deflect\",\"source\":\"case_form\"}"),
                 201);
    CHECK_INT_EQ(&h, as_visit(D, "POST", "/api/cases",
                              "{\"subject\":\"Still locked out\",\"email\":\"d@example.com\"}"),
                 201);
    /* E: a helpful vote counts as confirmed. */
    CHECK_INT_EQ(&h, as_visit(E, "GET", "/api/search?q=refund", NULL), 200);
    CHECK_INT_EQ(&h, as_visit(E, "POST", "/api/feedback",
                              "{\"article\":\"faq/billing-faq\",\"helpful\":true}"),
                 201);
    /* Bad feedback is refused with the field named. */
    CHECK_INT_EQ(&h, as_visit(E, "POST", "/api/feedback",
                              "{\"article\":\"faq/billing-faq\",\"helpful\":false,\"reason\":\"meh\"}"),
                 400);
    CHECK_INT_EQ(&h, as_visit(E, "POST", "/api/feedback",
                              "{\"article\":\"no/such/article\",\"helpful\":true}"),
                 400);

    /* Inside the window: A, B and E are not counted yet. */
    long st;
    json_t *rep = agent_get("/api/reports/deflection", &st);
    CHECK_INT_EQ(&h, st, 200);
    CHECK_INT_EQ(&h, total(rep, "potential"), 0);
    CHECK_INT_EQ(&h, total(rep, "confirmed"), 0);
    CHECK_INT_EQ(&h, total(rep, "none"), 2);
    json_decref(rep);

    sleep_s(2.6);
    rep = agent_get("/api/reports/deflection?interval=week", &st);
    CHECK_INT_EQ(&h, st, 200);
    CHECK_INT_EQ(&h, total(rep, "visits"), 5);
    CHECK_INT_EQ(&h, total(rep, "confirmed"), 2);
    CHECK_INT_EQ(&h, total(rep, "potential"), 1);
    CHECK_INT_EQ(&h, total(rep, "none"), 2);
    CHECK_INT_EQ(&h, total(rep, "case_form_visits"), 1); /* B opened the form */
    double rate = json_real_value(json_object_get(json_object_get(rep, "total"),
                                                  "deflection_rate"));
    CHECK(&h, rate > 0.599 && rate < 0.601);
    CHECK(&h, json_array_size(json_object_get(rep, "intervals")) >= 4);
    json_decref(rep);

    rep = agent_get("/api/reports/gaps", &st);
    CHECK_INT_EQ(&h, st, 200);
    json_t *gap = NULL, *g;
    size_t gi;
    json_array_foreach(json_object_get(rep, "gaps"), gi, g)
    {
        if (strcmp(json_string_value(json_object_get(g, "query")), "xylophone quota") == 0)
            gap = g;
    }
    CHECK(&h, gap != NULL);
    CHECK_INT_EQ(&h, json_integer_value(json_object_get(gap, "zero_results")), 1);
    CHECK_STR_EQ(&h, json_string_value(json_array_get(json_object_get(gap, "cases"), 0)),
                 "Xylophone quota exceeded");
    json_decref(rep);

    rep = agent_get("/api/reports/queries", &st);
    CHECK_INT_EQ(&h, st, 200);
    CHECK_INT_EQ(&h, json_array_size(json_object_get(rep, "queries")), 4);
    json_decref(rep);

    rep = agent_get("/api/reports/articles", &st);
    CHECK_INT_EQ(&h, st, 200);
    CHECK(&h, json_array_size(json_object_get(rep, "articles")) >= 2);
    json_decref(rep);

    /* CSV, read back by a real CSV reader (SQLite's importer). */
    struct tu_response r;
    const char *hdrs[] = {agent_auth, NULL};
    tu_http_h(&srv, "GET", "/api/reports/deflection?format=csv", NULL, NULL, hdrs, &r);
    CHECK_INT_EQ(&h, r.status, 200);
    CHECK_CONTAINS(&h, r.headers, "text/csv");
    char dir[256], csv[300], sql[600];
    tu_mkdtemp(dir, sizeof dir, "csv");
    snprintf(csv, sizeof csv, "%s/d.csv", dir);
    tu_write_file(csv, r.body, r.len);
    tu_response_free(&r);
    snprintf(sql, sizeof sql, ".import --csv %s t", csv);
    char *argv[] = {"/usr/bin/sqlite3", ":memory:", sql,
                    "SELECT confirmed || ',' || potential || ',' || \"none\" FROM t "
                    "WHERE interval = 'total';",
                    NULL};
    char *out = NULL;
    if (access(argv[0], X_OK) == 0) {
        CHECK_INT_EQ(&h, tu_run(argv, &out, NULL), 0);
        CHECK_STR_EQ(&h, out, "2,1,2\n");
        free(out);
    }
    tu_rmrf(dir);

    rep = agent_get("/api/reports/deflection?from=2026-13-01", &st);
    CHECK_INT_EQ(&h, st, 400);
    json_decref(rep);
    /* Reports and cases are for agents only. */
    rep = tu_get_json(&srv, "/api/reports/deflection", &st);
    CHECK_INT_EQ(&h, st, 401);
    json_decref(rep);

    /* The agent sees the case with the trail of its visit. */
    rep = agent_get("/api/cases?q=xylophone", &st);
    CHECK_INT_EQ(&h, st, 200);
    json_t *c = json_array_get(json_object_get(rep, "cases"), 0);
    char path[128];
    snprintf(path, sizeof path, "/api/cases/%s", json_string_value(json_object_get(c, "id")));
    json_decref(rep);
    rep = agent_get(path, &st);
    CHECK_INT_EQ(&h, st, 200);
    json_t *trail = json_object_get(rep, "trail");
    CHECK(&h, json_array_size(trail) >= 1);
    CHECK_STR_EQ(&h, json_string_value(json_object_get(json_array_get(trail, 0), "query")),
                 "xylophone quota");
    json_decref(rep);
}

/* Events acknowledged with a 2xx survive a kill -9 the next moment. */
static void durability(const char *index, const char *db)
{
    int pfd[2];
    CHECK_INT_EQ(&h, pipe(pfd), 0);
    pid_t child = fork();
    if (child == 0) {
        close(pfd[0]);
        long acked = 0;
        for (int i = 0; i < 100000; i++) {
            char body[160];
            snprintf(body, sizeof body,
                     "{\"type\":\"view\",\"article\":\"billing/invoices\",\"section\":\"n%d\"}", i);
            if (as_visit("visit-burst-0000000000", "POST", "/api/events", body) != 201)
                break;
            acked++;
            if (write(pfd[1], &acked, sizeof acked) != sizeof acked)
                break;
        }
        _exit(0);
    }
    close(pfd[1]);
    sleep_s(0.8);
    tu_server_kill(&srv);
    long acked = 0, v;
    while (read(pfd[0], &v, sizeof v) == sizeof v)
        acked = v;
    close(pfd[0]);
    waitpid(child, NULL, 0);
    CHECK(&h, acked > 20);

    struct eventlog *el;
    CHECK_INT_EQ(&h, eventlog_open(db, &el), STORE_OK);
    long long n = -1;
    CHECK_INT_EQ(&h, eventlog_count(el, EVENTLOG_KIND_VIEW, "visit-burst-0000000000", &n),
                 STORE_OK);
    /* At most one more: committed, but killed before the reply left. */
    if (n < acked || n > acked + 1)
        fprintf(stderr, "acknowledged %ld, stored %lld\n", acked, n);
    CHECK(&h, n >= acked && n <= acked + 1);
    eventlog_close(el);

    /* The server starts again on the same database. */
    char *extra[] = {"--db", (char *)db, NULL};
    CHECK_INT_EQ(&h, tu_server_start(&srv, index, extra), 0);
    json_t *j;
    long st;
    j = tu_get_json(&srv, "/healthz", &st);
    CHECK_INT_EQ(&h, st, 200);
    json_decref(j);
    CHECK_INT_EQ(&h, tu_server_stop(&srv), 0);
}

int main(void)
{
    char content[512], index[512], db[600];
    CHECK_INT_EQ(&h, tu_mkdtemp(content, sizeof content, "content"), 0);
    CHECK_INT_EQ(&h, tu_mkdtemp(index, sizeof index, "index"), 0);
    CHECK_INT_EQ(&h, tu_copy_tree(KB_SOURCE_DIR "/tests/data/kb", content), 0);
    snprintf(db, sizeof db, "%s/events.db", content);
    char *argv[] = {KB_INDEX_BIN, "--content", content, "--index", index, "--quiet", NULL};
    char *err = NULL;
    CHECK_INT_EQ(&h, tu_run(argv, NULL, &err), 0);
    free(err);
    char *token = tu_make_user(db, "agent1", "agent");
    CHECK(&h, token != NULL);
    snprintf(agent_auth, sizeof agent_auth, "Authorization: Bearer %s", token ? token : "");
    free(token);
    char *extra[] = {"--db", db, "--deflection-window", "2", NULL};
    if (tu_server_start(&srv, index, extra) != 0) {
        CHECK(&h, 0);
        TEST_MAIN_END(&h);
    }
    scripted_visits();
    durability(index, db);

    /* The same report from the shell. */
    char *rargv[] = {KB_REPORT_BIN, "--db", db, "deflection", "--window", "2", "--csv", NULL};
    char *out = NULL;
    CHECK_INT_EQ(&h, tu_run(rargv, &out, NULL), 0);
    CHECK_CONTAINS(&h, out, "total,");
    free(out);
    tu_rmrf(content);
    tu_rmrf(index);
    TEST_MAIN_END(&h);
}
