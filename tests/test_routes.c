/* test_routes.c -- kb-serve's route table (search/cmd/serve_routes.c):
 * well formed, no route hidden behind another, the kind of answer each
 * path gets (routes_match), and README's route table is the same list,
 * row for row, so the URL space and its access rules are written down
 * in one place and cannot drift from the code. */
#include "harness.h"
#include "pages.h"
#include "routes.h"
#include "serve_routes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct harness h;

static int fits(const struct route *r, const char *path)
{
    if (r->match == ROUTE_EXACT)
        return strcmp(r->path, path) == 0;
    return strncmp(r->path, path, strlen(r->path)) == 0;
}

static void test_table(void)
{
    CHECK(&h, serve_nroutes > 0);
    for (size_t i = 0; i < serve_nroutes; i++) {
        const struct route *r = &serve_routes[i];
        size_t n = strlen(r->path);
        CHECK(&h, r->path[0] == '/');
        /* A prefix is a folder; an exact path is not ("/" aside). */
        if (r->match == ROUTE_PREFIX)
            CHECK(&h, r->path[n - 1] == '/');
        else
            CHECK(&h, n == 1 || r->path[n - 1] != '/');
        /* Only a "*" part of the URL space has no handler, and it needs
         * no role: it only answers 404. */
        CHECK_INT_EQ(&h, r->fn == NULL, strcmp(r->method, "*") == 0);
        if (!r->fn)
            CHECK_INT_EQ(&h, r->role, ROLE_NONE);
        else
            CHECK(&h, strcmp(r->method, "GET") == 0 || strcmp(r->method, "POST") == 0);
        /* Sign-in and sign-out are the form routes; they are posted. */
        if (r->kind == ROUTE_FORM)
            CHECK_STR_EQ(&h, r->method, "POST");
        /* No earlier route of the same method takes this one's path. */
        for (size_t j = 0; j < i; j++) {
            const struct route *e = &serve_routes[j];
            if (e->fn && r->fn && strcmp(e->method, r->method) == 0 && fits(e, r->path)) {
                fprintf(stderr, "%s %s is hidden behind %s\n", r->method, r->path, e->path);
                CHECK(&h, 0);
            }
        }
    }
}

/* The route and the kind of answer a request gets, before any reply. */
static void check_match(const char *method, const char *path, route_fn want_fn, int want_api)
{
    struct app app;
    struct request rq;
    memset(&app, 0, sizeof app);
    memset(&rq, 0, sizeof rq);
    app.routes = serve_routes;
    app.nroutes = serve_nroutes;
    rq.app = &app;
    rq.method = method;
    rq.path = path;
    rq.is_api = -1;
    routes_match(&rq);
    if ((rq.route ? rq.route->fn : NULL) != want_fn || rq.is_api != want_api)
        fprintf(stderr, "%s %s: route %s, is_api %d\n", method, path,
                rq.route ? rq.route->path : "none", rq.is_api);
    CHECK(&h, (rq.route ? rq.route->fn : NULL) == want_fn);
    CHECK_INT_EQ(&h, rq.is_api, want_api);
}

static void test_match(void)
{
    check_match("GET", "/healthz", api_healthz, 1);
    check_match("GET", "/api/search", api_search, 1);
    check_match("GET", "/api/articles/billing/invoices", api_article, 1);
    check_match("GET", "/api/cases", api_cases_list, 1);
    check_match("GET", "/api/cases/C-ABC", api_case_get, 1);
    /* No route, but the kind of the path: JSON 404s and 405s under /api/. */
    check_match("GET", "/api/nope", NULL, 1);
    check_match("POST", "/api/search", NULL, 1);
    check_match("DELETE", "/api/html/articles/x", NULL, 1);
    check_match("GET", "/healthzz", NULL, 0);
    check_match("GET", "/nope", NULL, 0);
    check_match("GET", "/", page_home, 0);
    check_match("GET", "/articles/billing/invoices", page_article, 0);
    check_match("POST", "/articles/billing/invoices/feedback", page_article_post, 0);
    check_match("GET", "/sitemap.xml", api_sitemap, 0);
    check_match("GET", "/agent/cases/C-ABC", page_agent_case, 0);
    check_match("GET", "/author/reindex/R-1", page_reindex_get, 0);
    check_match("PUT", "/login", NULL, 0);
    /* A form route's 405 is a page whatever the body (no header is
     * looked at: rq has no connection here). */
    check_match("GET", "/logout", NULL, 0);
}

/* README's table rows: | METHOD | `PATH` | KIND | ROLE | what |, the
 * path with {name} where a prefix route takes the rest. */
struct row {
    char method[16], path[128], kind[16], role[16];
};

static int cell(const char **p, char *out, size_t len)
{
    const char *s = *p, *end = strchr(s, '|');
    if (!end)
        return -1;
    while (s < end && (*s == ' ' || *s == '`'))
        s++;
    const char *e = end;
    while (e > s && (e[-1] == ' ' || e[-1] == '`'))
        e--;
    snprintf(out, len, "%.*s", (int)(e - s), s);
    *p = end + 1;
    return 0;
}

static size_t readme_rows(struct row *rows, size_t max)
{
    char path[1024], line[4096];
    snprintf(path, sizeof path, "%s/README.md", KB_SOURCE_DIR);
    FILE *f = fopen(path, "r");
    CHECK(&h, f != NULL);
    if (!f)
        return 0;
    size_t n = 0;
    int in_table = 0;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "| method | path | kind | role |", 31) == 0) {
            in_table = 1;
            continue;
        }
        if (!in_table || strncmp(line, "|---", 4) == 0)
            continue;
        if (line[0] != '|')
            break;
        const char *p = line + 1;
        struct row r;
        if (n == max || cell(&p, r.method, sizeof r.method) || cell(&p, r.path, sizeof r.path) ||
            cell(&p, r.kind, sizeof r.kind) || cell(&p, r.role, sizeof r.role))
            break;
        rows[n++] = r;
    }
    fclose(f);
    return n;
}

static void test_readme(void)
{
    static const char *const kinds[] = {"api", "page", "form"};
    static const char *const roles[] = {"anyone", "agent", "author"};
    struct row rows[128];
    size_t n = readme_rows(rows, 128);
    CHECK_INT_EQ(&h, n, serve_nroutes);
    for (size_t i = 0; i < n && i < serve_nroutes; i++) {
        const struct route *r = &serve_routes[i];
        char prefix[128];
        const char *brace = strchr(rows[i].path, '{');
        snprintf(prefix, sizeof prefix, "%.*s",
                 (int)(brace ? (size_t)(brace - rows[i].path) : strlen(rows[i].path)),
                 rows[i].path);
        int ok = strcmp(rows[i].method, strcmp(r->method, "*") == 0 ? "any" : r->method) == 0 &&
                 strcmp(prefix, r->path) == 0 &&
                 (brace != NULL) == (r->match == ROUTE_PREFIX) &&
                 strcmp(rows[i].kind, kinds[r->kind]) == 0 &&
                 strcmp(rows[i].role, roles[r->role]) == 0;
        if (!ok)
            fprintf(stderr, "README row %zu: %s %s %s %s; the table: %s %s%s %s %s\n", i + 1,
                    rows[i].method, rows[i].path, rows[i].kind, rows[i].role, r->method,
                    r->path, r->match == ROUTE_PREFIX ? "..." : "", kinds[r->kind],
                    roles[r->role]);
        CHECK(&h, ok);
    }
}

int main(void)
{
    test_table();
    test_match();
    test_readme();
    TEST_MAIN_END(&h);
}
