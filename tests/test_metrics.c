/* test_metrics.c -- GET /metrics of a real kb-serve: searches (cached
 * and not, one that finds nothing), events, feedback and a case move
 * the counters by exactly what was done; /metrics is refused to a
 * client a trusted proxy on this machine passes on; --metrics-listen
 * (here from a --config file's metrics-listen key) serves it on another
 * address and nothing else there.
 *
 *   test_metrics              the checks above
 *   test_metrics --promtool   the same traffic, then `promtool check
 *                             metrics` on both listeners' text; exit 77
 *                             (skipped) when promtool is not installed
 *                             (KB_WITH_METRICS=1 scripts/install-deps.sh) */
#include "harness.h"
#include "testutil.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

static struct harness h;
static char tmp[512], index_dir[600];

/* ---- kb-serve with --metrics-listen: two lines to read --------------- */

/* Reads one line from fd (at most len-1 bytes, 10 s); 0 or -1. */
static int read_line(int fd, char *line, size_t len)
{
    size_t n = 0;
    struct pollfd pfd = {fd, POLLIN, 0};
    while (n < len - 1) {
        if (poll(&pfd, 1, 10000) <= 0 || read(fd, line + n, 1) != 1)
            return -1;
        if (line[n] == '\n')
            break;
        n++;
    }
    line[n] = '\0';
    return 0;
}

/* Starts kb-serve on 127.0.0.1:0 with a metrics listener on
 * 127.0.0.2:0 (--metrics-listen, or with config a --config file that
 * says metrics-listen) and extra (NULL-terminated); fills s and *mport
 * from its first two lines.  0 or -1. */
static int start(struct tu_server *s, unsigned *mport, int config, const char *const *extra)
{
    static char conf[700];
    const char *argv[32] = {KB_SERVE_BIN, "--index", index_dir, "--listen", "127.0.0.1:0",
                            "--web", KB_SOURCE_DIR "/web", "--metrics-listen", "127.0.0.2:0"};
    int n = 9;
    if (config) {
        static const char text[] = "# the metrics listener\nmetrics-listen = 127.0.0.2:0\n";
        snprintf(conf, sizeof conf, "%s/kb-serve.conf", tmp);
        if (tu_write_file(conf, text, sizeof text - 1) != 0)
            return -1;
        argv[7] = "--config";
        argv[8] = conf;
    }
    for (int i = 0; extra && extra[i] && n < 30; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    int po[2];
    if (pipe(po) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        dup2(po[1], 1);
        close(po[0]);
        close(po[1]);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(po[1]);
    char l1[256] = "", l2[256] = "";
    int ok = read_line(po[0], l1, sizeof l1) == 0 && read_line(po[0], l2, sizeof l2) == 0;
    close(po[0]);
    const char *c1 = strrchr(l1, ':'), *c2 = strrchr(l2, ':');
    if (!ok || !strstr(l1, "listening on http://127.0.0.1:") ||
        !strstr(l2, "metrics on http://127.0.0.2:") || !c1 || !c2) {
        fprintf(stderr, "kb-serve did not start: '%s' '%s'\n", l1, l2);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        return -1;
    }
    s->pid = pid;
    s->port = (unsigned)strtoul(c1 + 1, NULL, 10);
    snprintf(s->base, sizeof s->base, "http://127.0.0.1:%u", s->port);
    *mport = (unsigned)strtoul(c2 + 1, NULL, 10);
    return 0;
}

/* The metrics listener, for tu_http: same struct, its own base. */
static struct tu_server listener(const struct tu_server *s, unsigned mport)
{
    struct tu_server m = *s;
    m.port = mport;
    snprintf(m.base, sizeof m.base, "http://127.0.0.2:%u", mport);
    return m;
}

/* ---- Reading the text format ------------------------------------------ */

/* The value of the sample whose name and labels are exactly series
 * ("name" or "name{a=\"b\",...}"), or -1 when there is none. */
static double sample(const char *text, const char *series)
{
    size_t n = strlen(series);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        if (*p == '#' || strncmp(p, series, n) != 0 || p[n] != ' ')
            continue;
        return strtod(p + n + 1, NULL);
    }
    return -1;
}

/* Delta of a series between two scrapes (a missing one counts 0). */
static double delta(const char *before, const char *after, const char *series)
{
    double a = sample(after, series), b = sample(before, series);
    return (a < 0 ? 0 : a) - (b < 0 ? 0 : b);
}

#define CHECK_DELTA(before, after, series, want)                                      \
    do {                                                                              \
        double d_ = delta(before, after, series);                                     \
        if (d_ != (want))                                                             \
            fprintf(stderr, "%s moved by %g, want %g\n", series, d_, (double)(want)); \
        CHECK(&h, d_ == (want));                                                      \
    } while (0)

/* Every histogram series: buckets never decrease, +Inf equals _count. */
static void check_histograms(const char *text)
{
    const char *name = "kb_http_request_duration_seconds_bucket{";
    int seen = 0;
    for (const char *p = strstr(text, name); p; p = strstr(p + 1, name)) {
        const char *le = strstr(p, ",le=\"");
        const char *eol = strchr(p, '\n');
        if (!le || !eol || le > eol) {
            CHECK(&h, 0);
            return;
        }
        if (strncmp(le, ",le=\"+Inf\"}", 11) != 0)
            continue;
        seen++;
        /* name{labels} for _count. */
        char series[256];
        snprintf(series, sizeof series, "kb_http_request_duration_seconds_count{%.*s}",
                 (int)(le - p - strlen(name)), p + strlen(name));
        CHECK(&h, strtod(le + 11, NULL) == sample(text, series));
    }
    CHECK(&h, seen > 0);
    /* Cumulative: each line no smaller than the one before it in a run
     * of one series' buckets. */
    double prev = -1;
    char prev_labels[256] = "";
    for (const char *p = strstr(text, name); p; p = strstr(p + 1, name)) {
        const char *le = strstr(p, ",le=\"");
        char labels[256];
        snprintf(labels, sizeof labels, "%.*s", (int)(le - p), p);
        double v = strtod(strchr(le, '}') + 1, NULL);
        if (strcmp(labels, prev_labels) == 0)
            CHECK(&h, v >= prev);
        prev = v;
        snprintf(prev_labels, sizeof prev_labels, "%s", labels);
    }
}

/* The value of header name (with its colon) in a raw header block, or
 * NULL; caller frees. */
static char *header(const char *block, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = block; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        if (strncasecmp(p, name, n) == 0) {
            p += n;
            while (*p == ' ')
                p++;
            return strndup(p, strcspn(p, "\r\n"));
        }
    return NULL;
}

static char *scrape(const struct tu_server *s, const char *const *headers, long *status,
                    char **ctype)
{
    struct tu_response r;
    if (tu_http_h(s, "GET", "/metrics", NULL, NULL, headers, &r) != 0)
        return NULL;
    *status = r.status;
    if (ctype)
        *ctype = header(r.headers, "Content-Type:");
    char *body = r.body;
    r.body = NULL;
    tu_response_free(&r);
    return body;
}

static long req(const struct tu_server *s, const char *method, const char *path,
                const char *body, json_t **json)
{
    static const char *const visit[] = {"X-KB-Visit: metrics-visit-000000001", NULL};
    struct tu_response r;
    if (tu_http_h(s, method, path, body, body ? "application/json" : NULL, visit, &r) != 0)
        return -1;
    long st = r.status;
    if (json)
        *json = json_loads(r.body ? r.body : "", 0, NULL);
    tu_response_free(&r);
    return st;
}

/* ---- The checks --------------------------------------------------------- */

/* An author's reindex job, waited for; its final state ("done" or
 * "failed", static) or NULL. */
static const char *reindex(const struct tu_server *s)
{
    char db[700], auth[200], path[128];
    snprintf(db, sizeof db, "%s.db", index_dir);
    char *tok = tu_make_user(db, "author1", "author");
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", tok ? tok : "");
    free(tok);
    const char *const hdr[] = {auth, NULL};
    struct tu_response r;
    if (tu_http_h(s, "POST", "/api/admin/reindex", "{}", "application/json", hdr, &r) != 0)
        return NULL;
    CHECK_INT_EQ(&h, r.status, 202);
    json_t *j = json_loads(r.body ? r.body : "", 0, NULL);
    snprintf(path, sizeof path, "/api/admin/reindex/%s",
             json_string_value(json_object_get(j, "id")) ? json_string_value(json_object_get(j, "id")) : "none");
    json_decref(j);
    tu_response_free(&r);
    const char *state = NULL;
    for (double until = tu_now() + 60; !state && tu_now() < until;) {
        if (tu_http_h(s, "GET", path, NULL, NULL, hdr, &r) != 0)
            break;
        j = json_loads(r.body ? r.body : "", 0, NULL);
        const char *v = json_string_value(json_object_get(j, "state"));
        if (v && strcmp(v, "done") == 0)
            state = "done";
        else if (v && strcmp(v, "failed") == 0)
            state = "failed";
        json_decref(j);
        tu_response_free(&r);
        if (!state)
            tu_sleep(0.1);
    }
    CHECK(&h, state != NULL);
    return state;
}

/* Searches, events, a case and a reindex job; returns the id of the
 * first hit for "refund" (caller frees) and the job's outcome in
 * *outcome. */
static char *traffic(const struct tu_server *s, const char **outcome)
{
    json_t *j = NULL;
    *outcome = reindex(s);
    CHECK_INT_EQ(&h, req(s, "GET", "/api/search?q=refund", NULL, &j), 200);
    json_t *hit = json_array_get(json_object_get(j, "hits"), 0);
    char *id = strdup(hit ? json_string_value(json_object_get(hit, "id")) : "none");
    json_decref(j);
    CHECK(&h, hit != NULL);
    CHECK_INT_EQ(&h, req(s, "GET", "/api/search?q=refund", NULL, NULL), 200);
    CHECK_INT_EQ(&h, req(s, "GET", "/api/search?q=zzqxv+wibblewobble", NULL, &j), 200);
    CHECK_INT_EQ(&h, json_integer_value(json_object_get(j, "total")), 0);
    json_decref(j);
    CHECK_INT_EQ(&h, req(s, "GET", "/api/suggest?q=refu", NULL, NULL), 200);
    CHECK_INT_EQ(&h, req(s, "GET", "/no/such/path", NULL, NULL), 404);

    char body[512];
    snprintf(body, sizeof body, "{\"type\":\"view\",\"article\":\"%s\"}", id);
    CHECK_INT_EQ(&h, req(s, "POST", "/api/events", body, NULL), 201);
    snprintf(body, sizeof body, "{\"article\":\"%s\",\"helpful\":true}", id);
    CHECK_INT_EQ(&h, req(s, "POST", "/api/feedback", body, NULL), 201);
    CHECK_INT_EQ(&h, req(s, "POST", "/api/cases",
                         "{\"subject\":\"Refund missing\",\"email\":\"a@example.com\"}", NULL),
                 201);
    /* Acknowledged last: every event before it is committed by now (the
     * writer takes the queue in order). */
    snprintf(body, sizeof body,
             "{\"type\":\"click\",\"query\":\"refund\",\"article\":\"%s\",\"rank\":1}", id);
    CHECK_INT_EQ(&h, req(s, "POST", "/api/events", body, NULL), 201);
    return id;
}

static void test_counts(void)
{
    struct tu_server s = {0};
    unsigned mport;
    const char *const extra[] = {"--trusted-proxy", "127.0.0.1", "--content", KB_TEST_DATA "/kb",
                                 NULL};
    CHECK_INT_EQ(&h, start(&s, &mport, 1, extra), 0);
    if (!s.pid)
        return;
    long st = 0;
    char *ctype = NULL;
    char *before = scrape(&s, NULL, &st, &ctype);
    CHECK_INT_EQ(&h, st, 200);
    CHECK_STR_EQ(&h, ctype, "text/plain; version=0.0.4; charset=utf-8");
    free(ctype);
    const char *outcome = NULL;
    free(traffic(&s, &outcome));
    char *after = scrape(&s, NULL, &st, NULL);
    CHECK_INT_EQ(&h, st, 200);
    if (!before || !after) {
        CHECK(&h, 0);
        return;
    }
    /* Requests by route (the table's path) and status, and latency. */
    CHECK_DELTA(before, after,
                "kb_http_requests_total{method=\"GET\",route=\"/api/search\",status=\"200\"}", 3);
    CHECK_DELTA(before, after,
                "kb_http_request_duration_seconds_count{method=\"GET\",route=\"/api/search\"}", 3);
    CHECK_DELTA(before, after,
                "kb_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/search\","
                "le=\"+Inf\"}",
                3);
    CHECK(&h, delta(before, after,
                    "kb_http_request_duration_seconds_sum{method=\"GET\",route=\"/api/search\"}") >
                  0);
    CHECK_DELTA(before, after,
                "kb_http_requests_total{method=\"GET\",route=\"/api/suggest\",status=\"200\"}", 1);
    CHECK_DELTA(before, after,
                "kb_http_requests_total{method=\"POST\",route=\"/api/events\",status=\"201\"}", 2);
    CHECK_DELTA(before, after,
                "kb_http_requests_total{method=\"POST\",route=\"/api/cases\",status=\"201\"}", 1);
    CHECK_DELTA(before, after,
                "kb_http_requests_total{method=\"GET\",route=\"/metrics\",status=\"200\"}", 1);
    CHECK_DELTA(before, after,
                "kb_http_requests_total{method=\"\",route=\"unmatched\",status=\"404\"}", 1);
    /* The URL never becomes a label. */
    CHECK(&h, !strstr(after, "/no/such/path"));
    CHECK(&h, !strstr(after, "zzqxv"));
    /* Searches: two searched, one from the cache, one found nothing;
     * the suggest searched. */
    CHECK_DELTA(before, after, "kb_searches_total{type=\"search\",cached=\"false\"}", 2);
    CHECK_DELTA(before, after, "kb_searches_total{type=\"search\",cached=\"true\"}", 1);
    CHECK_DELTA(before, after, "kb_searches_zero_results_total{type=\"search\"}", 1);
    CHECK_DELTA(before, after, "kb_searches_total{type=\"suggest\",cached=\"false\"}", 1);
    CHECK_DELTA(before, after, "kb_searches_total{type=\"suggest\",cached=\"true\"}", 0);
    /* Events and the case, committed. */
    CHECK_DELTA(before, after, "kb_events_written_total{kind=\"search\"}", 3);
    CHECK_DELTA(before, after, "kb_events_written_total{kind=\"suggest\"}", 1);
    CHECK_DELTA(before, after, "kb_events_written_total{kind=\"view\"}", 1);
    CHECK_DELTA(before, after, "kb_events_written_total{kind=\"vote\"}", 1);
    CHECK_DELTA(before, after, "kb_events_written_total{kind=\"click\"}", 1);
    CHECK_DELTA(before, after, "kb_cases_written_total", 1);
    CHECK(&h, sample(after, "kb_event_queue_depth") == 0);
    CHECK(&h, sample(after, "kb_store_errors_total{operation=\"event\"}") == 0);
    CHECK(&h, sample(after, "kb_store_errors_total{operation=\"case\"}") == 0);
    /* The reindex job, by the outcome its status gave. */
    CHECK_STR_EQ(&h, outcome, "done");
    CHECK_DELTA(before, after, "kb_reindex_jobs_total{outcome=\"done\"}", 1);
    CHECK_DELTA(before, after, "kb_reindex_jobs_total{outcome=\"failed\"}", 0);
    CHECK(&h, sample(after, "kb_reindex_running") == 0);
    /* The index as /healthz tells an anonymous reader. */
    long hst;
    json_t *hz = tu_get_json(&s, "/healthz", &hst);
    CHECK(&h, sample(after, "kb_index_up") == 1);
    CHECK(&h, sample(after, "kb_index_articles") ==
                  (double)json_integer_value(json_object_get(hz, "articles")));
    CHECK(&h, sample(after, "kb_index_sections") ==
                  (double)json_integer_value(json_object_get(hz, "sections")));
    CHECK(&h, sample(after, "kb_index_revision") ==
                  (double)json_integer_value(json_object_get(hz, "revision")));
    CHECK(&h, sample(after, "kb_index_articles") > 0);
    json_decref(hz);
    /* Memory: the resident size the kernel reports, within a margin
     * for what changed between the two readings. */
    double rss = sample(after, "process_resident_memory_bytes");
    long kb = tu_rss_kb(s.pid);
    CHECK(&h, rss > 0 && kb > 0 && rss > kb * 1024.0 * 0.5 && rss < kb * 1024.0 * 1.5);
    CHECK(&h, sample(after, "process_open_fds") > 0);
    CHECK(&h, sample(after, "process_start_time_seconds") > 1.6e9);
    check_histograms(after);

    /* A client a trusted proxy on this machine passes on is not local. */
    const char *const proxied[] = {"X-Forwarded-For: 203.0.113.7", NULL};
    struct tu_response r;
    CHECK_INT_EQ(&h, tu_http_h(&s, "GET", "/metrics", NULL, NULL, proxied, &r), 0);
    CHECK_INT_EQ(&h, r.status, 403);
    CHECK(&h, r.body && !strstr(r.body, "kb_http_requests_total"));
    tu_response_free(&r);
    /* A local client through the same proxy is. */
    const char *const local[] = {"X-Forwarded-For: 127.0.0.1", NULL};
    free(scrape(&s, local, &st, NULL));
    CHECK_INT_EQ(&h, st, 200);

    /* --metrics-listen: /metrics to anyone who reaches it, nothing else. */
    struct tu_server m = listener(&s, mport);
    char *ctype2 = NULL;
    char *there = scrape(&m, proxied, &st, &ctype2);
    CHECK_INT_EQ(&h, st, 200);
    CHECK_STR_EQ(&h, ctype2, "text/plain; version=0.0.4; charset=utf-8");
    free(ctype2);
    CHECK(&h, there && sample(there, "kb_http_requests_total{method=\"GET\",route=\"/metrics\","
                                     "status=\"403\"}") == 1);
    CHECK(&h, there && sample(there, "kb_cases_written_total") ==
                           sample(after, "kb_cases_written_total"));
    free(there);
    CHECK_INT_EQ(&h, tu_http(&m, "GET", "/api/search?q=refund", NULL, NULL, &r), 0);
    CHECK_INT_EQ(&h, r.status, 404);
    tu_response_free(&r);
    CHECK_INT_EQ(&h, tu_http(&m, "POST", "/metrics", "x", "text/plain", &r), 0);
    CHECK_INT_EQ(&h, r.status, 405);
    char *allow = header(r.headers, "Allow:");
    CHECK_STR_EQ(&h, allow, "GET, HEAD");
    free(allow);
    tu_response_free(&r);
    /* Its answers are counted with the main listener's. */
    char *last = scrape(&s, NULL, &st, NULL);
    CHECK(&h, last && sample(last, "kb_http_requests_total{method=\"GET\",route=\"/metrics\","
                                   "status=\"200\"}") ==
                          sample(after, "kb_http_requests_total{method=\"GET\",route=\"/metrics\","
                                        "status=\"200\"}") +
                              3);
    free(last);
    free(before);
    free(after);
    CHECK_INT_EQ(&h, tu_server_stop(&s), 0);
}

/* Without --trusted-proxy, a request that names a client in a
 * forwarding header came through a proxy kb-serve was not told of
 * (one on this machine would make every visitor local): refused.  And
 * --metrics-listen's mistakes are said clearly. */
static void test_untrusted_and_errors(void)
{
    struct tu_server s = {0};
    unsigned mport;
    CHECK_INT_EQ(&h, start(&s, &mport, 0, NULL), 0);
    if (s.pid) {
        long st;
        free(scrape(&s, NULL, &st, NULL));
        CHECK_INT_EQ(&h, st, 200);
        static const char *const fwd[][2] = {{"X-Forwarded-For: 127.0.0.1", NULL},
                                             {"Forwarded: for=127.0.0.1", NULL},
                                             {"X-Real-IP: 127.0.0.1", NULL}};
        for (size_t i = 0; i < sizeof fwd / sizeof fwd[0]; i++) {
            char *body = scrape(&s, fwd[i], &st, NULL);
            CHECK_INT_EQ(&h, st, 403);
            CHECK(&h, body && !strstr(body, "kb_http_requests_total"));
            free(body);
        }
        /* Its own listener is for another address: anyone there. */
        struct tu_server m = listener(&s, mport);
        free(scrape(&m, fwd[0], &st, NULL));
        CHECK_INT_EQ(&h, st, 200);
        CHECK_INT_EQ(&h, tu_server_stop(&s), 0);
    }

    char *err = NULL;
    char *bad[] = {KB_SERVE_BIN, "--index", index_dir, "--metrics-listen", "9464", NULL};
    CHECK_INT_EQ(&h, tu_run(bad, NULL, &err), 2);
    CHECK_CONTAINS(&h, err, "--metrics-listen: '9464' is not ADDR:PORT");
    free(err);
    char conf[700];
    snprintf(conf, sizeof conf, "%s/bad.conf", tmp);
    static const char text[] = "metrics-listen = here\n";
    CHECK_INT_EQ(&h, tu_write_file(conf, text, sizeof text - 1), 0);
    char *badconf[] = {KB_SERVE_BIN, "--index", index_dir, "--config", conf, NULL};
    err = NULL;
    CHECK_INT_EQ(&h, tu_run(badconf, NULL, &err), 2);
    CHECK_CONTAINS(&h, err, "bad.conf:1: error: --metrics-listen: 'here' is not ADDR:PORT");
    free(err);
    /* The main listener's own address: in use. */
    struct tu_server a = {0};
    CHECK_INT_EQ(&h, tu_server_start(&a, index_dir, NULL), 0);
    if (a.pid) {
        char addr[64];
        snprintf(addr, sizeof addr, "127.0.0.1:%u", a.port);
        char *busy[] = {KB_SERVE_BIN, "--index", index_dir, "--listen", "127.0.0.1:0", "--web",
                        KB_SOURCE_DIR "/web", "--metrics-listen", addr, NULL};
        err = NULL;
        CHECK_INT_EQ(&h, tu_run(busy, NULL, &err), 1);
        char want[128];
        snprintf(want, sizeof want, "cannot listen on %s: address in use", addr);
        CHECK_CONTAINS(&h, err, want);
        free(err);
        CHECK_INT_EQ(&h, tu_server_stop(&a), 0);
    }
}

/* Where promtool is, or NULL. */
static const char *find_promtool(void)
{
    static char path[4096];
    const char *env = getenv("PATH");
    char *dirs = strdup(env ? env : "/usr/bin:/bin");
    const char *found = NULL;
    for (char *save = NULL, *d = strtok_r(dirs, ":", &save); d && !found;
         d = strtok_r(NULL, ":", &save)) {
        snprintf(path, sizeof path, "%s/promtool", d);
        if (access(path, X_OK) == 0)
            found = path;
    }
    free(dirs);
    return found;
}

static void promtool_check(const char *promtool, const char *what, const char *text)
{
    char *out = NULL, *err = NULL;
    char *argv[] = {(char *)promtool, "check", "metrics", NULL};
    int rc = tu_run_input(argv, text, &out, &err);
    /* promtool prints lint problems and exits 3, bad syntax 1. */
    if (rc != 0 || (out && *out) || (err && *err))
        fprintf(stderr, "promtool check metrics (%s): exit %d\n%s%s\n", what, rc,
                out ? out : "", err ? err : "");
    CHECK_INT_EQ(&h, rc, 0);
    CHECK(&h, !out || !*out);
    CHECK(&h, !err || !*err);
    free(out);
    free(err);
}

static void test_promtool(const char *promtool)
{
    struct tu_server s = {0};
    unsigned mport;
    const char *const extra[] = {"--content", KB_TEST_DATA "/kb", NULL};
    CHECK_INT_EQ(&h, start(&s, &mport, 0, extra), 0);
    if (!s.pid)
        return;
    const char *outcome;
    free(traffic(&s, &outcome));
    struct tu_response r;
    CHECK_INT_EQ(&h, tu_http(&s, "GET", "/search?q=refund", NULL, NULL, &r), 0);
    tu_response_free(&r);
    long st;
    char *text = scrape(&s, NULL, &st, NULL);
    CHECK_INT_EQ(&h, st, 200);
    promtool_check(promtool, "--listen", text ? text : "");
    struct tu_server m = listener(&s, mport);
    char *there = scrape(&m, NULL, &st, NULL);
    CHECK_INT_EQ(&h, st, 200);
    promtool_check(promtool, "--metrics-listen", there ? there : "");
    free(text);
    free(there);
    CHECK_INT_EQ(&h, tu_server_stop(&s), 0);
}

int main(int argc, char **argv)
{
    int promtool_mode = argc > 1 && strcmp(argv[1], "--promtool") == 0;
    const char *promtool = promtool_mode ? find_promtool() : NULL;
    if (promtool_mode && !promtool) {
        fprintf(stderr, "test_metrics: SKIPPED: promtool is not installed, so /metrics was "
                        "not checked with it (KB_WITH_METRICS=1 scripts/install-deps.sh "
                        "installs Debian's prometheus, which has it)\n");
        return 77;
    }
    CHECK_INT_EQ(&h, tu_mkdtemp(tmp, sizeof tmp, "metrics"), 0);
    snprintf(index_dir, sizeof index_dir, "%s/index", tmp);
    char *ix[] = {KB_INDEX_BIN, "--content", KB_TEST_DATA "/kb", "--index", index_dir,
                  "--quiet", NULL};
    CHECK_INT_EQ(&h, tu_run(ix, NULL, NULL), 0);
    if (promtool_mode)
        test_promtool(promtool);
    else {
        test_counts();
        test_untrusted_and_errors();
    }
    tu_rmrf(tmp);
    TEST_MAIN_END(&h);
}
