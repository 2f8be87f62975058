/* test_auth.c -- roles and secrets against a real kb-serve:
 * - leak test: the internal article's unique words never reach an
 *   anonymous client, on any endpoint or page; an agent sees them;
 * - sign-in: wrong password, unknown user, disabled account, expired
 *   session, missing or forged CSRF token, forged API token, throttling;
 * - reindex under load: queries run while the index is rebuilt several
 *   times from the service; none fails, each sees one whole revision. */
#include "harness.h"
#include "testutil.h"

#include <poll.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* strcasestr is a GNU extension; a portable one for the checks. */
static const char *find_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; hay && *hay; hay++)
        if (strncasecmp(hay, needle, n) == 0)
            return hay;
    return NULL;
}
#define strcasestr find_ci

static struct harness h = {0, 0};
static struct tu_server srv;
static char agent_auth[128], author_auth[128];
/* A well-formed double-submit token (43 base64url characters) for the
 * sign-in form: sent as the kb_csrf cookie and as the form's field. */
#define FORM_CSRF "Aa0_Aa0_Aa0_Aa0_Aa0_Aa0_Aa0_Aa0_Aa0_Aa0_Aa0"

static void sleep_s(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    nanosleep(&ts, NULL);
}

static long req(const char *method, const char *path, const char *body, const char *ctype,
                const char *h1, const char *h2, struct tu_response *out)
{
    const char *hdrs[3] = {h1, h1 ? h2 : NULL, NULL};
    struct tu_response r;
    tu_http_h(&srv, method, path, body, ctype, hdrs, &r);
    long st = r.status;
    if (out)
        *out = r;
    else
        tu_response_free(&r);
    return st;
}

/* No response to an anonymous client may contain these words of the
 * internal article (beyond echoing the client's own query). */
static const char *const secrets[] = {"quokkaplasm", "zebrafrost", "internal/escalation",
                                      "operator bridge", "Only agents see this"};

static void no_leak(const char *method, const char *path, const char *body)
{
    struct tu_response r;
    req(method, path, body, body ? "application/json" : NULL, NULL, NULL, &r);
    for (size_t i = 0; i < sizeof secrets / sizeof secrets[0]; i++) {
        if (strcasestr(path, secrets[i]) || (body && strcasestr(body, secrets[i])))
            continue; /* the client's own words, echoed */
        int leaked = strcasestr(r.body, secrets[i]) || strcasestr(r.headers, secrets[i]);
        if (leaked)
            fprintf(stderr, "LEAK: %s %s shows '%s': %.300s\n", method, path, secrets[i], r.body);
        CHECK(&h, !leaked);
    }
    CHECK(&h, r.status > 0 && r.status < 500);
    tu_response_free(&r);
}

static void leak_test(void)
{
    static const char *const gets[] = {
        "/api/search?q=quokkaplasm",
        "/api/search?q=zebrafrost+escalation+playbook&limit=100",
        "/api/search?q=quokkaplasn", /* spelling must not suggest it */
        "/api/search?q=zebrafrot",
        "/api/search?q=escalate+operator&limit=100",
        "/api/search?q=title:quokkaplasm",
        "/api/search?q=quokkaplasm&locale=ru-ru",
        "/api/suggest?q=quokk",
        "/api/suggest?q=zebraf",
        "/api/suggest?q=escalation+play",
        "/search?q=quokkaplasm",
        "/search?q=zebrafrost",
        "/api/articles/internal/escalation",
        "/api/articles/internal/escalation?locale=en-us",
        "/articles/internal/escalation",
        "/articles/internal/escalation?locale=ru-ru",
        "/api/reports/deflection",
        "/api/reports/queries",
        "/api/reports/gaps",
        "/api/reports/articles",
        "/api/cases",
        "/api/admin/content-report",
        "/sitemap.xml",
        "/",
        "/static/app.js",
        "/static/style.css",
        "/healthz",
        "/api/me",
    };
    for (size_t i = 0; i < sizeof gets / sizeof gets[0]; i++)
        no_leak("GET", gets[i], NULL);
    no_leak("POST", "/api/feedback",
            "{\"article\":\"internal/escalation\",\"helpful\":true}");
    no_leak("POST", "/api/events", "{\"type\":\"view\",\"article\":\"internal/escalation\"}");

    /* The sitemap lists public articles. */
    struct tu_response r;
    CHECK_INT_EQ(&h, req("GET", "/sitemap.xml", NULL, NULL, NULL, NULL, &r), 200);
    CHECK_CONTAINS(&h, r.body, "/articles/billing/invoices?locale=en-us");
    tu_response_free(&r);

    /* An agent sees the internal article, marked as internal. */
    CHECK_INT_EQ(&h, req("GET", "/api/search?q=quokkaplasm", NULL, NULL, agent_auth, NULL, &r),
                 200);
    json_t *j = json_loads(r.body, 0, NULL);
    json_t *hit = json_array_get(json_object_get(j, "hits"), 0);
    CHECK_STR_EQ(&h, json_string_value(json_object_get(hit, "id")), "internal/escalation");
    CHECK(&h, json_is_true(json_object_get(hit, "internal")));
    json_decref(j);
    tu_response_free(&r);
    CHECK_INT_EQ(&h, req("GET", "/api/articles/internal/escalation", NULL, NULL, agent_auth,
                         NULL, NULL),
                 200);
    CHECK_INT_EQ(&h, req("GET", "/articles/internal/escalation", NULL, NULL, agent_auth, NULL,
                         &r),
                 200);
    CHECK_CONTAINS(&h, r.body, "Quokkaplasm");
    tu_response_free(&r);
}

/* Signs in with the form; returns the session cookie header and the
 * CSRF token through the JSON variant. */
static long login_json(const char *user, const char *pw, char *cookie, size_t clen, char *csrf,
                       size_t csrflen)
{
    char body[256];
    snprintf(body, sizeof body, "{\"username\":\"%s\",\"password\":\"%s\"}", user, pw);
    struct tu_response r;
    long st = req("POST", "/login", body, "application/json", NULL, NULL, &r);
    if (cookie)
        cookie[0] = '\0';
    char *c = strstr(r.headers, "kb_session=");
    if (c && cookie) {
        size_t n = strcspn(c, ";\r\n");
        snprintf(cookie, clen, "Cookie: %.*s", (int)n, c);
    }
    json_t *j = json_loads(r.body, 0, NULL);
    if (csrf)
        snprintf(csrf, csrflen, "X-CSRF-Token: %s",
                 json_string_value(json_object_get(j, "csrf")) ? json_string_value(json_object_get(j, "csrf")) : "");
    json_decref(j);
    tu_response_free(&r);
    return st;
}

static void auth_test(const char *db)
{
    char cookie[256], csrf[128];
    struct tu_response r;
    /* Wrong password, unknown user: the same answer. */
    CHECK_INT_EQ(&h, login_json("author1", "wrong password!", NULL, 0, NULL, 0), 401);
    CHECK_INT_EQ(&h, login_json("nobody", "correct horse battery", NULL, 0, NULL, 0), 401);
    /* A form sign-in needs the sign-in page's double-submit token (the
     * kb_csrf cookie and the same value in the form); then it
     * redirects and sets a strict, HttpOnly cookie. */
    CHECK_INT_EQ(&h, req("POST", "/login",
                         "username=author1&password=correct+horse+battery&next=%2Fagent",
                         "application/x-www-form-urlencoded", NULL, NULL, NULL),
                 403);
    CHECK_INT_EQ(&h, req("POST", "/login",
                         "username=author1&password=correct+horse+battery&next=%2Fagent"
                         "&csrf=" FORM_CSRF,
                         "application/x-www-form-urlencoded", "Cookie: kb_csrf=" FORM_CSRF,
                         NULL, &r),
                 303);
    CHECK_CONTAINS(&h, r.headers, "HttpOnly; SameSite=Strict");
    CHECK_CONTAINS(&h, r.headers, "Location: /agent");
    tu_response_free(&r);
    /* No open redirect. */
    CHECK_INT_EQ(&h, req("POST", "/login",
                         "username=author1&password=correct+horse+battery&next=%2F%2Fevil.example"
                         "&csrf=" FORM_CSRF,
                         "application/x-www-form-urlencoded", "Cookie: kb_csrf=" FORM_CSRF,
                         NULL, &r),
                 303);
    CHECK_NOT_CONTAINS(&h, r.headers, "evil.example");
    tu_response_free(&r);

    CHECK_INT_EQ(&h, login_json("author1", "correct horse battery", cookie, sizeof cookie, csrf,
                                sizeof csrf),
                 200);
    CHECK_INT_EQ(&h, req("GET", "/api/me", NULL, NULL, cookie, NULL, &r), 200);
    CHECK_CONTAINS(&h, r.body, "\"role\":\"author\"");
    tu_response_free(&r);

    /* State changes: nothing without auth, nothing without the CSRF
     * token on a session, nothing with a forged one. */
    CHECK_INT_EQ(&h, req("POST", "/api/admin/reindex", "{}", "application/json", NULL, NULL, &r),
                 401);
    CHECK_CONTAINS(&h, r.body, "\"error\":\"unauthorized\"");
    tu_response_free(&r);
    CHECK_INT_EQ(&h, req("POST", "/api/admin/reindex", "{}", "application/json", cookie, NULL, &r),
                 403);
    CHECK_CONTAINS(&h, r.body, "csrf_failed");
    tu_response_free(&r);
    CHECK_INT_EQ(&h, req("POST", "/api/admin/reindex", "{}", "application/json", cookie,
                         "X-CSRF-Token: forged-token-value", NULL),
                 403);
    CHECK_INT_EQ(&h, req("POST", "/api/admin/reindex", "{}", "application/json",
                         "Authorization: Bearer forgedtokenforgedtokenforgedtoken", NULL, &r),
                 401);
    CHECK_CONTAINS(&h, r.body, "invalid_token");
    tu_response_free(&r);
    CHECK_INT_EQ(&h, req("POST", "/api/admin/reindex", "{}", "application/json", agent_auth,
                         NULL, &r),
                 403); /* agents cannot reindex */
    tu_response_free(&r);
    CHECK_INT_EQ(&h, req("POST", "/logout", "", NULL, NULL, NULL, NULL), 401);
    CHECK_INT_EQ(&h, req("POST", "/logout", "{}", "application/json", cookie, NULL, NULL), 403);

    /* An expired session is refused with a clear message. */
    sqlite3 *sdb;
    CHECK_INT_EQ(&h, sqlite3_open(db, &sdb), SQLITE_OK);
    sqlite3_busy_timeout(sdb, 5000);
    CHECK_INT_EQ(&h, sqlite3_exec(sdb, "UPDATE sessions SET expires_ms = 1", NULL, NULL, NULL),
                 SQLITE_OK);
    sqlite3_close(sdb);
    CHECK_INT_EQ(&h, req("GET", "/api/me", NULL, NULL, cookie, NULL, &r), 401);
    CHECK_CONTAINS(&h, r.body, "session_expired");
    tu_response_free(&r);

    /* Sign out ends the session. */
    CHECK_INT_EQ(&h, login_json("author1", "correct horse battery", cookie, sizeof cookie, csrf,
                                sizeof csrf),
                 200);
    CHECK_INT_EQ(&h, req("POST", "/logout", "{}", "application/json", cookie, csrf, NULL), 200);
    CHECK_INT_EQ(&h, req("GET", "/api/me", NULL, NULL, cookie, NULL, NULL), 401);

    /* A disabled account can neither sign in nor use its token. */
    char *dis[] = {KB_USER_BIN, "--db", (char *)db, "disable", "agent1", NULL};
    CHECK_INT_EQ(&h, tu_run(dis, NULL, NULL), 0);
    CHECK_INT_EQ(&h, login_json("agent1", "correct horse battery", NULL, 0, NULL, 0), 403);
    CHECK_INT_EQ(&h, req("GET", "/api/cases", NULL, NULL, agent_auth, NULL, NULL), 401);

    /* Repeated failures are slowed down. */
    long last = 0;
    for (int i = 0; i < 8; i++)
        last = login_json("author1", "not the password", NULL, 0, NULL, 0);
    CHECK_INT_EQ(&h, last, 429);
    CHECK_INT_EQ(&h, req("POST", "/login", "{\"username\":\"author1\",\"password\":\"x\"}",
                         "application/json", NULL, NULL, &r),
                 429);
    CHECK_CONTAINS(&h, r.headers, "Retry-After:");
    tu_response_free(&r);
}

static void write_generation(const char *content, int k)
{
    for (int i = 1; i <= 6; i++) {
        char path[700], body[512];
        snprintf(path, sizeof path, "%s/en-us/gen/item%d.md", content, i);
        int n = snprintf(body, sizeof body,
                         "---\ntitle: Alphaword generation %d item %d\n---\n"
                         "Text of generation %d with alphaword.\n\n## Part\n\nMore alphaword.\n",
                         k, i, k);
        tu_write_file(path, body, (size_t)n);
    }
}

/* Each response must hold the six items of one generation. */
static int check_one_revision(const char *body)
{
    json_t *j = json_loads(body, 0, NULL);
    json_t *hits = json_object_get(j, "hits");
    int gen = -1, ok = json_array_size(hits) == 6;
    size_t i;
    json_t *hit;
    json_array_foreach(hits, i, hit)
    {
        int g = -1, item = -1;
        if (sscanf(json_string_value(json_object_get(hit, "title")),
                   "Alphaword generation %d item %d", &g, &item) != 2)
            ok = 0;
        if (gen < 0)
            gen = g;
        if (g != gen)
            ok = 0;
    }
    json_decref(j);
    return ok ? gen : -1;
}

static void wait_job(const char *auth, const char *body, const char *want, int want_indexed,
                     json_t **last)
{
    struct tu_response r;
    CHECK_INT_EQ(&h, req("POST", "/api/admin/reindex", body, "application/json", auth, NULL, &r),
                 202);
    json_t *j = json_loads(r.body, 0, NULL);
    char path[128];
    snprintf(path, sizeof path, "/api/admin/reindex/%s",
             json_string_value(json_object_get(j, "id")));
    json_decref(j);
    tu_response_free(&r);
    const char *state = "running";
    json_t *s = NULL;
    for (int tries = 0; tries < 600 && strcmp(state, "running") == 0; tries++) {
        sleep_s(0.05);
        json_decref(s);
        req("GET", path, NULL, NULL, auth, NULL, &r);
        s = json_loads(r.body, 0, NULL);
        tu_response_free(&r);
        state = json_string_value(json_object_get(s, "state"));
        if (!state)
            state = "?";
    }
    CHECK_STR_EQ(&h, state, want);
    if (want_indexed >= 0)
        CHECK_INT_EQ(&h, json_integer_value(json_object_get(json_object_get(s, "summary"),
                                                            "indexed")),
                     want_indexed);
    *last = s;
}

static void reindex_under_load(const char *content)
{
    char auth[160];
    snprintf(auth, sizeof auth, "%s", author_auth);
    json_t *s;
    write_generation(content, 1);
    wait_job(auth, "{}", "done", 6, &s);
    json_decref(s);

    /* The client: queries until the parent closes ctl, then reports. */
    int pfd[2], ctl[2];
    CHECK_INT_EQ(&h, pipe(pfd), 0);
    CHECK_INT_EQ(&h, pipe(ctl), 0);
    pid_t child = fork();
    if (child == 0) {
        close(pfd[0]);
        close(ctl[1]);
        long results[3] = {0, 0, 0}; /* requests, failures, generations seen (bitmask) */
        struct pollfd pf = {ctl[0], POLLIN, 0};
        while (poll(&pf, 1, 0) == 0) {
            struct tu_response rr;
            long st = req("GET", "/api/search?q=alphaword&limit=20", NULL, NULL, NULL, NULL, &rr);
            int gen = st == 200 ? check_one_revision(rr.body) : -1;
            if (gen < 0 && results[1] < 3)
                fprintf(stderr, "bad response %ld: %.400s\n", st, rr.body);
            tu_response_free(&rr);
            results[0]++;
            if (gen < 0)
                results[1]++;
            else
                results[2] |= 1L << gen;
        }
        if (write(pfd[1], results, sizeof results) != sizeof results)
            _exit(1);
        _exit(0);
    }
    close(pfd[1]);
    close(ctl[0]);
    for (int k = 2; k <= 5; k++) {
        write_generation(content, k);
        wait_job(auth, "{}", "done", 6, &s);
        CHECK(&h, json_integer_value(json_object_get(json_object_get(s, "progress"), "total")) > 6);
        json_decref(s);
        sleep_s(0.2);
    }
    /* A failing run (--strict by default) leaves the index as it is. */
    char bad[700];
    snprintf(bad, sizeof bad, "%s/en-us/gen/broken.md", content);
    tu_write_file(bad, "---\ntitle: [oops\n---\n", 21);
    write_generation(content, 9);
    wait_job(auth, "{}", "failed", -1, &s);
    json_t *e = json_array_get(json_object_get(s, "errors"), 0);
    CHECK_STR_EQ(&h, json_string_value(json_object_get(e, "file")), "en-us/gen/broken.md");
    CHECK_INT_EQ(&h, json_integer_value(json_object_get(e, "line")), 2);
    json_decref(s);
    sleep_s(0.3);
    close(ctl[1]);
    long results[3] = {0, 0, 0};
    if (read(pfd[0], results, sizeof results) != sizeof results)
        CHECK(&h, 0);
    close(pfd[0]);
    waitpid(child, NULL, 0);
    printf("reindex under load: %ld requests, %ld failed or mixed, generations seen 0x%lx\n",
           results[0], results[1], results[2]);
    CHECK(&h, results[0] > 50);
    CHECK_INT_EQ(&h, results[1], 0);
    CHECK_INT_EQ(&h, results[2] & (1L << 9), 0); /* the failed run was never served */
    CHECK(&h, (results[2] & (1L << 5)) != 0);
    remove(bad);
    write_generation(content, 6);
    wait_job(auth, "{}", "done", 6, &s);
    json_decref(s);
}

int main(void)
{
    char content[512], index[512], db[600];
    CHECK_INT_EQ(&h, tu_mkdtemp(content, sizeof content, "content"), 0);
    CHECK_INT_EQ(&h, tu_mkdtemp(index, sizeof index, "index"), 0);
    CHECK_INT_EQ(&h, tu_copy_tree(KB_SOURCE_DIR "/tests/data/kb", content), 0);
    snprintf(db, sizeof db, "%s.db", index);
    char *argv[] = {KB_INDEX_BIN, "--content", content, "--index", index, "--quiet", NULL};
    CHECK_INT_EQ(&h, tu_run(argv, NULL, NULL), 0);
    char *t1 = tu_make_user(db, "agent1", "agent");
    char *t2 = tu_make_user(db, "author1", "author");
    CHECK(&h, t1 && t2);
    snprintf(agent_auth, sizeof agent_auth, "Authorization: Bearer %s", t1 ? t1 : "");
    snprintf(author_auth, sizeof author_auth, "Authorization: Bearer %s", t2 ? t2 : "");
    free(t1);
    free(t2);
    char *extra[] = {"--db", db, "--content", content, NULL};
    if (tu_server_start(&srv, index, extra) != 0) {
        CHECK(&h, 0);
        TEST_MAIN_END(&h);
    }
    leak_test();
    reindex_under_load(content);
    auth_test(db);
    CHECK_INT_EQ(&h, tu_server_stop(&srv), 0);
    tu_rmrf(content);
    tu_rmrf(index);
    remove(db);
    TEST_MAIN_END(&h);
}
