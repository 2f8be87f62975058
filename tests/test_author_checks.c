/* test_author_checks.c -- through a real kb-serve: GET /api/reports/ubi
 * (authors only; the searches and clicks logged over HTTP come out as
 * UBI records whose ids join), and a reindex job's status listing the
 * questions articles must answer that missed (query_misses). */
#include "harness.h"
#include "testutil.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct harness h = {0, 0};
static struct tu_server srv;

static long req(const char *method, const char *path, const char *json, const char *hdr1,
                const char *hdr2, struct tu_response *r)
{
    const char *hdrs[] = {hdr1, hdr2, NULL};
    if (!hdr1)
        hdrs[0] = hdr2, hdrs[1] = NULL;
    if (tu_http_h(&srv, method, path, json, json ? "application/json" : NULL, hdrs, r) != 0)
        return -1;
    return r->status;
}

static const char refunds[] =
    "---\n"
    "title: Refunds\n"
    "queries:\n"
    "  - \"How do I get a refund?\"\n"
    "  - zebra giraffe\n"
    "---\n"
    "# Refunds\n\nAsk for a refund within 30 days of the charge.\n";

int main(void)
{
    char content[512], index[512], db[600], path[1024];
    CHECK_INT_EQ(&h, tu_mkdtemp(content, sizeof content, "ac-content"), 0);
    CHECK_INT_EQ(&h, tu_mkdtemp(index, sizeof index, "ac-index"), 0);
    CHECK_INT_EQ(&h, tu_copy_tree(KB_SOURCE_DIR "/tests/data/kb", content), 0);
    snprintf(path, sizeof path, "%s/en-us/refunds.md", content);
    tu_write_file(path, refunds, strlen(refunds));
    snprintf(db, sizeof db, "%s.db", index);
    char *argv[] = {KB_INDEX_BIN, "--content", content, "--index", index, "--quiet", NULL};
    CHECK_INT_EQ(&h, tu_run(argv, NULL, NULL), 0);
    char author[160], agent[160];
    char *tok = tu_make_user(db, "author1", "author");
    snprintf(author, sizeof author, "Authorization: Bearer %s", tok ? tok : "");
    free(tok);
    tok = tu_make_user(db, "agent1", "agent");
    snprintf(agent, sizeof agent, "Authorization: Bearer %s", tok ? tok : "");
    free(tok);
    char *extra[] = {"--db", db, "--content", content, "--indexer", KB_INDEX_BIN, NULL};
    if (tu_server_start(&srv, index, extra) != 0) {
        CHECK(&h, 0);
        TEST_MAIN_END(&h);
    }

    /* A visit searches and clicks. */
    struct tu_response r;
    const char *visit = "X-KB-Visit: ubi-visit-0001-abcdef";
    CHECK_INT_EQ(&h, req("GET", "/api/search?q=refund", NULL, visit, NULL, &r), 200);
    tu_response_free(&r);
    CHECK_INT_EQ(&h, req("POST", "/api/events",
                         "{\"type\":\"click\",\"query\":\"refund\",\"article\":\"refunds\","
                         "\"rank\":1,\"locale\":\"en-us\"}",
                         visit, NULL, &r),
                 201);
    tu_response_free(&r);

    /* Authors only. */
    CHECK_INT_EQ(&h, req("GET", "/api/reports/ubi", NULL, NULL, NULL, &r), 401);
    tu_response_free(&r);
    CHECK_INT_EQ(&h, req("GET", "/api/reports/ubi", NULL, agent, NULL, &r), 403);
    tu_response_free(&r);
    CHECK_INT_EQ(&h, req("GET", "/api/reports/ubi?from=2020-13-01", NULL, author, NULL, &r),
                 400);
    tu_response_free(&r);
    CHECK_INT_EQ(&h, req("GET", "/api/reports/ubi", NULL, author, NULL, &r), 200);
    CHECK_CONTAINS(&h, r.headers, "application/x-ndjson");
    const char *qid = NULL;
    json_t *query = NULL, *click = NULL;
    for (char *line = r.body, *nl; line && *line; line = nl + 1) {
        nl = strchr(line, '\n');
        if (!nl)
            break;
        *nl = '\0';
        json_t *j = json_loads(line, 0, NULL);
        CHECK(&h, j != NULL);
        json_t *q = json_object_get(j, "ubi_queries"), *e = json_object_get(j, "ubi_events");
        if (q && !query &&
            strcmp(json_string_value(json_object_get(q, "user_query")), "refund") == 0)
            query = json_incref(q);
        if (e && !click &&
            strcmp(json_string_value(json_object_get(e, "action_name")), "click") == 0)
            click = json_incref(e);
        json_decref(j);
    }
    tu_response_free(&r);
    CHECK(&h, query != NULL && click != NULL);
    qid = json_string_value(json_object_get(query, "query_id"));
    CHECK_STR_EQ(&h, json_string_value(json_object_get(click, "query_id")), qid);
    CHECK_STR_EQ(&h, json_string_value(json_object_get(query, "client_id")), "ubi-visit-0001-abcdef");
    /* The search logged the ids of the hits it returned. */
    json_t *hits = json_object_get(query, "query_response_hit_ids");
    CHECK(&h, json_array_size(hits) >= 1);
    CHECK_STR_EQ(&h, json_string_value(json_array_get(hits, 0)), "refunds");
    CHECK_STR_EQ(&h,
                 json_string_value(json_object_get(
                     json_object_get(json_object_get(click, "event_attributes"), "object"),
                     "object_id")),
                 "refunds");
    json_decref(query);
    json_decref(click);

    /* A reindex lists the question that missed. */
    CHECK_INT_EQ(&h, req("POST", "/api/admin/reindex", "{\"full\":true}", author, NULL, &r),
                 202);
    json_t *j = json_loads(r.body ? r.body : "", 0, NULL);
    tu_response_free(&r);
    json_t *s = tu_reindex_wait(&srv, author, json_string_value(json_object_get(j, "id")), 120);
    json_decref(j);
    CHECK_STR_EQ(&h, json_string_value(json_object_get(s, "state")), "done");
    json_t *misses = json_object_get(s, "query_misses");
    CHECK_INT_EQ(&h, json_array_size(misses), 1);
    json_t *m = json_array_get(misses, 0);
    CHECK_STR_EQ(&h, json_string_value(json_object_get(m, "file")), "en-us/refunds.md");
    CHECK_INT_EQ(&h, json_integer_value(json_object_get(m, "line")), 5);
    CHECK_CONTAINS(&h, json_string_value(json_object_get(m, "message")),
                   "\"zebra giraffe\" ranks none (must be in the top 3)");
    CHECK_INT_EQ(&h,
                 json_integer_value(json_object_get(
                     json_object_get(json_object_get(s, "summary"), "queries"), "missed")),
                 1);
    json_decref(s);

    /* The dashboard's misses and the content report are computed once
     * per index revision (revcache.h): a second load reuses them, and a
     * reindex that fixes the question and breaks a link shows both. */
    CHECK_INT_EQ(&h, req("GET", "/author", NULL, author, NULL, &r), 200);
    CHECK_CONTAINS(&h, r.body, "zebra giraffe");
    tu_response_free(&r);
    CHECK_INT_EQ(&h, req("GET", "/author", NULL, author, NULL, &r), 200);
    CHECK_CONTAINS(&h, r.body, "zebra giraffe");
    tu_response_free(&r);
    CHECK_INT_EQ(&h, req("GET", "/api/admin/broken-links", NULL, author, NULL, &r), 200);
    CHECK_NOT_CONTAINS(&h, r.body, "no-such-page.md");
    tu_response_free(&r);
    static const char fixed[] = "---\n"
                                "title: Refunds\n"
                                "queries:\n"
                                "  - \"How do I get a refund?\"\n"
                                "---\n"
                                "# Refunds\n\nAsk for a refund within 30 days of the charge.\n"
                                "See [the old page](no-such-page.md).\n";
    tu_write_file(path, fixed, strlen(fixed));
    CHECK_INT_EQ(&h, tu_run(argv, NULL, NULL), 0);
    CHECK_INT_EQ(&h, req("GET", "/author", NULL, author, NULL, &r), 200);
    CHECK_NOT_CONTAINS(&h, r.body, "zebra giraffe");
    tu_response_free(&r);
    CHECK_INT_EQ(&h, req("GET", "/api/admin/broken-links", NULL, author, NULL, &r), 200);
    CHECK_CONTAINS(&h, r.body, "no-such-page.md");
    tu_response_free(&r);

    CHECK_INT_EQ(&h, tu_server_stop(&srv), 0);
    tu_rmrf(content);
    tu_rmrf(index);
    unlink(db);
    TEST_MAIN_END(&h);
}
