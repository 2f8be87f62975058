/* test_hardening.c -- the holes an attack on a running kb-serve found,
 * each checked against the real server:
 * - open redirect after sign-in (tabs, spaces, backslashes in `next`);
 * - sign-in throttling by (address, account) and by address, never by
 *   account alone; --trusted-proxy and X-Forwarded-For; concurrent
 *   attempts cannot slip past the throttle;
 * - the Argon2 check runs outside the lock every request takes;
 * - kb-user passwd ends the account's sessions and tokens;
 * - Cache-Control: no-store on staff pages and signed-in answers;
 * - the sitemap's links come from --public-url, not the Host header;
 * - anonymous case posts are throttled per address (429, Retry-After);
 * - /healthz counts internal articles for staff only;
 * - every page falls back to the default locale for a locale the index
 *   does not have. */
#include "harness.h"
#include "testutil.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static struct harness h = {0, 0};
static struct tu_server srv;   /* behind a "proxy": --trusted-proxy 127.0.0.1 */
static struct tu_server plain; /* no trusted proxy */
static char agent_auth[160];

#define FORM_CSRF "Aa0_Aa0_Aa0_Aa0_Aa0_Aa0_Aa0_Aa0_Aa0_Aa0_Aa0"
#define PASSWORD "correct horse battery"

static const char *find_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; hay && *hay; hay++)
        if (strncasecmp(hay, needle, n) == 0)
            return hay;
    return NULL;
}

/* One request with up to three extra headers; returns the status. */
static long req3(const struct tu_server *s, const char *method, const char *path,
                 const char *body, const char *ctype, const char *h1, const char *h2,
                 const char *h3, struct tu_response *out)
{
    const char *hdrs[4] = {h1, h1 ? h2 : NULL, h1 && h2 ? h3 : NULL, NULL};
    struct tu_response r;
    tu_http_h(s, method, path, body, ctype, hdrs, &r);
    long st = r.status;
    if (out)
        *out = r;
    else
        tu_response_free(&r);
    return st;
}

/* A JSON sign-in from client address `from` (through the trusted
 * proxy: X-Forwarded-For); the session cookie into cookie if given. */
static long login_from(const struct tu_server *s, const char *from, const char *user,
                       const char *pw, char *cookie, size_t clen)
{
    char body[256], xff[96];
    snprintf(body, sizeof body, "{\"username\":\"%s\",\"password\":\"%s\"}", user, pw);
    snprintf(xff, sizeof xff, "X-Forwarded-For: %s", from);
    struct tu_response r;
    long st = req3(s, "POST", "/login", body, "application/json", from ? xff : NULL, NULL, NULL,
                   &r);
    if (cookie) {
        cookie[0] = '\0';
        const char *c = r.headers ? strstr(r.headers, "kb_session=") : NULL;
        if (c)
            snprintf(cookie, clen, "Cookie: %.*s", (int)strcspn(c, ";\r\n"), c);
    }
    tu_response_free(&r);
    return st;
}

/* The Location header of a form sign-in with next (already URL-encoded). */
static void form_login_location(const char *next_enc, char *loc, size_t len)
{
    char body[512];
    snprintf(body, sizeof body,
             "username=author1&password=correct+horse+battery&csrf=" FORM_CSRF "&next=%s",
             next_enc);
    struct tu_response r;
    long st = req3(&srv, "POST", "/login", body, "application/x-www-form-urlencoded",
                   "Cookie: kb_csrf=" FORM_CSRF, "X-Forwarded-For: 192.0.2.50", NULL, &r);
    /* 400: the form parser refuses some control bytes outright. */
    CHECK(&h, st == 303 || (st == 400 && strchr(next_enc, '%')));
    snprintf(loc, len, "%s", st == 400 ? "/agent" : "");
    const char *l = find_ci(r.headers, "\nLocation: ");
    if (l)
        snprintf(loc, len, "%.*s", (int)strcspn(l + 11, "\r\n"), l + 11);
    tu_response_free(&r);
}

static void redirect_test(void)
{
    char loc[512];
    static const char *const evil[] = {
        "%2F%09%2Fevil.example", "%2F%0A%2Fevil.example", "%2F%0D%2Fevil.example",
        "%2F%20%2Fevil.example", "%2F%5Cevil.example",    "%2F%2Fevil.example",
        "%2F%5C%2Fevil.example", "%2F%7F%2Fevil.example", "%2F%0C%2Fevil.example",
        "https%3A%2F%2Fevil.example", "%09%2F%2Fevil.example",
    };
    for (size_t i = 0; i < sizeof evil / sizeof evil[0]; i++) {
        form_login_location(evil[i], loc, sizeof loc);
        if (strcmp(loc, "/agent") != 0)
            fprintf(stderr, "next=%s -> Location: %s\n", evil[i], loc);
        CHECK_STR_EQ(&h, loc, "/agent");
    }
    /* A good local path survives; non-ASCII bytes are percent-encoded. */
    form_login_location("%2Fagent%2Fcases%2FC-ABC%3Fx%3D1", loc, sizeof loc);
    CHECK_STR_EQ(&h, loc, "/agent/cases/C-ABC?x=1");
    form_login_location("%2Farticles%2F%E4%B8%AD", loc, sizeof loc);
    CHECK_STR_EQ(&h, loc, "/articles/%E4%B8%AD");
    /* The sign-in page's hidden field gets the same clean value. */
    struct tu_response r;
    CHECK_INT_EQ(&h, req3(&srv, "GET", "/login?next=%2F%09%2Fevil.example", NULL, NULL, NULL,
                          NULL, NULL, &r),
                 200);
    CHECK(&h, r.body && !strstr(r.body, "evil.example"));
    tu_response_free(&r);
}

/* Twenty parallel wrong passwords from one fresh address and account. */
struct racer {
    long status;
};

static void *race_one(void *arg)
{
    struct racer *rc = arg;
    rc->status = login_from(&srv, "198.51.100.77", "author1", "wrong wrong wrong", NULL, 0);
    return NULL;
}

static void throttle_test(void)
{
    char cookie[256];
    /* An attacker at one address fails eight times for author1: that
     * address is slowed down, the real user elsewhere is not. */
    long last = 0;
    for (int i = 0; i < 8; i++)
        last = login_from(&srv, "203.0.113.5", "author1", "guess guess", NULL, 0);
    CHECK_INT_EQ(&h, last, 429);
    CHECK_INT_EQ(&h, login_from(&srv, "203.0.113.5", "author1", PASSWORD, NULL, 0), 429);
    CHECK_INT_EQ(&h, login_from(&srv, "198.51.100.7", "author1", PASSWORD, cookie, sizeof cookie),
                 200);
    CHECK_CONTAINS(&h, cookie, "kb_session=");
    /* The client's own X-Forwarded-For entries (left of what the proxy
     * appended) do not give it a new address. */
    CHECK_INT_EQ(&h, login_from(&srv, "10.1.2.3, 203.0.113.5", "author1", "guess", NULL, 0), 429);
    /* Our own proxies in the chain are skipped: the right-most other
     * address is the client. */
    CHECK_INT_EQ(&h, login_from(&srv, "203.0.113.5, 127.0.0.1", "author1", "guess", NULL, 0), 429);

    /* Made-up names from one address: that address is slowed down after
     * its allowance, everyone else still signs in. */
    char name[32];
    long st = 0;
    int refused = 0;
    for (int i = 0; i < 30; i++) {
        snprintf(name, sizeof name, "nobody%d", i);
        st = login_from(&srv, "203.0.113.9", name, "guess guess", NULL, 0);
        refused += st == 429;
    }
    CHECK_INT_EQ(&h, st, 429);
    CHECK(&h, refused >= 5 && refused <= 10);
    CHECK_INT_EQ(&h, login_from(&srv, "198.51.100.8", "author1", PASSWORD, NULL, 0), 200);
    CHECK_INT_EQ(&h, login_from(&srv, "198.51.100.8", "agent1", PASSWORD, NULL, 0), 200);

    /* Parallel attempts: at most the free five are checked. */
    pthread_t t[20];
    struct racer rc[20];
    for (int i = 0; i < 20; i++)
        pthread_create(&t[i], NULL, race_one, &rc[i]);
    int checked = 0, throttled = 0;
    for (int i = 0; i < 20; i++) {
        pthread_join(t[i], NULL);
        checked += rc[i].status == 401;
        throttled += rc[i].status == 429;
    }
    fprintf(stderr, "parallel sign-ins: %d checked, %d throttled\n", checked, throttled);
    CHECK(&h, checked <= 5);
    CHECK_INT_EQ(&h, checked + throttled, 20);

    /* Without --trusted-proxy the header is the client's own word and
     * ignored: changing it does not escape the throttle. */
    for (int i = 0; i < 8; i++) {
        char from[32];
        snprintf(from, sizeof from, "192.0.2.%d", i + 1);
        last = login_from(&plain, from, "author1", "guess guess", NULL, 0);
    }
    CHECK_INT_EQ(&h, last, 429);
}

/* Sign-ins with the right password in a loop while an agent's API
 * calls run: the calls must not queue behind the Argon2 checks. */
static volatile int signing;

static void *signin_loop(void *arg)
{
    (void)arg;
    while (signing)
        login_from(&srv, "198.51.100.20", "agent1", PASSWORD, NULL, 0);
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void lock_test(void)
{
    /* One sign-in costs tens of milliseconds of Argon2; while it held
     * the accounts lock, every signed-in request waited for it (median
     * about half a check).  Now it waits for a lookup only. */
    double t0 = tu_now();
    CHECK_INT_EQ(&h, login_from(&srv, "198.51.100.20", "agent1", PASSWORD, NULL, 0), 200);
    double one = tu_now() - t0;
    signing = 1;
    pthread_t t;
    pthread_create(&t, NULL, signin_loop, NULL);
    tu_sleep(0.1);
    double lat[40];
    for (int i = 0; i < 40; i++) {
        double a = tu_now();
        req3(&srv, "GET", "/api/me", NULL, NULL, agent_auth, NULL, NULL, NULL);
        lat[i] = tu_now() - a;
    }
    signing = 0;
    pthread_join(t, NULL);
    qsort(lat, 40, sizeof lat[0], cmp_double);
    fprintf(stderr, "sign-in %.1f ms; /api/me during sign-ins: median %.2f ms\n", one * 1e3,
            lat[20] * 1e3);
    CHECK(&h, lat[20] < one / 4);
}

static void passwd_test(const char *db)
{
    char cookie[256];
    char *tok = tu_make_user(db, "author2", "author");
    CHECK(&h, tok != NULL);
    char auth[160];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", tok ? tok : "");
    free(tok);
    CHECK_INT_EQ(&h, login_from(&srv, "198.51.100.30", "author2", PASSWORD, cookie, sizeof cookie),
                 200);
    CHECK_INT_EQ(&h, req3(&srv, "GET", "/api/me", NULL, NULL, cookie, NULL, NULL, NULL), 200);
    CHECK_INT_EQ(&h, req3(&srv, "GET", "/api/me", NULL, NULL, auth, NULL, NULL, NULL), 200);
    char *pw[] = {KB_USER_BIN, "--db", (char *)db, "passwd", "author2", NULL};
    CHECK_INT_EQ(&h, tu_run_input(pw, "a brand new password\n", NULL, NULL), 0);
    CHECK_INT_EQ(&h, req3(&srv, "GET", "/api/me", NULL, NULL, cookie, NULL, NULL, NULL), 401);
    CHECK_INT_EQ(&h, req3(&srv, "GET", "/api/me", NULL, NULL, auth, NULL, NULL, NULL), 401);
    CHECK_INT_EQ(&h, login_from(&srv, "198.51.100.30", "author2", "a brand new password", NULL, 0),
                 200);
}

static int no_store(const struct tu_response *r)
{
    return find_ci(r->headers, "\nCache-Control: no-store") != NULL;
}

static void cache_control_test(void)
{
    char cookie[256];
    CHECK_INT_EQ(&h, login_from(&srv, "198.51.100.40", "agent1", PASSWORD, cookie, sizeof cookie),
                 200);
    static const char *const staff[] = {"/agent", "/agent/cases/C-AAAAAAAAAA", "/login",
                                        "/articles/internal/escalation", "/?locale=en-us",
                                        "/search?q=quokkaplasm"};
    struct tu_response r;
    for (size_t i = 0; i < sizeof staff / sizeof staff[0]; i++) {
        req3(&srv, "GET", staff[i], NULL, NULL, cookie, NULL, NULL, &r);
        if (!no_store(&r))
            fprintf(stderr, "no Cache-Control: no-store on %s (%ld)\n", staff[i], r.status);
        CHECK(&h, no_store(&r));
        tu_response_free(&r);
    }
    /* Anonymous staff pages (the redirect to sign in, the form) too. */
    CHECK_INT_EQ(&h, req3(&srv, "GET", "/author", NULL, NULL, NULL, NULL, NULL, &r), 303);
    CHECK(&h, no_store(&r));
    tu_response_free(&r);
    /* A public page for an anonymous reader may be cached. */
    CHECK_INT_EQ(&h, req3(&srv, "GET", "/search?q=invoice", NULL, NULL, NULL, NULL, NULL, &r),
                 200);
    CHECK(&h, !no_store(&r));
    tu_response_free(&r);
}

static void sitemap_test(void)
{
    struct tu_response r;
    CHECK_INT_EQ(&h, req3(&srv, "GET", "/sitemap.xml", NULL, NULL, "Host: evil.example", NULL,
                          NULL, &r),
                 200);
    CHECK(&h, r.body && !strstr(r.body, "evil.example"));
    CHECK_CONTAINS(&h, r.body, "<loc>https://help.example.com/support/articles/");
    CHECK(&h, r.body && !strstr(r.body, "internal/escalation"));
    tu_response_free(&r);
    /* Without --public-url: the listening address. */
    CHECK_INT_EQ(&h, req3(&plain, "GET", "/sitemap.xml", NULL, NULL, "Host: evil.example", NULL,
                          NULL, &r),
                 200);
    CHECK(&h, r.body && !strstr(r.body, "evil.example"));
    char want[96];
    snprintf(want, sizeof want, "<loc>%s/articles/", plain.base);
    CHECK_CONTAINS(&h, r.body, want);
    tu_response_free(&r);
}

static long post_case(const char *from, const char *auth, struct tu_response *out)
{
    char xff[96];
    snprintf(xff, sizeof xff, "X-Forwarded-For: %s", from);
    return req3(&srv, "POST", "/api/cases",
                "{\"subject\":\"printer on fire\",\"email\":\"a@example.com\"}",
                "application/json", xff, auth, NULL, out);
}

static void case_throttle_test(void)
{
    int created = 0;
    long st = 0;
    struct tu_response r = {0};
    for (int i = 0; i < 30; i++) {
        if (r.headers)
            tu_response_free(&r);
        st = post_case("203.0.113.60", NULL, &r);
        created += st == 201;
    }
    CHECK_INT_EQ(&h, created, 10);
    CHECK_INT_EQ(&h, st, 429);
    CHECK(&h, find_ci(r.headers, "\nRetry-After: ") != NULL);
    tu_response_free(&r);
    /* Another client is not locked out by the first; staff are not
     * limited. */
    CHECK_INT_EQ(&h, post_case("203.0.113.61", NULL, NULL), 201);
    CHECK_INT_EQ(&h, post_case("203.0.113.60", agent_auth, NULL), 201);
    /* The case form is limited too, with the form shown again. */
    CHECK_INT_EQ(&h, req3(&srv, "POST", "/contact",
                          "subject=printer&email=a%40example.com&csrf=" FORM_CSRF,
                          "application/x-www-form-urlencoded", "Cookie: kb_csrf=" FORM_CSRF,
                          "X-Forwarded-For: 203.0.113.60", NULL, &r),
                 429);
    CHECK_CONTAINS(&h, r.body, "name=\"subject\"");
    tu_response_free(&r);
}

static void counts_and_locales_test(void)
{
    long st;
    json_t *anon = tu_get_json(&srv, "/healthz", &st);
    CHECK_INT_EQ(&h, st, 200);
    struct tu_response r;
    CHECK_INT_EQ(&h, req3(&srv, "GET", "/healthz", NULL, NULL, agent_auth, NULL, NULL, &r), 200);
    json_t *staff = json_loads(r.body, 0, NULL);
    tu_response_free(&r);
    json_int_t a = json_integer_value(json_object_get(anon, "articles"));
    json_int_t s = json_integer_value(json_object_get(staff, "articles"));
    /* tests/data/kb has one internal article (one locale). */
    CHECK(&h, a > 0);
    CHECK_INT_EQ(&h, s - a, 1);
    CHECK(&h, json_integer_value(json_object_get(staff, "sections")) >
                  json_integer_value(json_object_get(anon, "sections")));
    json_decref(anon);
    json_decref(staff);

    static const char *const pages[] = {"/articles/billing/invoices?locale=xx-yy",
                                        "/contact?locale=xx-yy", "/login?locale=xx-yy"};
    for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++) {
        CHECK_INT_EQ(&h, req3(&srv, "GET", pages[i], NULL, NULL, NULL, NULL, NULL, &r), 200);
        CHECK_CONTAINS(&h, r.body, "<html lang=\"en\"");
        CHECK(&h, r.body && !strstr(r.body, "xx-yy"));
        tu_response_free(&r);
    }
    CHECK_INT_EQ(&h, req3(&srv, "GET", "/articles/billing/invoices?locale=ru-RU", NULL, NULL,
                          NULL, NULL, NULL, &r),
                 200);
    CHECK_CONTAINS(&h, r.body, "<html lang=\"ru\"");
    tu_response_free(&r);
}

int main(void)
{
    char content[512], index[512], db[600], db2[600];
    CHECK_INT_EQ(&h, tu_mkdtemp(content, sizeof content, "content"), 0);
    CHECK_INT_EQ(&h, tu_mkdtemp(index, sizeof index, "index"), 0);
    CHECK_INT_EQ(&h, tu_copy_tree(KB_SOURCE_DIR "/tests/data/kb", content), 0);
    snprintf(db, sizeof db, "%s.db", index);
    snprintf(db2, sizeof db2, "%s-plain.db", index);
    char *argv[] = {KB_INDEX_BIN, "--content", content, "--index", index, "--quiet", NULL};
    CHECK_INT_EQ(&h, tu_run(argv, NULL, NULL), 0);
    char *t1 = tu_make_user(db, "agent1", "agent");
    char *t2 = tu_make_user(db, "author1", "author");
    char *t3 = tu_make_user(db2, "author1", "author");
    CHECK(&h, t1 && t2 && t3);
    snprintf(agent_auth, sizeof agent_auth, "Authorization: Bearer %s", t1 ? t1 : "");
    free(t1);
    free(t2);
    free(t3);
    char *extra[] = {"--db", db, "--trusted-proxy", "127.0.0.1,::1",
                     "--public-url", "https://help.example.com/support/", NULL};
    char *extra2[] = {"--db", db2, NULL};
    if (tu_server_start(&srv, index, extra) != 0 || tu_server_start(&plain, index, extra2) != 0) {
        CHECK(&h, 0);
        TEST_MAIN_END(&h);
    }
    redirect_test();
    throttle_test();
    lock_test();
    passwd_test(db);
    cache_control_test();
    sitemap_test();
    case_throttle_test();
    counts_and_locales_test();
    CHECK_INT_EQ(&h, tu_server_stop(&srv), 0);
    CHECK_INT_EQ(&h, tu_server_stop(&plain), 0);
    tu_rmrf(content);
    tu_rmrf(index);
    remove(db);
    remove(db2);
    TEST_MAIN_END(&h);
}
