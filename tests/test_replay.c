/* test_replay.c -- the replay gate through a real kb-serve: visits
 * search "late fee", click the invoice article and say it solved their
 * problem, all over the HTTP API; then the article is edited so that it
 * no longer matches.  kb-index --replay DB --gate refuses that run
 * (exit 4, the query named, the live index unchanged), passes an
 * unrelated edit and commits it; POST /api/admin/reindex {"gate":true}
 * does the same, its status carrying the replay report.  With a DSN as
 * its argument (ctest test_replay_pg, through tests/pg_run.sh) the
 * service database is PostgreSQL, as kb-serve's --db and kb-index's
 * --replay both take it. */
#include "harness.h"
#include "testutil.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static struct harness h = {0, 0};
static struct tu_server srv;
static char author[160];

static long req(const char *method, const char *path, const char *json, const char *hdr,
                struct tu_response *r)
{
    const char *hdrs[] = {hdr, NULL};
    if (tu_http_h(&srv, method, path, json, json ? "application/json" : NULL, hdr ? hdrs : NULL,
                  r) != 0)
        return -1;
    return r->status;
}

/* The rank (1-based) of article among an anonymous search's hits, 0
 * when it is not there. */
static long rank_of(const char *q, const char *article)
{
    struct tu_response r;
    char path[256], enc[128];
    long rank = 0;
    tu_urlencode(q, enc, sizeof enc);
    snprintf(path, sizeof path, "/api/search?q=%s&locale=en-us", enc);
    if (req("GET", path, NULL, NULL, &r) != 200) {
        tu_response_free(&r);
        return -1;
    }
    json_t *j = json_loads(r.body, 0, NULL), *hit;
    size_t i;
    json_array_foreach(json_object_get(j, "hits"), i, hit)
    {
        if (!rank && strcmp(json_string_value(json_object_get(hit, "id")), article) == 0)
            rank = (long)i + 1;
    }
    json_decref(j);
    tu_response_free(&r);
    return rank;
}

/* One visit: search q, click article, "this solved my problem". */
static void solved(const char *visit, const char *q, const char *article)
{
    struct tu_response r;
    char hdr[96], path[256], enc[128], body[512];
    snprintf(hdr, sizeof hdr, "X-KB-Visit: %s", visit);
    tu_urlencode(q, enc, sizeof enc);
    snprintf(path, sizeof path, "/api/search?q=%s&locale=en-us", enc);
    CHECK_INT_EQ(&h, req("GET", path, NULL, hdr, &r), 200);
    tu_response_free(&r);
    snprintf(body, sizeof body,
             "{\"type\":\"click\",\"query\":\"%s\",\"article\":\"%s\",\"rank\":1,"
             "\"locale\":\"en-us\"}", q, article);
    CHECK_INT_EQ(&h, req("POST", "/api/events", body, hdr, &r), 201);
    tu_response_free(&r);
    snprintf(body, sizeof body,
             "{\"type\":\"deflect\",\"article\":\"%s\",\"locale\":\"en-us\","
             "\"source\":\"article\"}", article);
    CHECK_INT_EQ(&h, req("POST", "/api/events", body, hdr, &r), 201);
    tu_response_free(&r);
}

/* kb-index --replay db [--gate] --json; returns the exit status, the
 * summary in *sum and stderr in *err (caller frees both). */
static int run_replay(const char *content, const char *index, const char *db, int gate,
                      json_t **sum, char **err)
{
    char *argv[] = {KB_INDEX_BIN, "--content", (char *)content, "--index", (char *)index,
                    "--json", "--replay", (char *)db, "--deflection-window", "1",
                    gate ? "--gate" : NULL, NULL};
    char *out = NULL;
    int code = tu_run(argv, &out, err);
    *sum = json_loads(out ? out : "", 0, NULL);
    free(out);
    return code;
}

static long long replay_count(json_t *sum, const char *key)
{
    return json_integer_value(json_object_get(json_object_get(sum, "replay"), key));
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf = calloc(1, 65536);
    if (f && buf)
        fread(buf, 1, 65535, f);
    if (f)
        fclose(f);
    return buf;
}

/* The invoice article without "late fee": a surcharge instead. */
static void break_invoice(const char *path, const char *orig)
{
    char *s = malloc(strlen(orig) * 2 + 1), *o = s;
    for (const char *p = orig; *p;) {
        if (strncasecmp(p, "late fee", 8) == 0) {
            memcpy(o, "surcharge", 9);
            o += 9;
            p += 8;
        } else {
            *o++ = *p++;
        }
    }
    *o = '\0';
    tu_write_file(path, s, strlen(s));
    free(s);
}

/* POST /api/admin/reindex body, then polls the job until it ends. */
static json_t *reindex(const char *body)
{
    struct tu_response r;
    CHECK_INT_EQ(&h, req("POST", "/api/admin/reindex", body, author, &r), 202);
    json_t *j = json_loads(r.body ? r.body : "", 0, NULL);
    tu_response_free(&r);
    json_t *s = tu_reindex_wait(&srv, author, json_string_value(json_object_get(j, "id")), 120);
    json_decref(j);
    return s;
}

int main(int argc, char **argv)
{
    char content[512], index[512], db[600], inv[1024], reset[1024];
    CHECK_INT_EQ(&h, tu_mkdtemp(content, sizeof content, "rp-content"), 0);
    CHECK_INT_EQ(&h, tu_mkdtemp(index, sizeof index, "rp-index"), 0);
    CHECK_INT_EQ(&h, tu_copy_tree(KB_SOURCE_DIR "/tests/data/kb", content), 0);
    snprintf(db, sizeof db, "%s", argc > 1 ? argv[1] : "");
    if (argc < 2)
        snprintf(db, sizeof db, "%s.db", index);
    snprintf(inv, sizeof inv, "%s/en-us/billing/invoices.md", content);
    snprintf(reset, sizeof reset, "%s/en-us/sign-in/reset.md", content);
    char *invoice = slurp(inv), *reset_md = slurp(reset);
    char *ix_argv[] = {KB_INDEX_BIN, "--content", content, "--index", index, "--quiet", NULL};
    CHECK_INT_EQ(&h, tu_run(ix_argv, NULL, NULL), 0);
    char *tok = tu_make_user(db, "author1", "author");
    snprintf(author, sizeof author, "Authorization: Bearer %s", tok ? tok : "");
    free(tok);
    char *extra[] = {"--db", db, "--content", content, "--indexer", KB_INDEX_BIN,
                     "--deflection-window", "1", NULL};
    if (tu_server_start(&srv, index, extra) != 0) {
        CHECK(&h, 0);
        TEST_MAIN_END(&h);
    }

    /* Three visits solve "late fee" with the invoice; two more only
     * search something else.  The one-second windows then close. */
    solved("replay-visit-0001-aaaa", "late fee", "billing/invoices");
    solved("replay-visit-0002-bbbb", "late fee", "billing/invoices");
    solved("replay-visit-0003-cccc", "Late  Fee", "billing/invoices");
    CHECK_INT_EQ(&h, rank_of("password", "sign-in/reset") > 0, 1);
    tu_sleep(1.5);
    long live_rank = rank_of("late fee", "billing/invoices");
    CHECK(&h, live_rank >= 1 && live_rank <= 3);

    /* Nothing changed: one query replayed, nothing worse. */
    json_t *sum = NULL;
    char *err = NULL;
    CHECK_INT_EQ(&h, run_replay(content, index, db, 1, &sum, &err), 0);
    CHECK_INT_EQ(&h, replay_count(sum, "queries"), 1);
    CHECK_INT_EQ(&h, replay_count(sum, "worse"), 0);
    CHECK(&h, err && !strstr(err, "replay: "));
    json_decref(sum);
    free(err);

    /* The article no longer says "late fee": refused, the query named,
     * the live index as it was. */
    break_invoice(inv, invoice);
    CHECK_INT_EQ(&h, run_replay(content, index, db, 1, &sum, &err), 4);
    char want[160];
    snprintf(want, sizeof want,
             "replay: \"late fee\" \xe2\x80\x94 article billing/invoices rank %ld \xe2\x86\x92 ",
             live_rank);
    CHECK_CONTAINS(&h, err, want);
    CHECK_CONTAINS(&h, err, "--gate: nothing committed");
    CHECK_INT_EQ(&h, replay_count(sum, "queries"), 1);
    CHECK_INT_EQ(&h, replay_count(sum, "worse"), 1);
    CHECK_INT_EQ(&h, json_integer_value(json_object_get(sum, "indexed")), 0);
    json_decref(sum);
    free(err);
    CHECK_INT_EQ(&h, rank_of("late fee", "billing/invoices"), live_rank);
    CHECK_INT_EQ(&h, rank_of("surcharge", "billing/invoices"), 0);

    /* Without --gate the same run reports and commits. */
    CHECK_INT_EQ(&h, run_replay(content, index, db, 0, &sum, &err), 0);
    CHECK_CONTAINS(&h, err, want);
    CHECK_INT_EQ(&h, replay_count(sum, "worse"), 1);
    json_decref(sum);
    free(err);
    CHECK_INT_EQ(&h, rank_of("late fee", "billing/invoices"), 0);

    /* Back again: better; then an unrelated edit passes the gate. */
    tu_write_file(inv, invoice, strlen(invoice));
    CHECK_INT_EQ(&h, run_replay(content, index, db, 1, &sum, &err), 0);
    CHECK_INT_EQ(&h, replay_count(sum, "better"), 1);
    CHECK_CONTAINS(&h, err, "(better)");
    json_decref(sum);
    free(err);
    size_t esize = strlen(reset_md) + 64;
    char *edited = malloc(esize);
    snprintf(edited, esize, "%s\nWombat recovery codes also work.\n", reset_md);
    tu_write_file(reset, edited, strlen(edited));
    CHECK_INT_EQ(&h, run_replay(content, index, db, 1, &sum, &err), 0);
    CHECK_INT_EQ(&h, replay_count(sum, "worse"), 0);
    CHECK_INT_EQ(&h, json_integer_value(json_object_get(sum, "indexed")), 1);
    json_decref(sum);
    free(err);
    CHECK_INT_EQ(&h, rank_of("wombat", "sign-in/reset"), 1);

    /* Bad uses. */
    char *bad1[] = {KB_INDEX_BIN, "--content", content, "--index", index, "--gate", NULL};
    CHECK_INT_EQ(&h, tu_run(bad1, NULL, NULL), 2);
    char *bad2[] = {KB_INDEX_BIN, "--content", content, "--index", index, "--replay", db,
                    "--replay-top", "0", NULL};
    CHECK_INT_EQ(&h, tu_run(bad2, NULL, NULL), 2);
    char nodb[700];
    snprintf(nodb, sizeof nodb, "%s/none.db", content);
    char *bad3[] = {KB_INDEX_BIN, "--content", content, "--index", index, "--replay", nodb,
                    NULL};
    CHECK_INT_EQ(&h, tu_run(bad3, NULL, &err), 3);
    CHECK_CONTAINS(&h, err, "no such database");
    free(err);
    CHECK_INT_EQ(&h, access(nodb, F_OK), -1);

    /* The service: a gated reindex refuses the broken article ... */
    break_invoice(inv, invoice);
    json_t *s = reindex("{\"gate\":true}");
    CHECK_STR_EQ(&h, json_string_value(json_object_get(s, "state")), "failed");
    CHECK_INT_EQ(&h, json_integer_value(json_object_get(s, "exit_status")), 4);
    CHECK(&h, json_is_true(json_object_get(s, "gate")));
    json_t *rp = json_object_get(s, "replay");
    CHECK_INT_EQ(&h, json_integer_value(json_object_get(rp, "queries")), 1);
    CHECK_INT_EQ(&h, json_integer_value(json_object_get(rp, "worse")), 1);
    json_t *c = json_array_get(json_object_get(rp, "changes"), 0);
    CHECK_STR_EQ(&h, json_string_value(json_object_get(c, "query")), "late fee");
    CHECK_STR_EQ(&h, json_string_value(json_object_get(c, "article")), "billing/invoices");
    CHECK_INT_EQ(&h, json_integer_value(json_object_get(c, "before")), live_rank);
    CHECK(&h, json_is_true(json_object_get(c, "worse")));
    CHECK_CONTAINS(&h, json_string_value(json_object_get(s, "message")), "--gate");
    json_decref(s);
    CHECK_INT_EQ(&h, rank_of("late fee", "billing/invoices"), live_rank);
    /* ... and an ungated one commits it. */
    s = reindex("{}");
    CHECK_STR_EQ(&h, json_string_value(json_object_get(s, "state")), "done");
    CHECK(&h, json_object_get(s, "replay") == NULL);
    json_decref(s);
    CHECK_INT_EQ(&h, rank_of("late fee", "billing/invoices"), 0);
    /* An unrelated edit passes a gated reindex. */
    tu_write_file(inv, invoice, strlen(invoice));
    s = reindex("{}");
    json_decref(s);
    tu_write_file(reset, reset_md, strlen(reset_md));
    s = reindex("{\"gate\":true}");
    CHECK_STR_EQ(&h, json_string_value(json_object_get(s, "state")), "done");
    CHECK_INT_EQ(&h, json_integer_value(json_object_get(json_object_get(s, "replay"), "worse")),
                 0);
    CHECK_INT_EQ(&h,
                 json_integer_value(json_object_get(json_object_get(s, "replay"), "queries")),
                 1);
    json_decref(s);
    CHECK_INT_EQ(&h, rank_of("wombat", "sign-in/reset"), 0);

    CHECK_INT_EQ(&h, tu_server_stop(&srv), 0);
    free(invoice);
    free(reset_md);
    free(edited);
    tu_rmrf(content);
    tu_rmrf(index);
    if (argc < 2)
        unlink(db);
    TEST_MAIN_END(&h);
}
