/* test_pages_hostile.c -- every server-rendered page with hostile text
 * in every field a customer or an author controls, through a real
 * kb-serve on a loopback port.
 *
 * The content tree gets an article and an FAQ whose titles, headings,
 * descriptions, topics, tags, products, questions and links are markup,
 * script URLs and template syntax; the visit behind a case searches for
 * markup, reads with a markup section, votes with a markup comment and
 * files a case whose subject, description, email and product are
 * markup; the sign-in form gets a markup username.  Then each page is
 * read as HTML (a small tokenizer, not a string search) and must have:
 * no <script> but the layout's own, no on* attribute, no javascript:
 * (or vbscript:, data:text) URL in href/src/action, no iframe, object
 * or embed; template syntax in values shown as text; and the hostile
 * value itself shown (escaped), so the check is not vacuous.  The
 * server's log must not say that a raw slot was filled with text. */
#include "harness.h"
#include "testutil.h"

#include <ctype.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

static struct harness h = {0, 0};
static struct tu_server srv;
static char session[300], csrf_field[128];

#define VISIT "visit-hostile0000000000"
#define FORM_CSRF "Aa0_Aa0_Aa0_Aa0_Aa0_Aa0_Aa0_Aa0_Aa0_Aa0_Aa0"

/* The hostile values, one per field they go into. */
#define XSS_TITLE "Zorbly <script>alert(1)</script> \\\"><img src=x onerror=alert(1)> {{t.site.name}} {{{body}}} & 'q'"

static const char article_md[] =
    "---\n"
    "title: \"" XSS_TITLE "\"\n"
    "description: \"Desc <script>alert(2)</script> \\\"><svg onload=alert(2)> {{t.home.title}} & 'd'\"\n"
    "topic: \"<script>alert(3)</script>\\\"><img src=x onerror=alert(3)>\"\n"
    "product: \"<script>alert(4)</script>\"\n"
    "tags: [\"<script>alert(5)</script>\", \"\\\"><img src=x onerror=alert(5)>\"]\n"
    "date: 2026-03-14\n"
    "---\n"
    "# Zorbly\n\n"
    "Zorbly intro with <script>alert(6)</script> and <img src=x onerror=alert(6)> and "
    "{{t.site.name}} and {{{body}}} & more.\n\n"
    "## Zorbly <script>alert(7)</script> \"><img src=x onerror=alert(7)> {{{body}}}\n\n"
    "Zorbly quuxwise section text, `<script>alert(9)</script>` in code. "
    "[click me](javascript:alert(8)) and "
    "[data](data:text/html;base64,PHNjcmlwdD4=) and <a href=\"javascript:alert(10)\">raw</a> "
    "and [broken](missing\"onerror=alert(14).md).\n\n"
    "### <a name=\"x&quot;onmouseover=alert(11)\"></a>Sub <b onclick=alert(11)>zorbly</b>\n\n"
    "![img](javascript:alert(12)) and [spaced]( JaVaScRiPt:alert(13)).\n";

static const char faq_yml[] =
    "### YamlMime:FAQ\n"
    "metadata:\n"
    "  title: \"FAQ <script>alert(30)</script> zorbly\"\n"
    "  description: \"\\\"><img src=x onerror=alert(30)>\"\n"
    "  topic: faq\n"
    "  product: \"<img src=x onerror=alert(31)>\"\n"
    "title: \"Zorbly questions <script>alert(32)</script>\"\n"
    "sections:\n"
    "  - name: \"<script>alert(33)</script>\"\n"
    "    questions:\n"
    "      - question: \"Why zorbly <script>alert(34)</script> \\\"><img src=x onerror=alert(34)>?\"\n"
    "        answer: |\n"
    "          Because zorbly [x](javascript:alert(35)) {{{body}}}.\n";

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

/* ---- the page reader ---- */

/* Decodes the character references a browser would in an attribute
 * value, drops the blanks and controls it ignores in a URL, lowers. */
static void url_of(const char *v, size_t n, char *out, size_t len)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 1 < len;) {
        unsigned long c = (unsigned char)v[i];
        size_t step = 1;
        if (v[i] == '&') {
            const char *semi = memchr(v + i, ';', n - i);
            if (semi && v[i + 1] == '#') {
                int hex = v[i + 2] == 'x' || v[i + 2] == 'X';
                c = strtoul(v + i + 2 + hex, NULL, hex ? 16 : 10);
                step = (size_t)(semi - (v + i)) + 1;
            } else if (semi) {
                static const struct {
                    const char *name;
                    char c;
                } named[] = {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'},
                             {"&apos;", '\''}, {"&colon;", ':'}, {"&Tab;", '\t'},
                             {"&NewLine;", '\n'}};
                for (size_t k = 0; k < sizeof named / sizeof named[0]; k++)
                    if ((size_t)(semi - (v + i)) + 1 == strlen(named[k].name) &&
                        strncmp(v + i, named[k].name, strlen(named[k].name)) == 0) {
                        c = (unsigned char)named[k].c;
                        step = strlen(named[k].name);
                    }
            }
        }
        i += step;
        if (c <= 0x20 || c == 0x7f)
            continue;
        out[o++] = (char)tolower((int)(c & 0xff));
    }
    out[o] = '\0';
}

/* Reads page as HTML and counts what must not be in it. */
static int bad_markup(const char *page, const char *where)
{
    int bad = 0;
    const char *p = page;
    while ((p = strchr(p, '<')) != NULL) {
        if (strncmp(p, "<!--", 4) == 0) {
            const char *end = strstr(p, "-->");
            p = end ? end + 3 : p + 4;
            continue;
        }
        const char *q = p + 1;
        if (*q == '/')
            q++;
        if (!isalpha((unsigned char)*q)) {
            p++;
            continue;
        }
        char tag[32];
        size_t n = 0;
        while (isalnum((unsigned char)q[n]) && n + 1 < sizeof tag) {
            tag[n] = (char)tolower((unsigned char)q[n]);
            n++;
        }
        tag[n] = '\0';
        q += n;
        /* Attributes, as a browser splits them. */
        const char *start = p;
        for (;;) {
            while (*q && (isspace((unsigned char)*q) || *q == '/'))
                q++;
            if (!*q || *q == '>')
                break;
            const char *an = q;
            while (*q && !isspace((unsigned char)*q) && *q != '>' && *q != '=' && *q != '/')
                q++;
            char name[40];
            snprintf(name, sizeof name, "%.*s", (int)(q - an), an);
            for (char *c = name; *c; c++)
                *c = (char)tolower((unsigned char)*c);
            const char *val = "";
            size_t vlen = 0;
            while (isspace((unsigned char)*q))
                q++;
            if (*q == '=') {
                q++;
                while (isspace((unsigned char)*q))
                    q++;
                if (*q == '"' || *q == '\'') {
                    const char *end = strchr(q + 1, *q);
                    val = q + 1;
                    vlen = end ? (size_t)(end - val) : strlen(val);
                    q = end ? end + 1 : val + vlen;
                } else {
                    val = q;
                    while (*q && !isspace((unsigned char)*q) && *q != '>')
                        q++;
                    vlen = (size_t)(q - val);
                }
            }
            if (strncmp(name, "on", 2) == 0) {
                fprintf(stderr, "%s: event handler attribute: %.80s\n", where, start);
                bad++;
            }
            if (!strcmp(name, "href") || !strcmp(name, "src") || !strcmp(name, "action") ||
                !strcmp(name, "formaction") || !strcmp(name, "xlink:href") ||
                !strcmp(name, "data")) {
                char url[512];
                url_of(val, vlen, url, sizeof url);
                if (!strncmp(url, "javascript:", 11) || !strncmp(url, "vbscript:", 9) ||
                    !strncmp(url, "data:text", 9)) {
                    fprintf(stderr, "%s: script URL: %.120s\n", where, start);
                    bad++;
                }
            }
        }
        if (p[1] != '/' && !strcmp(tag, "script") &&
            strncmp(start, "<script src=\"/static/app.js\" defer>", 35) != 0) {
            fprintf(stderr, "%s: script element: %.80s\n", where, start);
            bad++;
        }
        if (!strcmp(tag, "iframe") || !strcmp(tag, "object") || !strcmp(tag, "embed") ||
            !strcmp(tag, "base") || (!strcmp(tag, "meta") && strstr(start, "url=") &&
                                     strstr(start, "url=") < q)) {
            fprintf(stderr, "%s: <%s>: %.80s\n", where, tag, start);
            bad++;
        }
        p = *q ? q : q - 1;
        p++;
    }
    return bad;
}

/* GETs (or POSTs) a page, checks its status, its markup and that each
 * of the NULL-terminated strings after it is in it. */
static void check_page(const char *method, const char *path, const char *body,
                       const char *ctype, const char *h1, const char *h2, long want, ...)
{
    struct tu_response r;
    long st = req(method, path, body, ctype, h1, h2, &r);
    if (st != want)
        fprintf(stderr, "%s %s: %ld, want %ld: %.300s\n", method, path, st, want, r.body);
    CHECK_INT_EQ(&h, st, want);
    CHECK_INT_EQ(&h, bad_markup(r.body ? r.body : "", path), 0);
    va_list ap;
    va_start(ap, want);
    for (const char *must; (must = va_arg(ap, const char *)) != NULL;) {
        if (!r.body || !strstr(r.body, must))
            fprintf(stderr, "%s %s: missing '%s'\n", method, path, must);
        CHECK(&h, r.body && strstr(r.body, must));
    }
    va_end(ap);
    tu_response_free(&r);
}

/* The escaped forms the pages must show. */
#define SHOWN_SCRIPT "&lt;script&gt;alert("
#define SHOWN_IMG "&quot;&gt;&lt;img src=x onerror=alert("

/* ---- set-up: the visit, the case, the staff ---- */

static void as_visit(const char *method, const char *path, const char *json, long want)
{
    struct tu_response r;
    long st = req(method, path, json, json ? "application/json" : NULL,
                  "X-KB-Visit: " VISIT, NULL, &r);
    if (st != want)
        fprintf(stderr, "%s %s -> %ld: %.300s\n", method, path, st, r.body);
    CHECK_INT_EQ(&h, st, want);
    tu_response_free(&r);
}

static void hostile_visit(void)
{
    as_visit("GET",
             "/search?q=zorbly+%3Cscript%3Ealert(40)%3C%2Fscript%3E+%7B%7Bt.x%7D%7D", NULL, 200);
    as_visit("GET", "/search?q=%22%3E%3Cimg+src%3Dx+onerror%3Dalert(41)%3E+nomatchxyz", NULL,
             200);
    as_visit("POST", "/api/events",
             "{\"type\":\"click\",\"query\":\"<script>alert(42)</script>\",\"rank\":1,"
             "\"article\":\"hostile/xss\",\"section\":\"\\\"><img src=x onerror=alert(42)>\"}",
             201);
    as_visit("POST", "/api/events", "{\"type\":\"view\",\"article\":\"hostile/xss\"}", 201);
    as_visit("POST", "/api/feedback",
             "{\"article\":\"hostile/xss\",\"helpful\":false,\"reason\":\"other\","
             "\"section\":\"<script>alert(43)</script>\","
             "\"comment\":\"<script>alert(44)</script>\\\"><img src=x onerror=alert(44)> "
             "{{{body}}} & javascript:alert(44)\"}",
             201);
    as_visit("POST", "/api/events", "{\"type\":\"case_form\"}", 201);
    as_visit("GET", "/api/suggest?q=zorbly+%3Cscript%3E", NULL, 200);
    as_visit("POST", "/api/cases",
             "{\"subject\":\"<script>alert(21)</script>\\\"><img src=x onerror=alert(21)> "
             "{{t.x}} {{{body}}}\",\"description\":\"<script>alert(22)</script> & "
             "javascript:alert(22)\",\"email\":\"javascript:alert('x')\\\"&{{{body}}}"
             "@evil.example\",\"product\":\"<script>alert(23)</script>\",\"locale\":\"en-us\"}",
             201);
}

/* Signs in with JSON; fills session (a Cookie header) and csrf_field
 * (the session's CSRF token as a form field). */
static int sign_in(const char *user)
{
    char body[200];
    snprintf(body, sizeof body, "{\"username\":\"%s\",\"password\":\"correct horse battery\"}",
             user);
    struct tu_response r;
    long st = req("POST", "/login", body, "application/json", NULL, NULL, &r);
    const char *c = r.headers ? strstr(r.headers, "kb_session=") : NULL;
    json_t *j = json_loads(r.body ? r.body : "", 0, NULL);
    const char *csrf = json_string_value(json_object_get(j, "csrf"));
    if (c)
        snprintf(session, sizeof session, "Cookie: %.*s", (int)strcspn(c, ";\r\n"), c);
    snprintf(csrf_field, sizeof csrf_field, "%s", csrf ? csrf : "");
    json_decref(j);
    tu_response_free(&r);
    return st == 200 && c && csrf ? 0 : -1;
}

static char *case_id(void)
{
    struct tu_response r;
    req("GET", "/api/cases", NULL, NULL, session, NULL, &r);
    json_t *j = json_loads(r.body ? r.body : "", 0, NULL);
    const char *id =
        json_string_value(json_object_get(json_array_get(json_object_get(j, "cases"), 0), "id"));
    char *copy = id ? strdup(id) : NULL;
    json_decref(j);
    tu_response_free(&r);
    return copy;
}

/* ---- the pages ---- */

static void customer_pages(void)
{
    check_page("GET", "/", NULL, NULL, NULL, NULL, 200, NULL);
    /* Results, a section hit with its deep link, the query echoed. */
    check_page("GET", "/search?q=zorbly+quuxwise+%22%3E%3Cscript%3Ealert(50)%3C%2Fscript%3E",
               NULL, NULL, NULL, NULL, 200, SHOWN_SCRIPT "1)", SHOWN_SCRIPT "50)",
               "class=\"hit-section\"", ">Zorbly alert(7) &quot;&gt; {{{body}}}</a>",
               "<mark>quuxwise</mark> section text, &lt;", NULL);
    check_page("GET", "/search?q=%3Cscript%3Ealert(51)%3C%2Fscript%3E+%7B%7B%7Bbody%7D%7D%7D",
               NULL, NULL, NULL, NULL, 200, SHOWN_SCRIPT "51)", "{{{body}}}", NULL);
    /* The article: title, description, topic, headings, table of
     * contents, links; template syntax as text. */
    check_page("GET", "/articles/hostile/xss", NULL, NULL, NULL, NULL, 200, SHOWN_SCRIPT "1)",
               SHOWN_SCRIPT "2)", SHOWN_SCRIPT "3)", SHOWN_SCRIPT "9)",
               ">Zorbly alert(7) &quot;&gt; {{{body}}}</a>", "{{t.site.name}}", "{{{body}}}",
               "id=\"feedback\"", NULL);
    check_page("GET", "/articles/hostile/xss?voted=no", NULL, NULL, NULL, NULL, 200,
               SHOWN_SCRIPT "1)", NULL);
    check_page("GET", "/articles/hostile/zorbly-faq", NULL, NULL, NULL, NULL, 200,
               SHOWN_SCRIPT "32)", "Why zorbly alert(34) &quot;&gt;?", NULL);
    /* The case form with errors: every field shown again. */
    check_page("POST", "/contact",
               "csrf=" FORM_CSRF "&subject=%3Cscript%3Ealert(60)%3C%2Fscript%3E+zorbly"
               "&description=%22%3E%3Cimg+src%3Dx+onerror%3Dalert(61)%3E"
               "&email=%22%3E%3Cscript%3Ealert(62)%3C%2Fscript%3E"
               "&product=%22%3E%3Cscript%3Ealert(63)%3C%2Fscript%3E&locale=en-us",
               "application/x-www-form-urlencoded", "Cookie: kb_csrf=" FORM_CSRF, NULL, 400,
               SHOWN_SCRIPT "60)", SHOWN_IMG "61)", "&quot;&gt;" SHOWN_SCRIPT "62)",
               "class=\"field-error\"", NULL);
    check_page("GET", "/contact?subject=%22%3E%3Cscript%3Ealert(64)%3C%2Fscript%3E+zorbly",
               NULL, NULL, NULL, NULL, 200, SHOWN_SCRIPT "64)", NULL);
    /* Sign-in with an error: the username and next come back. */
    check_page("POST", "/login",
               "csrf=" FORM_CSRF "&username=%22%3E%3Cscript%3Ealert(70)%3C%2Fscript%3E"
               "&password=x&next=javascript%3Aalert(71)",
               "application/x-www-form-urlencoded", "Cookie: kb_csrf=" FORM_CSRF, NULL, 401,
               SHOWN_SCRIPT "70)", "class=\"form-error\"", NULL);
    check_page("GET", "/login?next=javascript:alert(72)&expired=1", NULL, NULL, NULL, NULL, 200,
               NULL);
    /* Error pages. */
    check_page("GET", "/articles/%3Cscript%3Ealert(80)%3C%2Fscript%3E", NULL, NULL, NULL, NULL,
               404, NULL);
    check_page("GET", "/articles/hostile/%22%3E%3Cimg%20src=x%20onerror=alert(81)%3E", NULL,
               NULL, NULL, NULL, 404, NULL);
}

static void staff_pages(const char *content)
{
    if (sign_in("agent1") != 0) {
        CHECK(&h, 0);
        return;
    }
    check_page("GET",
               "/agent?q=zorbly+%3Cscript%3Ealert(90)%3C%2Fscript%3E"
               "&case_q=&from=%22%3E%3Cscript%3Ealert(91)%3C%2Fscript%3E&to=",
               NULL, NULL, session, NULL, 200, SHOWN_SCRIPT "1)", SHOWN_SCRIPT "90)",
               SHOWN_SCRIPT "21)", "class=\"form-error\"", NULL);
    char *id = case_id();
    CHECK(&h, id != NULL);
    if (id) {
        char path[128];
        snprintf(path, sizeof path, "/agent/cases/%s", id);
        check_page("GET", path, NULL, NULL, session, NULL, 200, SHOWN_SCRIPT "21)",
                   SHOWN_SCRIPT "22)", SHOWN_SCRIPT "23)", SHOWN_SCRIPT "40)",
                   SHOWN_IMG "42)", SHOWN_SCRIPT "43)", SHOWN_SCRIPT "44)", "{{{body}}}",
                   "href=\"mailto:javascript:alert(&#39;x&#39;)&quot;&amp;{{{body}}}"
                   "@evil.example\"",
                   NULL);
        free(id);
    }
    if (sign_in("author1") != 0) {
        CHECK(&h, 0);
        return;
    }
    check_page("GET", "/author", NULL, NULL, session, NULL, 200, SHOWN_SCRIPT "40)",
               SHOWN_SCRIPT "1)", NULL);
    check_page("GET", "/author?interval=week", NULL, NULL, session, NULL, 200, NULL);
    /* A reindex that fails on a file whose name is markup: the status
     * page lists it. */
    char bad[700];
    snprintf(bad, sizeof bad, "%s/en-us/hostile/\"><img src=x onerror=alert(95)>.md", content);
    tu_write_file(bad, "---\ntitle: [oops\n---\n", 21);
    char form[200];
    snprintf(form, sizeof form, "csrf=%s&full=true", csrf_field);
    struct tu_response r;
    long st = req("POST", "/author/reindex", form, "application/x-www-form-urlencoded",
                  session, NULL, &r);
    CHECK_INT_EQ(&h, st, 303);
    const char *loc = r.headers ? strstr(r.headers, "\nLocation: ") : NULL;
    char path[128] = "";
    if (loc)
        snprintf(path, sizeof path, "%.*s", (int)strcspn(loc + 11, "\r\n"), loc + 11);
    tu_response_free(&r);
    CHECK(&h, path[0] == '/');
    for (int i = 0; path[0] && i < 100; i++) {
        req("GET", path, NULL, NULL, session, NULL, &r);
        int running = r.body && strstr(r.body, "state-running");
        tu_response_free(&r);
        if (!running)
            break;
        tu_sleep(0.2);
    }
    if (path[0])
        check_page("GET", path, NULL, NULL, session, NULL, 200, SHOWN_IMG "95)", NULL);
    remove(bad);
}

int main(void)
{
    char content[512], index[512], db[600], log[600];
    CHECK_INT_EQ(&h, tu_mkdtemp(content, sizeof content, "content"), 0);
    CHECK_INT_EQ(&h, tu_mkdtemp(index, sizeof index, "index"), 0);
    CHECK_INT_EQ(&h, tu_copy_tree(KB_SOURCE_DIR "/tests/data/kb", content), 0);
    char path[700];
    snprintf(path, sizeof path, "%s/en-us/hostile/xss.md", content);
    tu_write_file(path, article_md, sizeof article_md - 1);
    snprintf(path, sizeof path, "%s/en-us/hostile/zorbly-faq.yml", content);
    tu_write_file(path, faq_yml, sizeof faq_yml - 1);
    snprintf(db, sizeof db, "%s.db", index);
    snprintf(log, sizeof log, "%s.log", index);
    char *argv[] = {KB_INDEX_BIN, "--content", content, "--index", index, "--quiet", NULL};
    char *err = NULL;
    CHECK_INT_EQ(&h, tu_run(argv, NULL, &err), 0);
    if (err && *err)
        fprintf(stderr, "kb-index: %s", err);
    free(err);
    char *t1 = tu_make_user(db, "agent1", "agent");
    char *t2 = tu_make_user(db, "author1", "author");
    CHECK(&h, t1 && t2);
    free(t1);
    free(t2);
    /* The server's log goes to a file: it must not complain about a
     * raw slot filled with text. */
    int saved = dup(2), fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(fd, 2);
    char *extra[] = {"--db", db, "--content", content, NULL};
    int started = tu_server_start(&srv, index, extra);
    dup2(saved, 2);
    close(saved);
    close(fd);
    if (started != 0) {
        CHECK(&h, 0);
        TEST_MAIN_END(&h);
    }
    hostile_visit();
    tu_sleep(0.5); /* acknowledged events are in; let the reader see them */
    customer_pages();
    staff_pages(content);
    CHECK_INT_EQ(&h, tu_server_stop(&srv), 0);
    FILE *f = fopen(log, "r");
    char line[1024];
    while (f && fgets(line, sizeof line, f)) {
        int raw_text = strstr(line, "takes HTML") || strstr(line, "html builder:");
        if (raw_text)
            fprintf(stderr, "server log: %s", line);
        CHECK(&h, !raw_text);
    }
    if (f)
        fclose(f);
    remove(log);
    tu_rmrf(content);
    tu_rmrf(index);
    remove(db);
    TEST_MAIN_END(&h);
}
