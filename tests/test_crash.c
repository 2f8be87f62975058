/* test_crash.c -- kill -9 of the real kb-serve and kb-index:
 *
 *   1. kill -9 of kb-serve while clients post (20 runs, at random
 *      moments) loses no acknowledged event or case;
 *   2. kill -9 of kb-index in the middle of a build leaves the last
 *      committed index, which kb-serve serves and the next kb-index
 *      run updates.
 *
 * Kill points are random: the seed is printed first, and
 * KB_FAULTS_SEED=N runs the same choices again. */
#include "faultkit.h"

#include "harness.h"
#include "testutil.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- 4a. kill -9 of kb-serve while clients post -------------------- */

enum { CRASH_RUNS = 20, CRASH_THREADS = 3, MAX_ACKED = 20000 };

struct poster {
    pthread_t thread;
    unsigned port;
    int run, id;
    atomic_int *stop;
    char visit[64];
    int *events;           /* sequence numbers of acknowledged events */
    int nevents;
    char (*cases)[16];     /* ids of acknowledged cases */
    int ncases;
    int unexpected;        /* answers that were neither 2xx nor a failure to connect */
    int in_flight_event;   /* the last attempt was an event not acknowledged */
    int in_flight_case;
};

static size_t keep_body(char *ptr, size_t size, size_t nmemb, void *ud)
{
    struct tu_response *r = ud;
    size_t n = size * nmemb;
    char *nb = realloc(r->body, r->len + n + 1);
    if (!nb)
        return 0;
    r->body = nb;
    memcpy(r->body + r->len, ptr, n);
    r->len += n;
    r->body[r->len] = '\0';
    return n;
}

/* Posts events (and every fourth request a case) on one keep-alive
 * connection as fast as the server acknowledges them, until the server
 * is gone. */
static void *poster_run(void *arg)
{
    struct poster *p = arg;
    CURL *c = curl_easy_init();
    char url[128], hv[128];
    snprintf(hv, sizeof hv, "X-KB-Visit: %s", p->visit);
    struct curl_slist *hdrs = curl_slist_append(NULL, hv);
    hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep_body);
    for (int i = 0; !*p->stop && p->nevents < MAX_ACKED && p->ncases < MAX_ACKED; i++) {
        int is_case = i % 4 == 3;
        char body[256];
        if (is_case) {
            snprintf(url, sizeof url, "http://127.0.0.1:%u/api/cases", p->port);
            snprintf(body, sizeof body,
                     "{\"subject\":\"Crash run %d thread %d request %d\","
                     "\"email\":\"crash@example.com\"}",
                     p->run, p->id, i);
        } else {
            snprintf(url, sizeof url, "http://127.0.0.1:%u/api/events", p->port);
            snprintf(body, sizeof body,
                     "{\"type\":\"view\",\"article\":\"billing/invoices\",\"section\":\"n%d\"}",
                     i);
        }
        struct tu_response r = {0, NULL, 0, NULL};
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
        p->in_flight_event = !is_case;
        p->in_flight_case = is_case;
        CURLcode rc = curl_easy_perform(c);
        long status = 0;
        if (rc == CURLE_OK)
            curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        if (rc != CURLE_OK) {
            free(r.body);
            break; /* the server is gone */
        }
        if (status != 201) {
            fprintf(stderr, "run %d thread %d: POST %s -> %ld %s\n", p->run, p->id, url, status,
                    r.body ? r.body : "");
            p->unexpected++;
            free(r.body);
            break;
        }
        p->in_flight_event = p->in_flight_case = 0;
        if (is_case) {
            json_t *j = json_loads(r.body ? r.body : "", 0, NULL);
            const char *id = json_string_value(json_object_get(j, "id"));
            if (id)
                snprintf(p->cases[p->ncases++], sizeof p->cases[0], "%s", id);
            else
                p->unexpected++;
            json_decref(j);
        } else {
            p->events[p->nevents++] = i;
        }
        free(r.body);
    }
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(c);
    return NULL;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* Every acknowledged event and case of p is in the database, and at
 * most the one request in flight at the kill was stored unacknowledged. */
static int verify_poster(sqlite3 *db, const struct poster *p)
{
    int ok = 1;
    sqlite3_stmt *st;
    int cap = p->nevents + 2, n = 0;
    int *stored = malloc((size_t)cap * sizeof *stored);
    sqlite3_prepare_v2(db,
                       "SELECT e.section FROM events e JOIN visits v ON v.id = e.visit_id"
                       " WHERE v.key = ?1 AND e.kind = 'view'",
                       -1, &st, NULL);
    sqlite3_bind_text(st, 1, p->visit, -1, SQLITE_TRANSIENT);
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *s = (const char *)sqlite3_column_text(st, 0);
        if (n == cap) {
            ok = 0; /* more stored than could have been sent */
            break;
        }
        stored[n++] = s && s[0] == 'n' ? atoi(s + 1) : -1;
    }
    sqlite3_finalize(st);
    qsort(stored, (size_t)n, sizeof *stored, cmp_int);
    int missing = 0;
    for (int i = 0; i < p->nevents; i++)
        if (!bsearch(&p->events[i], stored, (size_t)n, sizeof *stored, cmp_int))
            missing++;
    if (missing || n > p->nevents + p->in_flight_event) {
        fprintf(stderr, "run %d thread %d: %d events acknowledged, %d stored, %d missing\n",
                p->run, p->id, p->nevents, n, missing);
        ok = 0;
    }
    free(stored);
    missing = 0;
    for (int i = 0; i < p->ncases; i++)
        if (db_int(db, "SELECT count(*) FROM cases WHERE id = ?1", p->cases[i]) != 1)
            missing++;
    long long ncases = db_int(db, SQL_CASES_OF_VISIT, p->visit);
    if (missing || ncases < p->ncases || ncases > p->ncases + p->in_flight_case) {
        fprintf(stderr, "run %d thread %d: %d cases acknowledged, %lld stored, %d missing\n",
                p->run, p->id, p->ncases, ncases, missing);
        ok = 0;
    }
    return ok;
}

static void test_kill_server(void)
{
    struct tu_server srv;
    char *extra[] = {"--threads", "4", NULL};
    if (start_server(&srv, extra, NULL) != 0)
        return;
    long total_events = 0, total_cases = 0;
    int runs_ok = 0, unexpected = 0;
    for (int run = 0; run < CRASH_RUNS; run++) {
        atomic_int stop = 0;
        struct poster ps[CRASH_THREADS];
        memset(ps, 0, sizeof ps);
        for (int t = 0; t < CRASH_THREADS; t++) {
            struct poster *p = &ps[t];
            p->port = srv.port;
            p->run = run;
            p->id = t;
            p->stop = &stop;
            snprintf(p->visit, sizeof p->visit, "crash-%06llx-r%02d-t%d",
                     (unsigned long long)(rng_state & 0xffffff), run, t);
            p->events = malloc(MAX_ACKED * sizeof *p->events);
            p->cases = malloc(MAX_ACKED * sizeof *p->cases);
        }
        double delay = rng_between(0.050, 0.400);
        for (int t = 0; t < CRASH_THREADS; t++)
            pthread_create(&ps[t].thread, NULL, poster_run, &ps[t]);
        tu_sleep(delay);
        tu_server_kill(&srv);
        stop = 1;
        for (int t = 0; t < CRASH_THREADS; t++)
            pthread_join(ps[t].thread, NULL);

        /* Up again on the same database and index. */
        if (start_server(&srv, extra, NULL) != 0)
            break;
        CHECK_INT_EQ(&h, healthz(&srv), 200);
        sqlite3 *db = db_open_ro();
        CHECK(&h, db != NULL);
        int ok = db != NULL, ev = 0, ca = 0;
        for (int t = 0; t < CRASH_THREADS && db; t++) {
            ok &= verify_poster(db, &ps[t]);
            ev += ps[t].nevents;
            ca += ps[t].ncases;
            unexpected += ps[t].unexpected;
        }
        sqlite3_close(db);
        CHECK(&h, ok);
        runs_ok += ok;
        /* The agent API shows an acknowledged case too. */
        for (int t = 0; t < CRASH_THREADS; t++) {
            if (!ps[t].ncases)
                continue;
            char path[64];
            snprintf(path, sizeof path, "/api/cases/%s", ps[t].cases[ps[t].ncases - 1]);
            const char *hdrs[] = {agent_auth, NULL};
            struct tu_response r;
            tu_http_h(&srv, "GET", path, NULL, NULL, hdrs, &r);
            CHECK_INT_EQ(&h, r.status, 200);
            tu_response_free(&r);
            break;
        }
        printf("crash run %2d: killed after %3.0f ms, %4d events and %3d cases acknowledged: "
               "%s\n",
               run, delay * 1000, ev, ca, ok ? "all stored" : "LOST");
        total_events += ev;
        total_cases += ca;
        for (int t = 0; t < CRASH_THREADS; t++) {
            free(ps[t].events);
            free(ps[t].cases);
        }
    }
    CHECK_INT_EQ(&h, runs_ok, CRASH_RUNS);
    CHECK_INT_EQ(&h, unexpected, 0);
    /* The runs did post: the check above had something to check. */
    CHECK(&h, total_events >= CRASH_RUNS);
    CHECK(&h, total_cases >= 5);
    printf("kb-serve killed %d times: %ld events and %ld cases acknowledged, none lost\n",
           CRASH_RUNS, total_events, total_cases);
    if (srv.pid > 0)
        CHECK_INT_EQ(&h, tu_server_stop(&srv), 0);
}

/* ---- 4b. kill -9 of kb-index while it builds ----------------------- */

/* Words only the generated articles of revision A, and of B, contain. */
#define MARKER_A "zephyrwort"
#define MARKER_B "blorptastic"

enum { GEN_A = 150, GEN_B = 60, KILLS = 6 };

/* Writes n generated articles en-us/<folder>/<tag>-NNN.md, each with
 * marker in one section, and enough varied text that indexing takes a
 * while.  Returns how many were written. */
static int generate_articles(const char *content, const char *folder, const char *tag,
                              const char *marker, int n)
{
    static const char *const words[] = {
        "invoice", "tenant", "subscription", "license", "mailbox", "password", "device",
        "policy", "storage", "network", "gateway", "certificate", "domain", "billing",
        "report", "quota", "archive", "backup", "restore", "region", "cluster", "token",
        "session", "partner", "customer", "refund", "payment", "renewal", "upgrade",
        "migration", "directory", "compliance", "retention", "encryption", "firewall"};
    const int nw = (int)(sizeof words / sizeof words[0]);
    int written = 0;
    for (int a = 0; a < n; a++) {
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);
        if (!f)
            break;
        fprintf(f,
                "---\ntitle: Generated %s article %d about %s\n"
                "description: How to handle %s and %s.\ntopic: how-to\nproduct: gen%d\n"
                "tags: [gen, %s]\n---\n\n",
                tag, a, words[a % nw], words[(a * 7) % nw], words[(a * 11) % nw], a % 9,
                words[(a * 3) % nw]);
        fprintf(f, "# Generated %s article %d\n\nThis article explains %s settings for the %s.\n\n",
                tag, a, words[(a + 1) % nw], words[(a + 2) % nw]);
        for (int s = 0; s < 3; s++) {
            fprintf(f, "## Step %d: %s the %s%d\n\n", s + 1, words[(a + s * 5) % nw],
                    words[(a * s + 3) % nw], a * 10 + s);
            for (int para = 0; para < 2; para++) {
                for (int w = 0; w < 30; w++)
                    fprintf(f, "%s%s%s", w ? " " : "",
                            words[(a * 13 + s * 7 + para * 3 + w * w) % nw],
                            w % 9 == 8 ? "." : "");
                if (s == 1 && para == 1)
                    fprintf(f, " The %s value is %s%d.", marker, words[a % nw], a);
                fprintf(f, " Unique term q%dx%dy%d.\n\n", a, s, para);
            }
        }
        fclose(f);
        char path[1024];
        snprintf(path, sizeof path, "%s/en-us/%s/%s-%03d.md", content, folder, tag, a);
        written += tu_write_file(path, text, len) == 0;
        free(text);
    }
    return written;
}

/* Starts kb-index --full on content into index; output discarded. */
static pid_t indexer_spawn(const char *content, const char *index)
{
    pid_t pid = fork();
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDWR);
        if (devnull >= 0) {
            dup2(devnull, 0);
            dup2(devnull, 1);
            dup2(devnull, 2);
        }
        execl(KB_INDEX_BIN, KB_INDEX_BIN, "--content", content, "--index", index, "--full",
              "--quiet", (char *)NULL);
        _exit(127);
    }
    return pid;
}

/* Runs kb-index --full --json; returns its exit status, *articles the
 * article count it reports. */
static int indexer_run(const char *content, const char *index, long long *articles)
{
    char *argv[] = {KB_INDEX_BIN, "--content", (char *)content, "--index", (char *)index,
                    "--full", "--json", NULL};
    char *out = NULL, *err = NULL;
    int rc = tu_run(argv, &out, &err);
    json_t *j = json_loads(out ? out : "", 0, NULL);
    *articles = json_integer_value(json_object_get(j, "articles"));
    if (rc != 0)
        fprintf(stderr, "kb-index exited with %d: %s\n", rc, err ? err : "");
    json_decref(j);
    free(out);
    free(err);
    return rc;
}

/* From a kb-serve started on index: the article count and the hits
 * for the markers of revisions A and B.  -1 when it did not start or
 * answer. */
static int served_state(const char *index, long long *articles, long long *hits_a,
                        long long *hits_b)
{
    struct tu_server srv;
    char db[700], log[700];
    snprintf(db, sizeof db, "%s/indexer-kill.db", work_dir);
    snprintf(log, sizeof log, "%s/indexer-kill-serve.log", work_dir);
    char *extra[] = {"--db", db, NULL};
    *articles = *hits_a = *hits_b = -1;
    if (start_logged(&srv, index, extra, log) != 0)
        return -1;
    /* As an agent: /healthz counts internal articles for staff only,
     * and kb-index's summary counts them all. */
    static char auth[160];
    if (!auth[0]) {
        char *tok = tu_make_user(db, "crashagent", "agent");
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", tok ? tok : "");
        free(tok);
    }
    const char *hdrs[] = {auth, NULL};
    struct tu_response r;
    tu_http_h(&srv, "GET", "/healthz", NULL, NULL, hdrs, &r);
    json_t *j = r.status == 200 ? json_loads(r.body, 0, NULL) : NULL;
    *articles = j ? json_integer_value(json_object_get(j, "articles")) : -1;
    json_decref(j);
    tu_response_free(&r);
    long st;
    j = tu_get_json(&srv, "/api/search?q=" MARKER_A "&limit=1", &st);
    *hits_a = st == 200 ? json_integer_value(json_object_get(j, "total")) : -1;
    json_decref(j);
    j = tu_get_json(&srv, "/api/search?q=" MARKER_B "&limit=1", &st);
    *hits_b = st == 200 ? json_integer_value(json_object_get(j, "total")) : -1;
    json_decref(j);
    int rc = tu_server_stop(&srv);
    return rc == 0 && *articles >= 0 && *hits_a >= 0 && *hits_b >= 0 ? 0 : -1;
}

/* Which whole revision is served: 'A' (the base articles and the alpha
 * ones), 'B' (those and the beta ones), or '?' for anything else, such
 * as half of a build. */
static char revision_of(long long articles, long long hits_a, long long hits_b,
                        long long count_a)
{
    if (articles == count_a && hits_a >= GEN_A && hits_b == 0)
        return 'A';
    if (articles == count_a + GEN_B && hits_a >= GEN_A && hits_b >= GEN_B)
        return 'B';
    return '?';
}

static void test_kill_indexer(void)
{
    char content[512], index[512], beta[600];
    CHECK_INT_EQ(&h, tu_mkdtemp(content, sizeof content, "faults-content"), 0);
    CHECK_INT_EQ(&h, tu_mkdtemp(index, sizeof index, "faults-index"), 0);
    CHECK_INT_EQ(&h, tu_copy_tree(KB_SOURCE_DIR "/content", content), 0);
    snprintf(beta, sizeof beta, "%s/en-us/beta", content);
    CHECK_INT_EQ(&h, generate_articles(content, "gen", "alpha", MARKER_A, GEN_A), GEN_A);

    /* Revision A, committed. */
    long long count_a = 0, count_b = 0, articles, hits_a, hits_b;
    CHECK_INT_EQ(&h, indexer_run(content, index, &count_a), 0);
    CHECK(&h, count_a >= GEN_A);
    /* Timed the way the killed runs work: --full over an index. */
    double t = tu_now();
    CHECK_INT_EQ(&h, indexer_run(content, index, &count_a), 0);
    double build_a = tu_now() - t;
    CHECK_INT_EQ(&h, served_state(index, &articles, &hits_a, &hits_b), 0);
    CHECK_INT_EQ(&h, revision_of(articles, hits_a, hits_b, count_a), 'A');

    /* Each round builds the other revision than the committed one
     * (adding or removing the beta articles) and kills kb-index at a
     * random moment.  What is served must be the last committed
     * revision: the old one, or the new one when the build got as far
     * as its commit. */
    char committed = 'A';
    int killed = 0, finished = 0, switched = 0;
    for (int k = 0; k < KILLS; k++) {
        char target = committed == 'A' ? 'B' : 'A';
        if (target == 'B')
            CHECK_INT_EQ(&h, generate_articles(content, "beta", "beta", MARKER_B, GEN_B), GEN_B);
        else
            tu_rmrf(beta);
        /* Most kills land well inside a build; the last rounds may let
         * one finish, so that a commit is seen to switch revisions. */
        double delay = k < KILLS - 2 ? rng_between(0.02, build_a * 0.9)
                                     : rng_between(build_a * 0.9, build_a * 1.6);
        pid_t pid = indexer_spawn(content, index);
        tu_sleep(delay);
        kill(pid, SIGKILL);
        int status = 0;
        waitpid(pid, &status, 0);
        int was_killed = WIFSIGNALED(status);
        killed += was_killed;
        finished += !was_killed;
        if (!was_killed)
            CHECK_INT_EQ(&h, WEXITSTATUS(status), 0);
        CHECK_INT_EQ(&h, served_state(index, &articles, &hits_a, &hits_b), 0);
        char rev = revision_of(articles, hits_a, hits_b, count_a);
        printf("kb-index building %c, %s after %4.0f ms: serving %lld articles, revision %c\n",
               target, was_killed ? "killed  " : "finished", delay * 1000, articles, rev);
        if (was_killed)
            CHECK(&h, rev == committed || rev == target);
        else
            CHECK_INT_EQ(&h, rev, target);
        if (rev == target) {
            switched++;
            committed = target;
        }
    }
    printf("kb-index killed %d times mid-build (%d builds finished first, %d revisions "
           "committed; a build takes %.2f s)\n",
           killed, finished, switched, build_a);
    CHECK(&h, killed >= KILLS / 3);

    /* A build after all that completes, and revision B is served. */
    CHECK_INT_EQ(&h, generate_articles(content, "beta", "beta", MARKER_B, GEN_B), GEN_B);
    CHECK_INT_EQ(&h, indexer_run(content, index, &count_b), 0);
    CHECK_INT_EQ(&h, count_b, count_a + GEN_B);
    CHECK_INT_EQ(&h, served_state(index, &articles, &hits_a, &hits_b), 0);
    CHECK_INT_EQ(&h, revision_of(articles, hits_a, hits_b, count_a), 'B');
    tu_rmrf(content);
    tu_rmrf(index);
}

int main(void)
{
    char content[512];
    faultkit_setup(content, sizeof content);
    double t = tu_now();
    test_kill_server();
    printf("1. kill -9 kb-serve: %.1f s\n", tu_now() - t);
    fflush(stdout);
    t = tu_now();
    test_kill_indexer();
    printf("2. kill -9 kb-index: %.1f s\n", tu_now() - t);
    faultkit_teardown(content);
    TEST_MAIN_END(&h);
}
