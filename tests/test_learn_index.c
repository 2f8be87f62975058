/* test_learn_index.c -- kb-index --learn on a real index: questions that
 * enough visits confirmed an article answered find that article (and
 * section); too few visits, a removed question or a gone article apply
 * nothing; runs without --learn keep what was learned, even for an
 * article whose file changed; a learned question never outweighs an
 * article whose own text matches strongly. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "eventlog.h"
#include "harness.h"
#include "kb.h"
#include "learn.h"
#include "testutil.h"

static struct harness h;

/* n visits: search q, click article#section, "this solved my problem";
 * long ago, so every window has closed. */
static void solved(struct eventlog *el, const char *tag, int n, const char *q,
                   const char *article, const char *section)
{
    for (int i = 0; i < n; i++) {
        char visit[64];
        double t = 1767225600.0 + 100.0 * i;
        snprintf(visit, sizeof visit, "%s-%d", tag, i);
        struct eventlog_event e[3];
        memset(e, 0, sizeof e);
        for (int k = 0; k < 3; k++) {
            e[k].visit = visit;
            e[k].ts = t + k;
            e[k].results = -1;
            e[k].latency_us = -1;
            e[k].helpful = -1;
            e[k].locale = "en-us";
        }
        e[0].kind = EVENTLOG_KIND_SEARCH;
        e[0].query = q;
        e[0].results = 2;
        e[1].kind = EVENTLOG_KIND_CLICK;
        e[1].query = q;
        e[1].article = article;
        e[1].section = section;
        e[1].rank = 1;
        e[2].kind = EVENTLOG_KIND_DEFLECT;
        e[2].article = article;
        e[2].source = "article";
        CHECK_INT_EQ(&h, eventlog_record_many(el, e, 3), STORE_OK);
    }
}

/* kb-index --json [--learn db]; the summary's "learned". */
static long run_index(const char *content, const char *index, const char *db)
{
    char *argv[] = {KB_INDEX_BIN, "--content", (char *)content, "--index", (char *)index,
                    "--json", db ? "--learn" : NULL, (char *)db, NULL};
    char *out = NULL, *err = NULL;
    int st = tu_run(argv, &out, &err);
    if (st != 0)
        fprintf(stderr, "kb-index exited %d: %s\n", st, err ? err : "");
    CHECK_INT_EQ(&h, st, 0);
    json_t *j = out ? json_loads(out, 0, NULL) : NULL;
    CHECK(&h, json_is_integer(json_object_get(j, "learned")));
    long n = (long)json_integer_value(json_object_get(j, "learned"));
    json_decref(j);
    free(out);
    free(err);
    return n;
}

/* The top hit's "id#anchor" for q, or "" when none. */
static void top(const char *index, const char *q, char *buf, size_t len)
{
    kb_index *ix = NULL;
    kb_results *r = NULL;
    buf[0] = '\0';
    CHECK_INT_EQ(&h, kb_open(index, KB_OPEN_READ, &ix), KB_OK);
    kb_query qy = {.text = q, .locale = "en-us", .default_locale = "en-us", .limit = 10};
    if (kb_search(ix, &qy, &r) == KB_OK && kb_results_count(r) > 0) {
        const kb_hit *hit = kb_results_get(r, 0);
        snprintf(buf, len, "%s#%s", hit->id, hit->anchor);
    }
    kb_results_free(r);
    kb_close(ix);
}

int main(void)
{
    char content[512], index[512], dbdir[512], db[600], path[700], got[300];
    CHECK_INT_EQ(&h, tu_mkdtemp(content, sizeof content, "content"), 0);
    CHECK_INT_EQ(&h, tu_mkdtemp(index, sizeof index, "index"), 0);
    CHECK_INT_EQ(&h, tu_mkdtemp(dbdir, sizeof dbdir, "db"), 0);
    CHECK_INT_EQ(&h, tu_copy_tree(KB_SOURCE_DIR "/tests/data/kb", content), 0);
    snprintf(db, sizeof db, "%s/kb.db", dbdir);

    /* Before anything is learned the made-up word finds nothing. */
    CHECK_INT_EQ(&h, run_index(content, index, NULL), 0);
    top(index, "frobnicated surcharge", got, sizeof got);
    CHECK_STR_EQ(&h, got, "");

    struct eventlog *el = NULL;
    CHECK_INT_EQ(&h, eventlog_open(db, &el), STORE_OK);
    solved(el, "a", 3, "frobnicated surcharge", "billing/invoices", "late-fees");
    /* Two visits are not enough (--learn-min-visits 3). */
    solved(el, "b", 2, "quuxly widget", "billing/invoices", "");
    /* Three visits that "solved" the password question with the
     * invoice: the learned field lifts, it does not outweigh. */
    solved(el, "c", 3, "reset forgotten password", "billing/invoices", "");
    /* A pair whose article is not in the index is dropped. */
    solved(el, "d", 3, "gone article", "billing/no-such-article", "");
    eventlog_close(el);

    CHECK_INT_EQ(&h, run_index(content, index, db), 2);
    top(index, "frobnicated surcharge", got, sizeof got);
    CHECK_STR_EQ(&h, got, "billing/invoices#late-fees");
    top(index, "quuxly widget", got, sizeof got);
    CHECK_STR_EQ(&h, got, "");
    top(index, "reset forgotten password", got, sizeof got);
    CHECK(&h, strncmp(got, "sign-in/reset#", 14) == 0);

    /* A run without --learn, content unchanged: still learned. */
    CHECK_INT_EQ(&h, run_index(content, index, NULL), 2);
    top(index, "frobnicated surcharge", got, sizeof got);
    CHECK_STR_EQ(&h, got, "billing/invoices#late-fees");
    /* The article's file changed: its learned words come back with it. */
    snprintf(path, sizeof path, "%s/en-us/billing/invoices.md", content);
    FILE *f = fopen(path, "a");
    CHECK(&h, f != NULL);
    if (f) {
        fputs("\nOne more line.\n", f);
        fclose(f);
    }
    CHECK_INT_EQ(&h, run_index(content, index, NULL), 2);
    top(index, "frobnicated surcharge", got, sizeof got);
    CHECK_STR_EQ(&h, got, "billing/invoices#late-fees");

    /* An author removes the question: gone, and it stays gone. */
    struct learnstore *ls = NULL;
    CHECK_INT_EQ(&h, learn_open(db, &ls), STORE_OK);
    CHECK_INT_EQ(&h, learn_remove(ls, "en-us", "billing/invoices", "Frobnicated Surcharge",
                                  1767225600.0 + 86400),
                 STORE_OK);
    learn_close(ls);
    CHECK_INT_EQ(&h, run_index(content, index, db), 1);
    top(index, "frobnicated surcharge", got, sizeof got);
    CHECK_STR_EQ(&h, got, "");
    CHECK_INT_EQ(&h, run_index(content, index, db), 1);

    /* A database that does not exist is an error, not a new file. */
    char missing[700];
    snprintf(missing, sizeof missing, "%s/none.db", dbdir);
    char *argv[] = {KB_INDEX_BIN, "--content", content, "--index", index, "--quiet",
                    "--learn", missing, NULL};
    char *out = NULL, *err = NULL;
    CHECK(&h, tu_run(argv, &out, &err) != 0);
    CHECK_CONTAINS(&h, err, "no such database");
    free(out);
    free(err);

    tu_rmrf(content);
    tu_rmrf(index);
    tu_rmrf(dbdir);
    TEST_MAIN_END(&h);
}
