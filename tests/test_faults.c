/* test_faults.c -- the real kb-serve and kb-index under hostile input
 * and faults:
 *
 *   1. bad requests (huge queries, bad bytes in parameters, path
 *      traversal, broken or oversized bodies on every POST endpoint)
 *      get a complete 4xx answer, store nothing, and leave the server
 *      able to store the next good event and case;
 *   2. a client that sends its request a byte a second is cut off
 *      about --timeout seconds after it connected, while others are
 *      served at once;
 *   3. thousands of idle connections from one address are refused
 *      beyond --per-ip-limit and do not bring the server down;
 *   4. kill -9 of kb-serve while clients post loses no acknowledged
 *      event or case, and kill -9 of kb-index in the middle of a build
 *      leaves the last committed index, which kb-serve serves and the
 *      next kb-index run updates.
 *
 * Timings and kill points are random: the seed is printed first, and
 * KB_FAULTS_SEED=N runs the same choices again. */
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

static struct harness h = {0, 0};
static char agent_auth[160]; /* "Authorization: Bearer ..." */
static char db_path[600];    /* the service database every server uses */
static char index_dir[512];  /* tests/data/kb, indexed */
static char work_dir[512];   /* scratch: the database, server logs */

/* ---- random choices, reproducible from the printed seed ---------- */

static uint64_t rng_state;

static uint64_t rng_next(void)
{
    /* xorshift64*: plenty for picking delays. */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ULL;
}

/* Uniform in [lo, hi]. */
static double rng_between(double lo, double hi)
{
    return lo + (hi - lo) * (double)(rng_next() >> 11) / (double)(1ULL << 53);
}

/* ---- small helpers ------------------------------------------------ */

/* tu_server_start with the server's stderr going to the file log
 * (libmicrohttpd reports every connection it refuses there); the log
 * is copied to stderr when the server does not start. */
static int start_logged(struct tu_server *s, const char *index, char *const argv[],
                        const char *log)
{
    fflush(stderr);
    int saved = dup(2);
    int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd >= 0) {
        dup2(fd, 2);
        close(fd);
    }
    int rc = tu_server_start(s, index, argv);
    dup2(saved, 2);
    close(saved);
    if (rc != 0) {
        FILE *f = fopen(log, "r");
        char line[512];
        while (f && fgets(line, sizeof line, f))
            fputs(line, stderr);
        if (f)
            fclose(f);
    }
    return rc;
}

/* Starts kb-serve on the test index and database with extra arguments;
 * its stderr goes to the file log when log is not NULL. */
static int start_server(struct tu_server *s, char *const extra[], const char *log)
{
    char *argv[24];
    int n = 0;
    argv[n++] = "--db";
    argv[n++] = db_path;
    for (int i = 0; extra && extra[i] && n < 22; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    int rc = log ? start_logged(s, index_dir, argv, log) : tu_server_start(s, index_dir, argv);
    CHECK_INT_EQ(&h, rc, 0);
    return rc;
}

static long healthz(const struct tu_server *s)
{
    long st = 0;
    json_t *j = tu_get_json(s, "/healthz", &st);
    json_decref(j);
    return st;
}

static sqlite3 *db_open_ro(void)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        fprintf(stderr, "cannot open %s: %s\n", db_path, db ? sqlite3_errmsg(db) : "?");
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, 10000);
    return db;
}

/* One integer from sql with ?1 bound to text (may be NULL: no bind). */
static long long db_int(sqlite3 *db, const char *sql, const char *text)
{
    sqlite3_stmt *st;
    long long v = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "%s: %s\n", sql, sqlite3_errmsg(db));
        return -1;
    }
    if (text)
        sqlite3_bind_text(st, 1, text, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

#define SQL_VIEWS_OF_VISIT                                                              \
    "SELECT count(*) FROM events e JOIN visits v ON v.id = e.visit_id"                  \
    " WHERE v.key = ?1 AND e.kind = 'view'"
#define SQL_CASES_OF_VISIT                                                              \
    "SELECT count(*) FROM cases c JOIN visits v ON v.id = c.visit_id WHERE v.key = ?1"

/* A whole raw request in a new buffer (caller frees); *len its size. */
static char *raw_request(const char *method, const char *path, const char *visit,
                         const char *content_type, const char *body, size_t body_len,
                         size_t *len)
{
    size_t cap = strlen(path) + body_len + 512;
    char *buf = malloc(cap);
    if (!buf)
        return NULL;
    int n = snprintf(buf, cap, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n",
                     method, path);
    if (visit)
        n += snprintf(buf + n, cap - (size_t)n, "X-KB-Visit: %s\r\n", visit);
    if (content_type)
        n += snprintf(buf + n, cap - (size_t)n, "Content-Type: %s\r\n", content_type);
    if (body)
        n += snprintf(buf + n, cap - (size_t)n, "Content-Length: %zu\r\n", body_len);
    n += snprintf(buf + n, cap - (size_t)n, "\r\n");
    if (body_len)
        memcpy(buf + n, body, body_len);
    *len = (size_t)n + body_len;
    return buf;
}

/* ---- 1. bad input ------------------------------------------------- */

#define BAD_VISIT "faults-bad-input-visit-0001"

enum answer { JSON_ERROR, HTML_PAGE, ANY_4XX };

static unsigned bad_port;

/* Sends one bad request; the answer must be complete, have status want
 * (any 4xx when 0) and, as asked, be a JSON error with code (any code
 * when NULL) or an HTML page.  Returns the answer's body for further
 * checks (caller frees), or NULL. */
static char *check_bad(const char *label, const char *raw, size_t len, long want,
                       enum answer kind, const char *code)
{
    struct tu_response r;
    int rc = tu_raw_http(bad_port, raw, len, 20000, &r);
    int ok = rc == 0 && r.status >= 400 && r.status < 500 && (!want || r.status == want);
    if (ok && kind == JSON_ERROR) {
        json_t *j = json_loads(r.body, 0, NULL);
        const char *e = json_string_value(json_object_get(j, "error"));
        const char *m = json_string_value(json_object_get(j, "message"));
        ok = strstr(r.headers, "application/json") && e && m && *m && (!code || !strcmp(e, code));
        json_decref(j);
    } else if (ok && kind == HTML_PAGE) {
        ok = strstr(r.headers, "text/html") && strstr(r.body, "<!doctype html>");
    }
    if (!ok)
        fprintf(stderr, "FAIL %s: rc %d, status %ld (want %ld, %s %s): %.300s\n", label, rc,
                r.status, want,
                kind == JSON_ERROR ? "JSON error" : kind == HTML_PAGE ? "HTML page" : "any",
                code ? code : "", r.body ? r.body : "");
    CHECK(&h, ok);
    char *body = r.body;
    r.body = NULL;
    tu_response_free(&r);
    return body;
}

static void bad_get(const char *path, long want, enum answer kind, const char *code)
{
    size_t len;
    char *raw = raw_request("GET", path, BAD_VISIT, NULL, NULL, 0, &len);
    char label[120];
    snprintf(label, sizeof label, "GET %.100s", path);
    free(check_bad(label, raw, len, want, kind, code));
    free(raw);
}

/* GET path; the answer must be a 4xx that does not contain leak. */
static void traversal(const char *path, long want, enum answer kind, const char *leak)
{
    size_t len;
    char *raw = raw_request("GET", path, BAD_VISIT, NULL, NULL, 0, &len);
    char *body = check_bad(path, raw, len, want, kind, NULL);
    CHECK_NOT_CONTAINS(&h, body ? body : "", leak);
    free(body);
    free(raw);
}

/* What each POST endpoint answers to a body that is a JSON object but
 * not what it wants, and to an empty body. */
struct endpoint {
    const char *path;
    enum answer kind;      /* errors about the body */
    long wrong_types;      /* status for {"type":5,...} */
    const char *wrong_code;
    long empty;            /* status for no body at all */
    const char *empty_code;
    enum answer plain_kind; /* answer to text/plain */
};

static const struct endpoint endpoints[] = {
    {"/api/events", JSON_ERROR, 400, "invalid_fields", 400, "invalid_body", JSON_ERROR},
    {"/api/feedback", JSON_ERROR, 400, "invalid_fields", 400, "invalid_body", JSON_ERROR},
    {"/api/cases", JSON_ERROR, 400, "invalid_fields", 400, "invalid_body", JSON_ERROR},
    {"/api/admin/reindex", JSON_ERROR, 401, "unauthorized", 401, "unauthorized", JSON_ERROR},
    /* Sign-in and sign-out speak JSON to JSON clients; a text/plain
     * post is a form post gone wrong and gets the page. */
    {"/login", JSON_ERROR, 400, "missing_credentials", 400, "invalid_body", HTML_PAGE},
    {"/logout", JSON_ERROR, 401, "unauthorized", 401, "unauthorized", HTML_PAGE},
    /* Form endpoints of the HTML pages: they parse JSON too, and answer
     * every error with a page. */
    {"/contact", HTML_PAGE, 403, NULL, 400, NULL, HTML_PAGE},
    {"/articles/billing/invoices/feedback", HTML_PAGE, 403, NULL, 400, NULL, HTML_PAGE},
};

static void bad_post(const struct endpoint *ep, const char *what, const char *ct,
                     const char *body, size_t body_len, long want, enum answer kind,
                     const char *code)
{
    size_t len;
    char *raw = raw_request("POST", ep->path, BAD_VISIT, ct, body, body_len, &len);
    char label[160];
    snprintf(label, sizeof label, "POST %s (%s)", ep->path, what);
    free(check_bad(label, raw, len, want, kind, code));
    free(raw);
}

/* A string of n copies of unit followed by tail (caller frees). */
static char *repeat(const char *unit, size_t n, const char *tail, size_t *len)
{
    size_t u = strlen(unit), t = strlen(tail);
    char *s = malloc(u * n + t + 1);
    for (size_t i = 0; i < n; i++)
        memcpy(s + i * u, unit, u);
    memcpy(s + u * n, tail, t + 1);
    *len = u * n + t;
    return s;
}

static void bad_bodies(const struct endpoint *ep)
{
    const char *json = "application/json";
    enum answer k = ep->kind;
    static const char trunc[] = "{\"type\":\"view\",\"article\":\"billing/inv";
    bad_post(ep, "truncated", json, trunc, sizeof trunc - 1, 400, k,
             k == JSON_ERROR ? "invalid_json" : NULL);
    static const char *const not_objects[] = {"[1,2,3]", "\"view\"", "42", "null", "true"};
    for (size_t i = 0; i < sizeof not_objects / sizeof not_objects[0]; i++)
        bad_post(ep, not_objects[i], json, not_objects[i], strlen(not_objects[i]), 400, k,
                 k == JSON_ERROR ? "invalid_json" : NULL);
    static const char wrong[] =
        "{\"type\":5,\"article\":[\"billing/invoices\"],\"section\":{},\"rank\":\"1\","
        "\"helpful\":\"maybe\",\"subject\":{\"a\":1},\"email\":7,\"username\":1,"
        "\"password\":[],\"full\":\"yes\",\"csrf\":3}";
    bad_post(ep, "wrong types", json, wrong, sizeof wrong - 1, ep->wrong_types, k,
             ep->wrong_code);
    size_t n;
    /* Nesting far past any parser's depth limit, under the body limit
     * the server runs with here (256 KiB). */
    char *deep = repeat("[", 100000, "", &n);
    bad_post(ep, "100000-deep array", json, deep, n, 400, k,
             k == JSON_ERROR ? "invalid_json" : NULL);
    free(deep);
    deep = repeat("{\"a\":", 40000, "1", &n);
    bad_post(ep, "40000-deep object", json, deep, n, 400, k,
             k == JSON_ERROR ? "invalid_json" : NULL);
    free(deep);
    static const char bad_utf8[] = "{\"type\":\"view\",\"article\":\"billing/\xff\xfe\","
                                   "\"subject\":\"\xc0\xaf\",\"email\":\"a@b.co\"}";
    bad_post(ep, "invalid UTF-8 in a string", json, bad_utf8, sizeof bad_utf8 - 1, 400, k,
             k == JSON_ERROR ? "invalid_json" : NULL);
    static const char nul_escape[] = "{\"type\":\"view\",\"article\":\"billing/invoices\","
                                     "\"section\":\"a\\u0000b\",\"subject\":\"x\\u0000\","
                                     "\"email\":\"a@b.co\",\"username\":\"a\\u0000\"}";
    bad_post(ep, "\\u0000 in a string", json, nul_escape, sizeof nul_escape - 1, 400, k,
             k == JSON_ERROR ? "invalid_json" : NULL);
    static const char raw_nul[] = "{\"type\":\"view\",\0\"article\":\"billing/invoices\"}";
    bad_post(ep, "NUL byte in the body", json, raw_nul, sizeof raw_nul - 1, 400, k,
             k == JSON_ERROR ? "invalid_json" : NULL);
    bad_post(ep, "empty body", json, "", 0, ep->empty, k, ep->empty_code);
    static const char good[] = "{\"type\":\"view\",\"article\":\"billing/invoices\"}";
    bad_post(ep, "text/plain", "text/plain", good, sizeof good - 1, 415, ep->plain_kind,
             ep->plain_kind == JSON_ERROR ? "unsupported_media_type" : NULL);
    bad_post(ep, "XML", "application/xml", good, sizeof good - 1, 415, ep->plain_kind,
             ep->plain_kind == JSON_ERROR ? "unsupported_media_type" : NULL);
    /* Over the body limit: refused before routing, so the answer
     * follows the body's type (JSON here) on every path. */
    char *big = repeat("x", 300 * 1024, "\"}", &n);
    memcpy(big, "{\"type\":\"", 9);
    bad_post(ep, "300 KiB body", json, big, n, 413, JSON_ERROR, "body_too_large");
    free(big);
}

static void test_bad_input(void)
{
    struct tu_server srv;
    char *extra[] = {"--max-body", "262144", NULL};
    if (start_server(&srv, extra, NULL) != 0)
        return;
    bad_port = srv.port;

    /* A 1 MB query: libmicrohttpd itself refuses a request line that
     * does not fit its per-connection memory, with its own fixed page
     * (0.9.75 offers no hook to word it); the answer must still come. */
    size_t qn = 1024 * 1024;
    char *path = malloc(qn + 64);
    memcpy(path, "/api/search?q=", 14);
    memset(path + 14, 'a', qn);
    path[14 + qn] = '\0';
    bad_get(path, 414, ANY_4XX, NULL);
    /* 10,000 terms (59 KB: fits the connection memory, so the API
     * answers it). */
    size_t o = (size_t)snprintf(path, qn, "/api/search?q=w1");
    for (int i = 2; i <= 10000; i++)
        o += (size_t)snprintf(path + o, qn - o, "+w%d", i);
    bad_get(path, 400, JSON_ERROR, "query_too_long");
    /* Within the length limit, too many words. */
    o = (size_t)snprintf(path, qn, "/api/search?q=a");
    for (int i = 1; i < 400; i++)
        o += (size_t)snprintf(path + o, qn - o, "+%c", 'a' + i % 26);
    bad_get(path, 400, JSON_ERROR, "too_many_terms");
    free(path);

    /* Bad bytes in parameters: invalid UTF-8 (stray continuation,
     * overlong, surrogate, truncated), NUL, control bytes. */
    static const char *const bad_params[] = {
        "/api/search?q=%FF%FE",
        "/api/search?q=%C0%AF",
        "/api/search?q=%ED%A0%80",
        "/api/search?q=caf%C3",
        "/api/search?q=a%00b",
        "/api/search?q=%00",
        "/api/search?q=late%01fee",
        "/api/search?q=late+fee&locale=en%00us",
        "/api/search?q=late+fee&topic=%FF",
        "/api/search?q=late+fee&product=a%00",
        "/api/suggest?q=%E6%BB",
        "/api/suggest?q=late%00fe",
        "/api/articles/billing/invoices?locale=%FF",
    };
    for (size_t i = 0; i < sizeof bad_params / sizeof bad_params[0]; i++)
        bad_get(bad_params[i], 400, JSON_ERROR, NULL);
    bad_get("/api/search?q=%FF", 400, JSON_ERROR, "invalid_parameter");
    bad_get("/api/search?q=a%00b", 400, JSON_ERROR, "invalid_parameter");
    /* In the path: decoded by the server, still refused. */
    bad_get("/api/articles/billing%00/invoices", 0, JSON_ERROR, NULL);
    bad_get("/api/articles/%FF%FE", 400, JSON_ERROR, "invalid_id");
    bad_get("/api/reports/deflection?from=%FF", 0, JSON_ERROR, NULL);

    /* Path traversal: API ids, static files, article pages. */
    traversal("/api/articles/../../etc/passwd", 400, JSON_ERROR, "root:");
    traversal("/api/articles/%2e%2e/%2e%2e/etc/passwd", 400, JSON_ERROR, "root:");
    traversal("/api/articles/..%2f..%2f..%2fetc%2fpasswd", 400, JSON_ERROR, "root:");
    traversal("/api/html/articles/%2e%2e%2f%2e%2e%2fCMakeLists", 0, JSON_ERROR,
              "cmake_minimum_required");
    /* Static files are part of the pages: their errors are pages. */
    traversal("/static/../../../etc/passwd", 404, HTML_PAGE, "root:");
    traversal("/static/%2e%2e/%2e%2e/CMakeLists.txt", 404, HTML_PAGE, "cmake_minimum_required");
    traversal("/static/..%2f..%2fCMakeLists.txt", 404, HTML_PAGE, "cmake_minimum_required");
    traversal("/static/%2e%2e%2f%2e%2e%2fREADME.md", 404, HTML_PAGE, "kb-index");
    traversal("/static/%2E%2E/%2E%2E/%2E%2E/%2E%2E/%2E%2E/%2E%2E/etc/passwd", 404, HTML_PAGE,
              "root:");
    traversal("/static/..%5c..%5cCMakeLists.txt", 404, HTML_PAGE, "cmake_minimum_required");
    traversal("/articles/%2e%2e/%2e%2e/%2e%2e/etc/passwd", 0, HTML_PAGE, "root:");
    /* The control: the static folder does serve its own files. */
    struct tu_response r;
    CHECK_INT_EQ(&h, tu_http(&srv, "GET", "/static/style.css", NULL, NULL, &r), 0);
    CHECK_INT_EQ(&h, r.status, 200);
    tu_response_free(&r);

    for (size_t i = 0; i < sizeof endpoints / sizeof endpoints[0]; i++)
        bad_bodies(&endpoints[i]);

    /* Forms: a NUL or invalid UTF-8 in a field is refused, not cut
     * short or stored. */
    const struct endpoint *cases_ep = &endpoints[2];
    static const char form_nul[] = "subject=Printer%00on+fire&email=a%40example.com";
    bad_post(cases_ep, "form with %00", "application/x-www-form-urlencoded", form_nul,
             sizeof form_nul - 1, 400, JSON_ERROR, "invalid_body");
    static const char form_utf8[] = "subject=Printer+%FF&email=a%40example.com";
    bad_post(cases_ep, "form with %FF", "application/x-www-form-urlencoded", form_utf8,
             sizeof form_utf8 - 1, 400, JSON_ERROR, "invalid_body");
    static const char form_key_nul[] = "subject=Printer&email=a%40example.com&x%00y=1";
    bad_post(cases_ep, "form key with %00", "application/x-www-form-urlencoded", form_key_nul,
             sizeof form_key_nul - 1, 400, JSON_ERROR, "invalid_body");

    /* Nothing of all that was stored... */
    CHECK(&h, tu_server_alive(&srv));
    sqlite3 *db = db_open_ro();
    CHECK(&h, db != NULL);
    if (db) {
        CHECK_INT_EQ(&h,
                     db_int(db,
                            "SELECT count(*) FROM events e JOIN visits v ON v.id = e.visit_id"
                            " WHERE v.key = ?1",
                            BAD_VISIT),
                     0);
        CHECK_INT_EQ(&h, db_int(db, SQL_CASES_OF_VISIT, BAD_VISIT), 0);
        sqlite3_close(db);
    }

    /* ...and the next good event and case are. */
    const char *good_visit = "faults-good-visit-000001";
    char hv[96];
    snprintf(hv, sizeof hv, "X-KB-Visit: %s", good_visit);
    const char *hdrs[] = {hv, NULL};
    CHECK_INT_EQ(&h,
                 tu_http_h(&srv, "POST", "/api/events",
                           "{\"type\":\"view\",\"article\":\"billing/invoices\","
                           "\"section\":\"after-bad-input\"}",
                           "application/json", hdrs, &r),
                 0);
    CHECK_INT_EQ(&h, r.status, 201);
    tu_response_free(&r);
    CHECK_INT_EQ(&h,
                 tu_http_h(&srv, "POST", "/api/cases",
                           "{\"subject\":\"Still works after bad input\","
                           "\"email\":\"good@example.com\"}",
                           "application/json", hdrs, &r),
                 0);
    CHECK_INT_EQ(&h, r.status, 201);
    json_t *j = json_loads(r.body, 0, NULL);
    const char *id = json_string_value(json_object_get(j, "id"));
    char case_id[64];
    snprintf(case_id, sizeof case_id, "%s", id ? id : "");
    json_decref(j);
    tu_response_free(&r);
    CHECK(&h, case_id[0] != '\0');
    db = db_open_ro();
    if (db) {
        CHECK_INT_EQ(&h, db_int(db, SQL_VIEWS_OF_VISIT, good_visit), 1);
        CHECK_INT_EQ(&h, db_int(db, "SELECT count(*) FROM cases WHERE id = ?1", case_id), 1);
        sqlite3_close(db);
    }
    char cpath[128];
    snprintf(cpath, sizeof cpath, "/api/cases/%s", case_id);
    const char *ahdrs[] = {agent_auth, NULL};
    CHECK_INT_EQ(&h, tu_http_h(&srv, "GET", cpath, NULL, NULL, ahdrs, &r), 0);
    CHECK_INT_EQ(&h, r.status, 200);
    CHECK_CONTAINS(&h, r.body, "Still works after bad input");
    tu_response_free(&r);
    CHECK(&h, tu_server_alive(&srv));
    CHECK_INT_EQ(&h, healthz(&srv), 200);
    CHECK_INT_EQ(&h, tu_server_stop(&srv), 0);

    /* The default body limit (64 KiB): the deep nesting is refused
     * before parsing, and a body just under the limit is taken. */
    if (start_server(&srv, NULL, NULL) != 0)
        return;
    bad_port = srv.port;
    size_t n;
    char *deep = repeat("[", 100000, "", &n);
    bad_post(&endpoints[0], "100000-deep array, default limit", "application/json", deep, n,
             413, JSON_ERROR, "body_too_large");
    free(deep);
    char *big = repeat("x", 65536 - 70, "\"}", &n);
    static const char lead[] = "{\"type\":\"view\",\"article\":\"billing/invoices\",\"pad\":\"";
    memcpy(big, lead, sizeof lead - 1);
    CHECK(&h, n <= 65536);
    CHECK_INT_EQ(&h, tu_http_h(&srv, "POST", "/api/events", big, "application/json", hdrs, &r),
                 0);
    CHECK_INT_EQ(&h, r.status, 201);
    tu_response_free(&r);
    free(big);
    big = repeat("x", 65536, "\"}", &n);
    memcpy(big, lead, sizeof lead - 1);
    bad_post(&endpoints[0], "64 KiB + 2 body", "application/json", big, n, 413, JSON_ERROR,
             "body_too_large");
    free(big);
    CHECK(&h, tu_server_alive(&srv));
    CHECK_INT_EQ(&h, tu_server_stop(&srv), 0);
    db = db_open_ro();
    if (db) {
        CHECK_INT_EQ(&h, db_int(db, SQL_VIEWS_OF_VISIT, good_visit), 2);
        CHECK_INT_EQ(&h, db_int(db, SQL_VIEWS_OF_VISIT, BAD_VISIT), 0);
        sqlite3_close(db);
    }
}

/* ---- 2. slow clients ---------------------------------------------- */

/* 1 when the server has closed fd (end of stream or reset); reads and
 * drops whatever it sent before.  *answered is set when what came was
 * an HTTP answer with a 2xx status. */
static int closed_by_server(int fd, int *answered)
{
    char buf[4096];
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof buf - 1, MSG_DONTWAIT);
        if (n == 0)
            return 1;
        if (n < 0)
            return errno != EAGAIN && errno != EWOULDBLOCK;
        buf[n] = '\0';
        if (strncmp(buf, "HTTP/1.1 2", 10) == 0)
            *answered = 1;
    }
}

struct slow {
    const char *name;
    int fd;
    const char *trickle; /* sent a byte a second; NULL: nothing */
    size_t sent;
    double closed_after; /* seconds after connecting; < 0 while open */
    int answered;
};

static void test_slow_clients(void)
{
    const double timeout = 2.0;
    struct tu_server srv;
    char *extra[] = {"--timeout", "2", NULL};
    if (start_server(&srv, extra, NULL) != 0)
        return;
    static const char head[] = "POST /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                               "Content-Type: application/json\r\nContent-Length: 60\r\n\r\n";
    struct slow slow[] = {
        {"request line and headers a byte a second", -1,
         "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", 0, -1, 0},
        {"body a byte a second", -1,
         "{\"type\":\"view\",\"article\":\"billing/invoices\",\"section\":\"slow\"}", 0, -1, 0},
        {"connected, silent", -1, NULL, 0, -1, 0},
    };
    size_t nslow = sizeof slow / sizeof slow[0];
    double t0 = tu_now();
    for (size_t i = 0; i < nslow; i++) {
        slow[i].fd = tu_connect(srv.port, 0);
        CHECK(&h, slow[i].fd >= 0);
    }
    if (slow[1].fd >= 0)
        CHECK(&h, send(slow[1].fd, head, sizeof head - 1, MSG_NOSIGNAL) == sizeof head - 1);

    /* One byte a second each; meanwhile other clients are served. */
    double worst = 0;
    int served = 0, normal_ok = 0;
    for (int tick = 0; tick < 12; tick++) {
        int open = 0;
        for (size_t i = 0; i < nslow; i++) {
            struct slow *s = &slow[i];
            if (s->fd < 0 || s->closed_after >= 0)
                continue;
            if (closed_by_server(s->fd, &s->answered)) {
                s->closed_after = tu_now() - t0;
                continue;
            }
            open++;
            if (s->trickle && s->trickle[s->sent] &&
                send(s->fd, s->trickle + s->sent, 1, MSG_NOSIGNAL) == 1)
                s->sent++;
        }
        if (!open)
            break;
        double tr = tu_now();
        struct tu_response r;
        if (tu_http(&srv, "GET", "/api/search?q=late+fee", NULL, NULL, &r) == 0 &&
            r.status == 200)
            normal_ok++;
        tu_response_free(&r);
        served++;
        if (tu_now() - tr > worst)
            worst = tu_now() - tr;
        /* Wait out the rest of the second, noticing a close at once. */
        double until = tr + 1.0;
        while (tu_now() < until) {
            struct pollfd pf[3];
            nfds_t np = 0;
            for (size_t i = 0; i < nslow; i++)
                if (slow[i].fd >= 0 && slow[i].closed_after < 0)
                    pf[np++] = (struct pollfd){slow[i].fd, POLLIN, 0};
            if (!np)
                break;
            if (poll(pf, np, (int)((until - tu_now()) * 1000) + 1) > 0) {
                for (size_t i = 0; i < nslow; i++) {
                    struct slow *s = &slow[i];
                    if (s->fd >= 0 && s->closed_after < 0 &&
                        closed_by_server(s->fd, &s->answered))
                        s->closed_after = tu_now() - t0;
                }
            }
        }
    }
    for (size_t i = 0; i < nslow; i++) {
        struct slow *s = &slow[i];
        printf("slow client (%s): %zu bytes sent, closed after %.2f s\n", s->name, s->sent,
               s->closed_after);
        /* Closed, and within about the timeout plus two seconds. */
        CHECK(&h, s->closed_after >= 0);
        CHECK(&h, s->closed_after <= timeout + 2.0);
        CHECK(&h, !s->answered);
        if (s->fd >= 0)
            close(s->fd);
    }
    printf("while they trickled: %d of %d other requests answered, slowest %.3f s\n",
           normal_ok, served, worst);
    CHECK(&h, served >= 2);
    CHECK_INT_EQ(&h, normal_ok, served);
    CHECK(&h, worst < 1.0);

    /* The cut-off is for late requests, not for slow-but-in-time ones:
     * a client that pauses for most of the timeout before each request
     * is answered, three times on one keep-alive connection that lives
     * well past the timeout. */
    int fd = tu_connect(srv.port, 0);
    CHECK(&h, fd >= 0);
    for (int round = 0; round < 3 && fd >= 0; round++) {
        tu_sleep(timeout * 0.6);
        static const char req[] = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
        CHECK(&h, send(fd, req, sizeof req - 1, MSG_NOSIGNAL) == sizeof req - 1);
        struct pollfd pf = {fd, POLLIN, 0};
        char buf[2048] = "";
        if (poll(&pf, 1, 5000) == 1) {
            ssize_t n = recv(fd, buf, sizeof buf - 1, 0);
            buf[n > 0 ? n : 0] = '\0';
        }
        CHECK(&h, strncmp(buf, "HTTP/1.1 200", 12) == 0);
    }
    if (fd >= 0)
        close(fd);
    CHECK(&h, tu_server_alive(&srv));
    CHECK_INT_EQ(&h, tu_server_stop(&srv), 0);
}

/* ---- 3. many idle connections from one address -------------------- */

struct flood_result {
    int open;    /* connected and still open */
    int closed;  /* closed or refused by the server */
    int pending; /* connect still in progress at the end */
};

/* Opens n idle connections at once and waits until the server has
 * settled which it keeps; the sockets stay open in fds. */
static struct flood_result flood(unsigned port, int *fds, int n)
{
    struct flood_result fr = {0, 0, 0};
    enum { PENDING, OPEN, CLOSED };
    char *state = calloc((size_t)n, 1);
    struct pollfd *pf = calloc((size_t)n, sizeof *pf);
    for (int i = 0; i < n; i++) {
        fds[i] = tu_connect(port, 1);
        if (fds[i] < 0) {
            state[i] = CLOSED; /* refused at once */
            fr.closed++;
        }
    }
    /* Settled: nothing pending and no close for a second. */
    double end = tu_now() + 20, last_change = tu_now();
    while (tu_now() < end) {
        for (int i = 0; i < n; i++)
            pf[i] = (struct pollfd){state[i] == CLOSED ? -1 : fds[i],
                                    state[i] == PENDING ? POLLOUT : POLLIN, 0};
        poll(pf, (nfds_t)n, 100);
        int pending = 0;
        for (int i = 0; i < n; i++) {
            if (state[i] == CLOSED)
                continue;
            short ev = pf[i].revents;
            int err = 0;
            socklen_t el = sizeof err;
            if (state[i] == PENDING && (ev & (POLLOUT | POLLERR | POLLHUP))) {
                getsockopt(fds[i], SOL_SOCKET, SO_ERROR, &err, &el);
                state[i] = err ? CLOSED : OPEN;
                last_change = tu_now();
            }
            if (state[i] == OPEN && (ev & (POLLIN | POLLERR | POLLHUP))) {
                int answered = 0;
                if (closed_by_server(fds[i], &answered)) {
                    state[i] = CLOSED;
                    last_change = tu_now();
                }
            }
            if (state[i] == PENDING)
                pending++;
        }
        if (!pending && tu_now() - last_change > 1.0)
            break;
    }
    for (int i = 0; i < n; i++) {
        if (state[i] == OPEN)
            fr.open++;
        else if (state[i] == PENDING)
            fr.pending++;
        else if (fds[i] >= 0)
            fr.closed++;
        if (state[i] == CLOSED && fds[i] >= 0) {
            close(fds[i]);
            fds[i] = -1;
        }
    }
    free(state);
    free(pf);
    return fr;
}

static void close_all(int *fds, int n)
{
    for (int i = 0; i < n; i++)
        if (fds[i] >= 0)
            close(fds[i]);
}

/* After the flood has gone, a normal request is answered (the server
 * may take a moment to notice the closes). */
static void answered_after(struct tu_server *srv)
{
    long st = 0;
    for (int i = 0; i < 30 && st != 200; i++) {
        st = healthz(srv);
        if (st != 200)
            tu_sleep(0.1);
    }
    CHECK_INT_EQ(&h, st, 200);
}

static void test_idle_flood(long nofile)
{
    enum { N = 2000, LIMIT = 100, N_DEFAULT = 3000, DEFAULT_LIMIT = 1024 };
    if (nofile < N + 200) {
        printf("idle connections: RLIMIT_NOFILE %ld is under %d: skipped\n", nofile, N + 200);
        return;
    }
    int *fds = calloc(N_DEFAULT, sizeof *fds);
    char log[600];
    snprintf(log, sizeof log, "%s/flood-serve.log", work_dir);
    struct tu_server srv;
    char *extra[] = {"--per-ip-limit", "100", "--timeout", "120", NULL};
    if (start_server(&srv, extra, log) != 0) {
        free(fds);
        return;
    }
    long rss0 = tu_rss_kb(srv.pid);
    double t = tu_now();
    struct flood_result fr = flood(srv.port, fds, N);
    printf("--per-ip-limit %d: %d idle connections: %d kept, %d closed by the server, "
           "%d pending (%.1f s); RSS %ld -> %ld KiB\n",
           LIMIT, N, fr.open, fr.closed, fr.pending, tu_now() - t, rss0, tu_rss_kb(srv.pid));
    CHECK(&h, fr.open <= LIMIT);
    CHECK(&h, fr.open >= LIMIT - 5);
    CHECK_INT_EQ(&h, fr.open + fr.closed, N);
    CHECK(&h, tu_server_alive(&srv));
    /* Still full: one more from this address is turned away. */
    struct tu_response r;
    int rc = tu_http(&srv, "GET", "/healthz", NULL, NULL, &r);
    CHECK(&h, rc != 0 || r.status != 200);
    tu_response_free(&r);
    close_all(fds, N);
    answered_after(&srv);
    CHECK(&h, tu_server_alive(&srv));
    CHECK_INT_EQ(&h, tu_server_stop(&srv), 0);

    /* The defaults, with more connections than they allow from one
     * address. */
    if (nofile < N_DEFAULT + DEFAULT_LIMIT + 300) {
        printf("default limits: RLIMIT_NOFILE %ld is under %d: skipped\n", nofile,
               N_DEFAULT + DEFAULT_LIMIT + 300);
        free(fds);
        return;
    }
    char *extra2[] = {"--timeout", "120", NULL};
    if (start_server(&srv, extra2, log) != 0) {
        free(fds);
        return;
    }
    rss0 = tu_rss_kb(srv.pid);
    t = tu_now();
    fr = flood(srv.port, fds, N_DEFAULT);
    long rss1 = tu_rss_kb(srv.pid);
    printf("default limits: %d idle connections: %d kept, %d closed by the server, "
           "%d pending (%.1f s); RSS %ld -> %ld KiB\n",
           N_DEFAULT, fr.open, fr.closed, fr.pending, tu_now() - t, rss0, rss1);
    CHECK(&h, fr.open <= DEFAULT_LIMIT);
    CHECK(&h, fr.open >= DEFAULT_LIMIT - 5);
    CHECK_INT_EQ(&h, fr.open + fr.closed, N_DEFAULT);
    CHECK(&h, tu_server_alive(&srv));
    /* Idle connections cost a little memory each, not megabytes. */
    CHECK(&h, rss1 > 0 && rss1 - rss0 < 512 * 1024);
    close_all(fds, N_DEFAULT);
    answered_after(&srv);
    CHECK(&h, tu_server_alive(&srv));
    CHECK_INT_EQ(&h, tu_server_stop(&srv), 0);
    free(fds);
}

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

/* A SIGTERM right after start-up is a clean stop (exit 0): the signal
 * is blocked before any of the server's threads exists, so no thread
 * but the one waiting for it can take it. */
static void test_term_at_start(void)
{
    int clean = 0;
    for (int i = 0; i < 20; i++) {
        struct tu_server srv;
        if (start_server(&srv, NULL, NULL) != 0)
            return;
        if (tu_server_stop(&srv) == 0)
            clean++;
    }
    CHECK_INT_EQ(&h, clean, 20);
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
    long st;
    json_t *j = tu_get_json(&srv, "/healthz", &st);
    *articles = st == 200 ? json_integer_value(json_object_get(j, "articles")) : -1;
    json_decref(j);
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
    signal(SIGPIPE, SIG_IGN);
    curl_global_init(CURL_GLOBAL_ALL);
    const char *seed_env = getenv("KB_FAULTS_SEED");
    uint64_t seed = seed_env && *seed_env ? strtoull(seed_env, NULL, 10)
                                          : (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 16);
    if (!seed)
        seed = 1;
    printf("seed %llu (rerun with KB_FAULTS_SEED=%llu)\n", (unsigned long long)seed,
           (unsigned long long)seed);
    fflush(stdout);
    rng_state = seed;
    long nofile = tu_raise_nofile();
    printf("RLIMIT_NOFILE %ld\n", nofile);

    char content[512];
    CHECK_INT_EQ(&h, tu_mkdtemp(content, sizeof content, "content"), 0);
    CHECK_INT_EQ(&h, tu_mkdtemp(index_dir, sizeof index_dir, "index"), 0);
    CHECK_INT_EQ(&h, tu_mkdtemp(work_dir, sizeof work_dir, "faults"), 0);
    CHECK_INT_EQ(&h, tu_copy_tree(KB_SOURCE_DIR "/tests/data/kb", content), 0);
    snprintf(db_path, sizeof db_path, "%s/service.db", work_dir);
    char *argv[] = {KB_INDEX_BIN, "--content", content, "--index", index_dir, "--quiet", NULL};
    char *err = NULL;
    CHECK_INT_EQ(&h, tu_run(argv, NULL, &err), 0);
    free(err);
    char *token = tu_make_user(db_path, "agent1", "agent");
    CHECK(&h, token != NULL);
    snprintf(agent_auth, sizeof agent_auth, "Authorization: Bearer %s", token ? token : "");
    free(token);

    double t = tu_now();
    test_bad_input();
    printf("1. bad input: %.1f s\n", tu_now() - t);
    fflush(stdout);
    t = tu_now();
    test_slow_clients();
    printf("2. slow clients: %.1f s\n", tu_now() - t);
    fflush(stdout);
    t = tu_now();
    test_idle_flood(nofile);
    printf("3. idle connections: %.1f s\n", tu_now() - t);
    fflush(stdout);
    t = tu_now();
    test_term_at_start();
    printf("4. SIGTERM at start-up: %.1f s\n", tu_now() - t);
    fflush(stdout);
    t = tu_now();
    test_kill_server();
    printf("4a. kill -9 kb-serve: %.1f s\n", tu_now() - t);
    fflush(stdout);
    t = tu_now();
    test_kill_indexer();
    printf("4b. kill -9 kb-index: %.1f s\n", tu_now() - t);

    tu_rmrf(content);
    tu_rmrf(index_dir);
    tu_rmrf(work_dir);
    curl_global_cleanup();
    TEST_MAIN_END(&h);
}
