/* test_http.c -- kb-serve over HTTP on a free loopback port, on an
 * index of tests/data/kb built by the real kb-index. */
#include "harness.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct harness h = {0, 0};
static struct tu_server srv;

static const char *jstr(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

static json_t *get(const char *path, long want)
{
    long st;
    json_t *j = tu_get_json(&srv, path, &st);
    if (st != want)
        fprintf(stderr, "GET %s -> %ld, want %ld\n", path, st, want);
    CHECK_INT_EQ(&h, st, want);
    CHECK(&h, j != NULL);
    return j;
}

static void check_error(const char *path, long want, const char *code)
{
    json_t *j = get(path, want);
    CHECK_STR_EQ(&h, jstr(j, "error"), code);
    CHECK(&h, strlen(jstr(j, "message")) > 0);
    json_decref(j);
}

static char *page(const char *path, long want)
{
    struct tu_response r;
    CHECK_INT_EQ(&h, tu_http(&srv, "GET", path, NULL, NULL, &r), 0);
    if (r.status != want)
        fprintf(stderr, "GET %s -> %ld, want %ld\n", path, r.status, want);
    CHECK_INT_EQ(&h, r.status, want);
    char *body = r.body;
    free(r.headers);
    return body;
}

static void test_search(void)
{
    json_t *j = get("/api/search?q=late+fee", 200);
    CHECK_STR_EQ(&h, jstr(j, "query"), "late fee");
    CHECK_STR_EQ(&h, jstr(j, "locale"), "en-us");
    CHECK(&h, json_is_null(json_object_get(j, "suggestion")));
    json_t *hit = json_array_get(json_object_get(j, "hits"), 0);
    CHECK_STR_EQ(&h, jstr(hit, "id"), "billing/invoices");
    CHECK_STR_EQ(&h, jstr(hit, "url"), "/articles/billing/invoices?locale=en-us#late-fees");
    CHECK_STR_EQ(&h, jstr(hit, "topic"), "how-to");
    json_t *sec = json_object_get(hit, "section");
    CHECK_STR_EQ(&h, jstr(sec, "anchor"), "late-fees");
    CHECK_STR_EQ(&h, jstr(sec, "title"), "Late fees");
    CHECK_CONTAINS(&h, jstr(hit, "snippet"), "<mark>");
    CHECK(&h, json_is_real(json_object_get(hit, "score")));
    CHECK(&h, json_integer_value(json_object_get(j, "total")) >= 1);
    CHECK(&h, json_is_null(json_object_get(j, "corrected")));
    json_decref(j);

    /* A word unknown in the locale is searched corrected: "query" stays
     * as typed, "corrected" says what was searched; exact=1 searches
     * the words as typed. */
    j = get("/api/search?q=reset+my+pasword", 200);
    CHECK_STR_EQ(&h, jstr(j, "query"), "reset my pasword");
    CHECK_STR_EQ(&h, jstr(j, "corrected"), "reset my password");
    CHECK_STR_EQ(&h, jstr(json_array_get(json_object_get(j, "hits"), 0), "id"), "sign-in/reset");
    json_decref(j);
    j = get("/api/search?q=pasword&exact=1", 200);
    CHECK(&h, json_is_null(json_object_get(j, "corrected")));
    CHECK_INT_EQ(&h, json_integer_value(json_object_get(j, "total")), 0);
    json_decref(j);

    /* The explicit <a name> anchor wins; DocFX markup never leaks. */
    j = get("/api/search?q=tenant+seats+unit+price", 200);
    hit = json_array_get(json_object_get(j, "hits"), 0);
    CHECK_STR_EQ(&h, jstr(json_object_get(hit, "section"), "anchor"), "read-the-invoice");
    CHECK_NOT_CONTAINS(&h, jstr(hit, "snippet"), "[!NOTE]");
    CHECK_NOT_CONTAINS(&h, jstr(hit, "snippet"), ":::");
    json_decref(j);
    j = get("/api/search?q=charges+tab", 200); /* image alt text is text */
    CHECK_STR_EQ(&h, jstr(json_array_get(json_object_get(j, "hits"), 0), "id"),
                 "billing/invoices");
    json_decref(j);
    j = get("/api/search?q=NOTE", 200);
    CHECK_INT_EQ(&h, json_array_size(json_object_get(j, "hits")), 0);
    json_decref(j);

    /* FAQ questions are answer units of their own. */
    j = get("/api/search?q=refund+unused+seats", 200);
    hit = json_array_get(json_object_get(j, "hits"), 0);
    CHECK_STR_EQ(&h, jstr(hit, "id"), "faq/billing-faq");
    CHECK_STR_EQ(&h, jstr(json_object_get(hit, "section"), "title"),
                 "Can I get a refund for unused seats?");
    json_decref(j);

    /* Russian inflection, German, Chinese without spaces. */
    j = get("/api/search?q=%D0%B7%D0%B0%D0%B1%D1%8B%D0%BB%D0%B8+%D0%BF%D0%B0%D1%80%D0%BE%D0%BB%D0%B8"
            "&locale=ru-ru", 200); /* "забыли пароли" */
    hit = json_array_get(json_object_get(j, "hits"), 0);
    CHECK_STR_EQ(&h, jstr(hit, "id"), "sign-in/reset");
    CHECK_STR_EQ(&h, jstr(hit, "locale"), "ru-ru");
    json_decref(j);
    j = get("/api/search?q=S%C3%A4umnisgeb%C3%BChr&locale=de-de", 200); /* Säumnisgebühr */
    hit = json_array_get(json_object_get(j, "hits"), 0);
    CHECK_STR_EQ(&h, jstr(hit, "locale"), "de-de");
    CHECK_STR_EQ(&h, jstr(json_object_get(hit, "section"), "anchor"), "late-fees");
    json_decref(j);
    j = get("/api/search?q=%E6%BB%9E%E7%BA%B3%E9%87%91&locale=zh-cn", 200); /* 滞纳金 */
    hit = json_array_get(json_object_get(j, "hits"), 0);
    CHECK_STR_EQ(&h, jstr(hit, "locale"), "zh-cn");
    CHECK_STR_EQ(&h, jstr(json_object_get(hit, "section"), "anchor"), "late-fees");
    json_decref(j);

    /* A locale with no content falls back to the default one. */
    j = get("/api/search?q=password&locale=fr-fr", 200);
    CHECK_STR_EQ(&h, jstr(j, "locale"), "en-us");
    CHECK_STR_EQ(&h, jstr(json_array_get(json_object_get(j, "hits"), 0), "id"), "sign-in/reset");
    json_decref(j);

    /* A long natural-language question still finds its article. */
    j = get("/api/search?q=what+should+I+do+when+I+have+forgotten+the+password+for+my+account", 200);
    CHECK_STR_EQ(&h, jstr(json_array_get(json_object_get(j, "hits"), 0), "id"), "sign-in/reset");
    json_decref(j);

    /* Internal articles never reach anonymous callers. */
    j = get("/api/search?q=zebrafrost+quokkaplasm", 200);
    CHECK_INT_EQ(&h, json_array_size(json_object_get(j, "hits")), 0);
    CHECK_INT_EQ(&h, json_integer_value(json_object_get(j, "total")), 0);
    json_decref(j);
    check_error("/api/articles/internal/escalation", 404, "not_found");

    /* Limits: default 10, at most 100. */
    j = get("/api/search?q=the&limit=1000", 200);
    CHECK(&h, json_array_size(json_object_get(j, "hits")) <= 100);
    json_decref(j);
    j = get("/api/search?q=invoice&limit=1", 200);
    CHECK_INT_EQ(&h, json_array_size(json_object_get(j, "hits")), 1);
    json_decref(j);

    /* As-you-type. */
    j = get("/api/suggest?q=late+fe", 200);
    CHECK_STR_EQ(&h, jstr(json_array_get(json_object_get(j, "hits"), 0), "id"), "billing/invoices");
    json_decref(j);
}

static void test_bad_input(void)
{
    check_error("/api/search", 400, "missing_query");
    check_error("/api/search?q=", 400, "missing_query");
    check_error("/api/search?q=+++", 400, "missing_query");
    check_error("/api/search?q=%FF%FE", 400, "invalid_parameter");
    check_error("/api/search?q=a%00b", 400, "invalid_parameter");
    check_error("/api/search?q=x&limit=abc", 400, "invalid_limit");
    check_error("/api/search?q=x&limit=-1", 400, "invalid_limit");
    check_error("/api/search?q=x&offset=99999999", 400, "invalid_offset");
    check_error("/api/search?q=x&locale=..%2F..", 400, "invalid_locale");
    json_decref(get("/api/search?q=%22unbalanced+AND+(+OR", 200));
    char *big = malloc(5000);
    memcpy(big, "/api/search?q=", 14);
    memset(big + 14, 'a', 4000);
    big[4014] = '\0';
    check_error(big, 400, "query_too_long");
    /* Many terms. */
    size_t o = 14;
    for (int i = 0; i < 500 && o < 4000; i++) {
        memcpy(big + o, "w+", 2);
        o += 2;
    }
    big[o] = '\0';
    check_error(big, 400, "too_many_terms");
    free(big);

    /* A 1 MB URL: refused without a crash. */
    size_t n = 1024 * 1024;
    char *huge = malloc(n + 32);
    memcpy(huge, "/api/search?q=", 14);
    memset(huge + 14, 'b', n);
    huge[14 + n] = '\0';
    struct tu_response r;
    tu_http(&srv, "GET", huge, NULL, NULL, &r);
    CHECK(&h, r.status >= 400 && r.status < 500);
    tu_response_free(&r);
    free(huge);

    check_error("/api/nope", 404, "not_found");
    check_error("/api/articles/no/such/article", 404, "not_found");
    check_error("/api/articles/../../etc/passwd", 400, "invalid_id");
    CHECK_INT_EQ(&h, tu_http(&srv, "POST", "/api/search?q=x", "{}", "application/json", &r), 0);
    CHECK_INT_EQ(&h, r.status, 405);
    CHECK_CONTAINS(&h, r.headers, "Allow: GET");
    tu_response_free(&r);
    /* Oversized body. */
    char *body = malloc(200000);
    memset(body, 'x', 199999);
    body[199999] = '\0';
    CHECK_INT_EQ(&h, tu_http(&srv, "POST", "/api/search", body, "text/plain", &r), 0);
    CHECK_INT_EQ(&h, r.status, 413);
    tu_response_free(&r);
    free(body);

    /* Path traversal on static files, plain and encoded. */
    char *p = page("/static/../../../etc/passwd", 404);
    CHECK_NOT_CONTAINS(&h, p, "root:");
    free(p);
    p = page("/static/%2e%2e/%2e%2e/CMakeLists.txt", 404);
    CHECK_NOT_CONTAINS(&h, p, "cmake_minimum_required");
    free(p);
    p = page("/static/style.css", 200);
    CHECK_CONTAINS(&h, p, "body");
    free(p);
}

static void test_pages(void)
{
    char *p = page("/", 200);
    CHECK_CONTAINS(&h, p, "name=\"q\"");
    CHECK_CONTAINS(&h, p, "action=\"/search\"");
    free(p);

    /* The query is escaped where it is echoed. */
    p = page("/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E+invoice", 200);
    CHECK_NOT_CONTAINS(&h, p, "<script>alert(1)");
    CHECK_CONTAINS(&h, p, "&lt;script&gt;");
    CHECK_CONTAINS(&h, p, "Understand your invoice");
    free(p);

    p = page("/search?q=late+fee", 200);
    CHECK_CONTAINS(&h, p, "href=\"/articles/billing/invoices?locale=en-us#late-fees\"");
    CHECK_CONTAINS(&h, p, "<mark>");
    CHECK_NOT_CONTAINS(&h, p, "search-instead");
    free(p);

    /* A corrected search says so, with a link that searches exactly
     * what was typed. */
    p = page("/search?q=reset+my+pasword", 200);
    CHECK_CONTAINS(&h, p, "Showing results for “reset my password”");
    CHECK_CONTAINS(&h, p, "href=\"/search?q=reset%20my%20pasword&amp;locale=en-us&amp;exact=1\"");
    CHECK_CONTAINS(&h, p, "Search instead for “reset my pasword”");
    free(p);
    p = page("/search?q=reset+my+pasword&locale=en-us&exact=1", 200);
    CHECK_NOT_CONTAINS(&h, p, "search-instead");
    free(p);

    /* Article page: safe rendering, anchors, languages, MT notice. */
    p = page("/articles/unsafe", 200);
    CHECK_NOT_CONTAINS(&h, p, "<script>alert");
    CHECK_NOT_CONTAINS(&h, p, "javascript:");
    CHECK_NOT_CONTAINS(&h, p, "onclick");
    CHECK_NOT_CONTAINS(&h, p, "<b>test</b>");
    CHECK_CONTAINS(&h, p, "Formatting &lt;b&gt;test&lt;/b&gt;");
    free(p);
    p = page("/articles/billing/invoices?locale=en-us", 200);
    CHECK_CONTAINS(&h, p, "id=\"late-fees\"");
    CHECK_CONTAINS(&h, p, "id=\"read-the-invoice\"");
    CHECK_CONTAINS(&h, p, "href=\"#late-fees\"");
    CHECK_CONTAINS(&h, p, "&lt;tenant-id&gt;");
    CHECK_CONTAINS(&h, p, "hreflang=\"zh-cn\"");
    CHECK_NOT_CONTAINS(&h, p, "[!NOTE]");
    CHECK_NOT_CONTAINS(&h, p, "raw HTML omitted");
    free(p);
    p = page("/articles/sign-in/reset?locale=ru-ru", 200);
    CHECK_CONTAINS(&h, p, "lang=\"ru\"");
    CHECK_CONTAINS(&h, p, "mt-mt");
    free(p);
    /* Missing translation: the default locale's text. */
    p = page("/articles/unsafe?locale=ru-ru", 200);
    CHECK_CONTAINS(&h, p, "Safe section");
    free(p);
    p = page("/articles/nope", 404);
    CHECK_CONTAINS(&h, p, "<!doctype html>");
    free(p);
    p = page("/articles/internal/escalation", 404);
    CHECK_NOT_CONTAINS(&h, p, "Quokkaplasm");
    free(p);

    json_t *j = get("/api/articles/billing/invoices?locale=zh-cn", 200);
    CHECK_STR_EQ(&h, jstr(j, "locale"), "zh-cn");
    CHECK_STR_EQ(&h, jstr(j, "title"), "了解您的发票");
    CHECK(&h, json_array_size(json_object_get(j, "sections")) >= 2);
    CHECK(&h, json_array_size(json_object_get(j, "locales")) == 3);
    json_decref(j);
}

/* The indexer commits while the server runs: the next request sees
 * the new revision without a restart. */
static void test_reindex(const char *content, const char *index)
{
    json_t *j = get("/healthz", 200);
    CHECK_STR_EQ(&h, jstr(j, "status"), "ok");
    long long rev = json_integer_value(json_object_get(j, "revision"));
    /* Public articles only: one of tests/data/kb's is internal. */
    CHECK_INT_EQ(&h, json_integer_value(json_object_get(j, "articles")), 7);
    json_decref(j);

    char path[1024];
    snprintf(path, sizeof path, "%s/en-us/sign-in/mfa.md", content);
    const char mfa[] = "---\ntitle: Set up two-step verification\n---\n"
                       "## Use an authenticator app\n\nScan the QR code with the platypusapp.\n";
    tu_write_file(path, mfa, sizeof mfa - 1);
    char *argv[] = {KB_INDEX_BIN, "--content", (char *)content, "--index", (char *)index,
                    "--quiet", NULL};
    CHECK_INT_EQ(&h, tu_run(argv, NULL, NULL), 0);
    j = get("/api/search?q=platypusapp", 200);
    json_t *hit = json_array_get(json_object_get(j, "hits"), 0);
    CHECK_STR_EQ(&h, jstr(hit, "id"), "sign-in/mfa");
    CHECK_STR_EQ(&h, jstr(json_object_get(hit, "section"), "anchor"), "use-an-authenticator-app");
    json_decref(j);
    j = get("/healthz", 200);
    CHECK(&h, json_integer_value(json_object_get(j, "revision")) > rev);
    CHECK_INT_EQ(&h, json_integer_value(json_object_get(j, "articles")), 8);
    json_decref(j);
}

int main(void)
{
    char content[512], index[512];
    CHECK_INT_EQ(&h, tu_mkdtemp(content, sizeof content, "content"), 0);
    CHECK_INT_EQ(&h, tu_mkdtemp(index, sizeof index, "index"), 0);
    CHECK_INT_EQ(&h, tu_copy_tree(KB_SOURCE_DIR "/tests/data/kb", content), 0);
    char *argv[] = {KB_INDEX_BIN, "--content", content, "--index", index, "--quiet", NULL};
    char *err = NULL;
    CHECK_INT_EQ(&h, tu_run(argv, NULL, &err), 0);
    free(err);
    if (tu_server_start(&srv, index, NULL) != 0) {
        CHECK(&h, 0);
        TEST_MAIN_END(&h);
    }
    test_search();
    test_bad_input();
    test_pages();
    test_reindex(content, index);
    CHECK_INT_EQ(&h, tu_server_stop(&srv), 0);
    tu_rmrf(content);
    tu_rmrf(index);
    TEST_MAIN_END(&h);
}
