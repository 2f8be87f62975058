/* test_reports_http.c -- reports, cases and the author's pages through a
 * real kb-serve on the sample content (tests/data/kb):
 *   - the same case form submission, sent again after kb-serve was
 *     restarted, answers the first case (the key is stored with it);
 *     POST /api/cases with an Idempotency-Key header likewise;
 *   - 'to' is the last day, included, in /api/reports, /api/cases and
 *     kb-report alike;
 *   - a vote cast after coming by a section link counts for the
 *     article and the section, with its comment, in
 *     /api/reports/articles (JSON and CSV), kb-report and the author
 *     dashboard, escaped for each;
 *   - the broken links page and its CSV and JSON forms. */
#include "eventlog.h"
#include "harness.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define FORM_CSRF "Bb1_Bb1_Bb1_Bb1_Bb1_Bb1_Bb1_Bb1_Bb1_Bb1_Bb1"
#define IDEM_KEY "formkey-AAAAAAAAAAAAAAAAAAAA"
#define VISIT "visit-reports-http-0001"
#define COMMENT "=HYPERLINK(\"http://evil.example\") <script>alert(1)</script> Step 2, fails"
#define COMMENT_CSV "\"'=HYPERLINK(\"\"http://evil.example\"\") <script>alert(1)</script> Step 2, fails\""
#define COMMENT_HTML "&lt;script&gt;alert(1)&lt;/script&gt; Step 2, fails"

static struct harness h = {0, 0};
static struct tu_server srv;
static char index_dir[512], db[600], content[512];
static char agent_auth[128], author_auth[128];

static void start(void)
{
    char *extra[] = {"--db", db, "--content", content, NULL};
    if (tu_server_start(&srv, index_dir, extra) != 0) {
        CHECK(&h, 0);
        exit(1);
    }
}

/* A request with the given extra headers; the caller frees r. */
static long req(const char *method, const char *path, const char *body, const char *type,
                const char *h1, const char *h2, struct tu_response *r)
{
    const char *hdrs[] = {h1, h2, NULL};
    if (tu_http_h(&srv, method, path, body, type, hdrs, r) != 0)
        return -1;
    return r->status;
}

static json_t *get_json(const char *path, const char *auth, long want)
{
    struct tu_response r;
    long st = req("GET", path, NULL, NULL, auth, NULL, &r);
    CHECK_INT_EQ(&h, st, want);
    json_t *j = r.body ? json_loads(r.body, 0, NULL) : NULL;
    if (st != want)
        fprintf(stderr, "GET %s: %ld %s\n", path, st, r.body ? r.body : "");
    tu_response_free(&r);
    return j;
}

static char *get_body(const char *path, const char *auth, long want)
{
    struct tu_response r;
    long st = req("GET", path, NULL, NULL, auth, NULL, &r);
    CHECK_INT_EQ(&h, st, want);
    char *b = r.body;
    r.body = NULL;
    tu_response_free(&r);
    return b;
}

/* The case form, posted as a browser posts it; returns the Location. */
static char *post_contact(void)
{
    struct tu_response r;
    const char *body = "csrf=" FORM_CSRF "&idem=" IDEM_KEY
                       "&subject=Restart+proof+subject&email=r%40example.com&locale=en-us";
    long st = req("POST", "/contact", body, "application/x-www-form-urlencoded",
                  "Cookie: kb_csrf=" FORM_CSRF "; kb_visit=" VISIT, NULL, &r);
    CHECK_INT_EQ(&h, st, 303);
    char *loc = NULL;
    const char *p = r.headers ? strstr(r.headers, "Location: ") : NULL;
    if (p) {
        p += 10;
        loc = strndup(p, strcspn(p, "\r\n"));
    }
    tu_response_free(&r);
    return loc;
}

static char *post_api_case(void)
{
    struct tu_response r;
    long st = req("POST", "/api/cases",
                  "{\"subject\":\"Api restart proof\",\"email\":\"a@example.com\"}",
                  "application/json", "Idempotency-Key: apikey-BBBBBBBBBBBBBBBBBBBB",
                  "X-KB-Visit: " VISIT, &r);
    CHECK_INT_EQ(&h, st, 201);
    json_t *j = r.body ? json_loads(r.body, 0, NULL) : NULL;
    const char *id = json_string_value(json_object_get(j, "id"));
    char *out = id ? strdup(id) : NULL;
    json_decref(j);
    tu_response_free(&r);
    return out;
}

static size_t cases_matching(const char *q)
{
    char path[256];
    snprintf(path, sizeof path, "/api/cases?q=%s", q);
    json_t *j = get_json(path, agent_auth, 200);
    size_t n = json_array_size(json_object_get(j, "cases"));
    json_decref(j);
    return n;
}

static void test_idempotency_across_restart(void)
{
    char *first = post_contact(), *api1 = post_api_case();
    CHECK(&h, first && strstr(first, "/contact/received?case=C-"));
    CHECK(&h, api1 != NULL);
    CHECK_INT_EQ(&h, tu_server_stop(&srv), 0);
    start();
    char *second = post_contact(), *api2 = post_api_case();
    CHECK_STR_EQ(&h, second ? second : "", first ? first : "-");
    CHECK_STR_EQ(&h, api2 ? api2 : "", api1 ? api1 : "-");
    CHECK_INT_EQ(&h, cases_matching("Restart+proof+subject"), 1);
    CHECK_INT_EQ(&h, cases_matching("Api+restart+proof"), 1);
    free(first);
    free(second);
    free(api1);
    free(api2);
}

static void today(char *buf, size_t len, int days_back)
{
    time_t t = time(NULL) - (time_t)days_back * 86400;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%d", &tm);
}

static long long total_visits(json_t *rep)
{
    return (long long)json_integer_value(
        json_object_get(json_object_get(rep, "total"), "visits"));
}

static void test_to_inclusive(void)
{
    char d[16], y[16], path[128];
    today(d, sizeof d, 0);
    today(y, sizeof y, 1);
    /* from = to = today: today's visits, not a bad range. */
    snprintf(path, sizeof path, "/api/reports/deflection?from=%s&to=%s", d, d);
    json_t *j = get_json(path, agent_auth, 200);
    long long api_visits = total_visits(j);
    CHECK(&h, api_visits >= 1);
    CHECK_STR_EQ(&h, json_string_value(json_object_get(j, "to")), d);
    json_decref(j);
    /* to = yesterday leaves today out. */
    snprintf(path, sizeof path, "/api/reports/deflection?from=%s&to=%s", y, y);
    j = get_json(path, agent_auth, 200);
    CHECK_INT_EQ(&h, total_visits(j), 0);
    json_decref(j);
    snprintf(path, sizeof path, "/api/cases?from=%s&to=%s&q=Restart+proof+subject", d, d);
    j = get_json(path, agent_auth, 200);
    CHECK_INT_EQ(&h, json_array_size(json_object_get(j, "cases")), 1);
    json_decref(j);
    /* kb-report --from D --to D: the same day, the same count. */
    char *argv[] = {KB_REPORT_BIN, "--db", db, "deflection", "--from", d, "--to", d, "--json",
                    NULL};
    char *out = NULL;
    CHECK_INT_EQ(&h, tu_run(argv, &out, NULL), 0);
    j = out ? json_loads(out, 0, NULL) : NULL;
    CHECK_INT_EQ(&h, total_visits(j), api_visits);
    json_decref(j);
    free(out);
}

/* The row of article/section in an articles report. */
static json_t *article_row(json_t *rep, const char *article, const char *section)
{
    size_t i;
    json_t *row;
    json_array_foreach(json_object_get(rep, "articles"), i, row)
    {
        if (strcmp(json_string_value(json_object_get(row, "article")), article) == 0 &&
            strcmp(json_string_value(json_object_get(row, "section")), section) == 0)
            return row;
    }
    return NULL;
}

static void test_section_vote_and_comment(void)
{
    struct tu_response r;
    json_t *vote = json_pack("{s:s,s:s,s:s,s:b,s:s,s:s}", "article", "sign-in/reset", "locale",
                             "en-us", "section", "reset-by-email", "helpful", 0, "reason",
                             "did_not_answer", "comment", COMMENT);
    char *body = json_dumps(vote, 0);
    CHECK_INT_EQ(&h, req("POST", "/api/feedback", body, "application/json",
                         "X-KB-Visit: visit-reports-http-0002", NULL, &r),
                 201);
    tu_response_free(&r);
    free(body);
    json_decref(vote);

    json_t *rep = get_json("/api/reports/articles", agent_auth, 200);
    json_t *art = article_row(rep, "sign-in/reset", "");
    json_t *sec = article_row(rep, "sign-in/reset", "reset-by-email");
    CHECK(&h, art && sec);
    for (int k = 0; k < 2; k++) {
        json_t *row = k ? sec : art;
        CHECK_INT_EQ(&h, json_integer_value(json_object_get(row, "helpful_no")), 1);
        CHECK_INT_EQ(&h, json_integer_value(json_object_get(row, "comments_total")), 1);
        json_t *c = json_array_get(json_object_get(row, "comments"), 0);
        CHECK_STR_EQ(&h, json_string_value(json_object_get(c, "comment")), COMMENT);
        CHECK_STR_EQ(&h, json_string_value(json_object_get(c, "section")), "reset-by-email");
    }
    json_decref(rep);

    char *csv = get_body("/api/reports/articles?format=csv", agent_auth, 200);
    CHECK_CONTAINS(&h, csv, ",comments_total,comments\r\n");
    CHECK_CONTAINS(&h, csv, "sign-in/reset,reset-by-email,");
    CHECK_CONTAINS(&h, csv, ",1," COMMENT_CSV "\r\n");
    free(csv);

    /* kb-report: the same comment in JSON, escaped by JSON. */
    char *argv[] = {KB_REPORT_BIN, "--db", db, "articles", "--json", NULL};
    char *out = NULL;
    CHECK_INT_EQ(&h, tu_run(argv, &out, NULL), 0);
    CHECK_CONTAINS(&h, out, "\\\"http://evil.example\\\") <script>");
    json_t *j = out ? json_loads(out, 0, NULL) : NULL;
    CHECK(&h, article_row(j, "sign-in/reset", "reset-by-email") != NULL);
    json_decref(j);
    free(out);

    /* The dashboard: the comment as text, never as markup. */
    char *html = get_body("/author", author_auth, 200);
    CHECK_CONTAINS(&h, html, COMMENT_HTML);
    CHECK(&h, html && !strstr(html, "<script>alert(1)"));
    free(html);
    /* An agent may read the reports, not the dashboard. */
    free(get_body("/author", agent_auth, 403));
}

/* kb-report on a terminal (a pty, through script(1)) prints a table;
 * a comment stored with terminal control sequences (from an older
 * version, or written to the database by hand: the API refuses them)
 * reaches the terminal without them. */
static void test_table_on_terminal(void)
{
    struct eventlog *el = NULL;
    struct eventlog_event ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = EVENTLOG_KIND_VOTE;
    ev.ts = (double)time(NULL);
    ev.visit = "visit-reports-http-0003";
    ev.article = "billing/invoices";
    ev.locale = "en-us";
    ev.helpful = 0;
    ev.results = -1;
    ev.latency_us = -1;
    ev.comment = "\x1b]0;owned\x07\x1b[2Jcleared \xc2\x9b" "31m";
    CHECK_INT_EQ(&h, eventlog_open(db, &el), STORE_OK);
    CHECK_INT_EQ(&h, eventlog_record(el, &ev), STORE_OK);
    eventlog_close(el);
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "COLUMNS=300 %s --db %s articles", KB_REPORT_BIN, db);
    char *argv[] = {"/usr/bin/script", "-qec", cmd, "/dev/null", NULL};
    char *out = NULL;
    CHECK_INT_EQ(&h, tu_run(argv, &out, NULL), 0);
    CHECK_CONTAINS(&h, out, "comments_total");
    CHECK_CONTAINS(&h, out, "billing/invoices");
    CHECK_CONTAINS(&h, out, "?]0;owned??[2Jcleared ?31m");
    CHECK(&h, out && !strchr(out, '\x1b') && !strchr(out, '\x07') && !strstr(out, "\xc2\x9b"));
    free(out);
}

/* Sixty links to nowhere, a link whose target is a formula and one
 * with quotes, added to the sample content before indexing. */
static void write_link_articles(void)
{
    struct strbuf_lite {
        char buf[8192];
        size_t len;
    } b = {"", 0};
    b.len += (size_t)snprintf(b.buf, sizeof b.buf,
                              "---\ntitle: Many links\ndescription: Links.\n---\n# Many links\n\n");
    for (int i = 0; i < 60; i++)
        b.len += (size_t)snprintf(b.buf + b.len, sizeof b.buf - b.len,
                                  "See [gone %d](gone-%02d.md).\n\n", i, i);
    char path[700];
    snprintf(path, sizeof path, "%s/en-us/many-links.md", content);
    CHECK_INT_EQ(&h, tu_write_file(path, b.buf, b.len), 0);
    const char *odd = "---\ntitle: Odd links\ndescription: Odd.\n---\n# Odd links\n\n"
                      "A [formula](=SUM(1).md) and [quotes](a\"b'c.md#x).\n";
    snprintf(path, sizeof path, "%s/de-de/odd-links.md", content);
    CHECK_INT_EQ(&h, tu_write_file(path, odd, strlen(odd)), 0);
}

static void test_broken_links(void)
{
    /* JSON: everything, then one locale, then a text filter. */
    json_t *j = get_json("/api/admin/broken-links", author_auth, 200);
    CHECK_INT_EQ(&h, json_integer_value(json_object_get(j, "total")), 63);
    CHECK_INT_EQ(&h, json_integer_value(json_object_get(j, "matched")), 63);
    CHECK_INT_EQ(&h, json_array_size(json_object_get(j, "links")), 50);
    json_t *first = json_array_get(json_object_get(j, "links"), 0);
    CHECK_STR_EQ(&h, json_string_value(json_object_get(first, "file")), "de-de/odd-links.md");
    CHECK_STR_EQ(&h, json_string_value(json_object_get(first, "locale")), "de-de");
    CHECK_INT_EQ(&h, json_array_size(json_object_get(j, "locales")), 2);
    json_decref(j);
    j = get_json("/api/admin/broken-links?lang=en-us&q=MISSING-PAGE", author_auth, 200);
    CHECK_INT_EQ(&h, json_integer_value(json_object_get(j, "matched")), 1);
    first = json_array_get(json_object_get(j, "links"), 0);
    CHECK_STR_EQ(&h, json_string_value(json_object_get(first, "file")),
                 "en-us/billing/invoices.md");
    CHECK_INT_EQ(&h, json_integer_value(json_object_get(first, "line")), 40);
    CHECK_STR_EQ(&h, json_string_value(json_object_get(first, "target")), "missing-page.md");
    CHECK_STR_EQ(&h, json_string_value(json_object_get(first, "problem")), "missing article");
    json_decref(j);
    j = get_json("/api/admin/broken-links?offset=50&limit=20", author_auth, 200);
    CHECK_INT_EQ(&h, json_array_size(json_object_get(j, "links")), 13);
    json_decref(j);
    json_decref(get_json("/api/admin/broken-links?limit=0", author_auth, 400));
    json_decref(get_json("/api/admin/broken-links?format=xml", author_auth, 400));
    json_decref(get_json("/api/admin/broken-links", agent_auth, 403));

    /* CSV: every matched link, formula-safe. */
    char *csv = get_body("/api/admin/broken-links?format=csv&lang=de-de", author_auth, 200);
    CHECK_STR_EQ(&h, csv ? csv : "",
                 "file,line,locale,article,target,problem\r\n"
                 "de-de/odd-links.md,7,de-de,odd-links,'=SUM(1).md,missing article\r\n"
                 "de-de/odd-links.md,7,de-de,odd-links,\"a\"\"b'c.md#x\",missing article\r\n");
    free(csv);
    csv = get_body("/api/admin/broken-links?format=csv", author_auth, 200);
    size_t rows = 0;
    for (const char *p = csv; p && (p = strstr(p, "\r\n")); p += 2)
        rows++;
    CHECK_INT_EQ(&h, rows, 64);
    free(csv);

    /* The page: filters without JavaScript, 50 to a page. */
    char *html = get_body("/author/links", author_auth, 200);
    CHECK_CONTAINS(&h, html, "<code>en-us/billing/invoices.md</code></th><td class=\"num\">40</td>"
                             "<td>en-us</td><td><code>missing-page.md</code>");
    CHECK_CONTAINS(&h, html, "63 broken links");
    CHECK_CONTAINS(&h, html, "rel=\"next\" href=\"/author/links?locale=en-us&amp;page=2\"");
    CHECK_CONTAINS(&h, html, "<option value=\"de-de\">");
    CHECK_CONTAINS(&h, html, "href=\"/api/admin/broken-links?format=csv\"");
    CHECK_CONTAINS(&h, html, "a&quot;b&#39;c.md#x");
    free(html);
    html = get_body("/author/links?page=2", author_auth, 200);
    CHECK_CONTAINS(&h, html, "rel=\"prev\"");
    CHECK(&h, html && !strstr(html, "rel=\"next\""));
    CHECK_CONTAINS(&h, html, "gone-59.md");
    free(html);
    html = get_body("/author/links?lang=en-us&q=Billing", author_auth, 200);
    CHECK_CONTAINS(&h, html, "1 of 63 broken links match the filters");
    CHECK_CONTAINS(&h, html, "<option value=\"en-us\" selected>");
    CHECK_CONTAINS(&h, html, "value=\"Billing\"");
    CHECK_CONTAINS(&h, html,
                   "href=\"/api/admin/broken-links?format=csv&amp;lang=en-us&amp;q=Billing\"");
    free(html);
    html = get_body("/author/links?q=%3Cscript%3E", author_auth, 200);
    CHECK_CONTAINS(&h, html, "No broken link matches these filters.");
    CHECK_CONTAINS(&h, html, "value=\"&lt;script&gt;\"");
    free(html);
    html = get_body("/author/links?locale=de-de", author_auth, 200);
    CHECK_CONTAINS(&h, html, "63 defekte Links");
    free(html);
    free(get_body("/author/links", agent_auth, 403));
    /* The dashboard's content-health card leads there. */
    html = get_body("/author", author_auth, 200);
    CHECK_CONTAINS(&h, html, "href=\"/author/links?locale=en-us\"");
    free(html);
}

/* A reindex refused because a file has errors says so in words for a
 * web reader, not kb-index's command-line wording. */
static void test_reindex_wording(void)
{
    char path[700];
    snprintf(path, sizeof path, "%s/en-us/bad.md", content);
    const char *bad = "---\ntitle: [unclosed\n---\n# X\n\nbody\n";
    CHECK_INT_EQ(&h, tu_write_file(path, bad, strlen(bad)), 0);
    struct tu_response r;
    CHECK_INT_EQ(&h, req("POST", "/api/admin/reindex", "{\"full\":true}", "application/json",
                         author_auth, NULL, &r),
                 202);
    json_t *j = json_loads(r.body ? r.body : "", 0, NULL);
    tu_response_free(&r);
    char page[160];
    const char *id = json_string_value(json_object_get(j, "id"));
    snprintf(page, sizeof page, "/author/reindex/%s", id ? id : "");
    json_t *s = tu_reindex_wait(&srv, author_auth, id, 120);
    json_decref(j);
    CHECK_STR_EQ(&h, json_string_value(json_object_get(s, "state")), "failed");
    CHECK_STR_EQ(&h, json_string_value(json_object_get(s, "reason")), "file_errors");
    CHECK_INT_EQ(&h, json_integer_value(json_object_get(s, "failed_files")), 1);
    CHECK(&h, !strstr(json_string_value(json_object_get(s, "message")), "--strict"));
    json_decref(s);
    char *html = get_body(page, author_auth, 200);
    CHECK_CONTAINS(&h, html, "1 file has errors, so nothing was changed");
    CHECK(&h, html && !strstr(html, "--strict") && !strstr(html, "committed"));
    free(html);
    char ru[200];
    snprintf(ru, sizeof ru, "%s?locale=ru-ru", page);
    html = get_body(ru, author_auth, 200);
    CHECK_CONTAINS(&h, html, "В одном файле есть ошибки, поэтому ничего не изменилось");
    free(html);
    unlink(path);
}

int main(void)
{
    CHECK_INT_EQ(&h, tu_mkdtemp(content, sizeof content, "content"), 0);
    CHECK_INT_EQ(&h, tu_mkdtemp(index_dir, sizeof index_dir, "index"), 0);
    CHECK_INT_EQ(&h, tu_copy_tree(KB_SOURCE_DIR "/tests/data/kb", content), 0);
    write_link_articles();
    snprintf(db, sizeof db, "%s.db", content);
    char *argv[] = {KB_INDEX_BIN, "--content", content, "--index", index_dir, "--quiet", NULL};
    char *err = NULL;
    CHECK_INT_EQ(&h, tu_run(argv, NULL, &err), 0);
    free(err);
    char *token = tu_make_user(db, "agent1", "agent");
    snprintf(agent_auth, sizeof agent_auth, "Authorization: Bearer %s", token ? token : "");
    free(token);
    token = tu_make_user(db, "author1", "author");
    snprintf(author_auth, sizeof author_auth, "Authorization: Bearer %s", token ? token : "");
    free(token);
    start();
    test_idempotency_across_restart();
    test_to_inclusive();
    test_section_vote_and_comment();
    test_broken_links();
    test_reindex_wording();
    CHECK_INT_EQ(&h, tu_server_stop(&srv), 0);
    test_table_on_terminal();
    tu_rmrf(content);
    tu_rmrf(index_dir);
    unlink(db);
    TEST_MAIN_END(&h);
}
