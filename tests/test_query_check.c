/* test_query_check.c -- the questions an article must answer, as kb-index
 * checks them after each run: front matter queries: and queries_top:,
 * FAQ questions, warnings with path:line and the articles ranked above,
 * --strict-queries with --strict committing nothing, the JSON summary's
 * "queries", and the sample content passing. */
#include "harness.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *run_index(struct harness *h, const char *content, const char *index,
                         const char *extra1, const char *extra2, int want_status,
                         char **err_out)
{
    char *argv[12];
    int n = 0;
    argv[n++] = KB_INDEX_BIN;
    argv[n++] = "--content";
    argv[n++] = (char *)content;
    argv[n++] = "--index";
    argv[n++] = (char *)index;
    argv[n++] = "--json";
    if (extra1)
        argv[n++] = (char *)extra1;
    if (extra2)
        argv[n++] = (char *)extra2;
    argv[n] = NULL;
    char *out = NULL, *err = NULL;
    int st = tu_run(argv, &out, &err);
    CHECK_INT_EQ(h, st, want_status);
    json_t *j = json_loads(out ? out : "", 0, NULL);
    if (!j || st != want_status)
        fprintf(stderr, "kb-index stdout: %s\nstderr: %s\n", out, err);
    CHECK(h, j != NULL);
    free(out);
    if (err_out)
        *err_out = err;
    else
        free(err);
    return j;
}

static long qint(json_t *summary, const char *k)
{
    return (long)json_integer_value(json_object_get(json_object_get(summary, "queries"), k));
}

static long jint(json_t *o, const char *k)
{
    return (long)json_integer_value(json_object_get(o, k));
}

static void write_text(const char *dir, const char *rel, const char *text)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    tu_write_file(path, text, strlen(text));
}

static const char refunds[] =
    "---\n"
    "title: Refunds\n"
    "queries_top: 1\n"
    "queries:\n"
    "  - \"How do I get a refund?\"\n"
    "  - \"refund for the invoice address\"\n"
    "  - zebra giraffe\n"
    "---\n"
    "# Refunds\n\nAsk for a refund within 30 days of the charge.\n";

static const char refunds_fixed[] =
    "---\n"
    "title: Refunds\n"
    "queries:\n"
    "  - \"How do I get a refund?\"\n"
    "  - zebra giraffe\n"
    "---\n"
    "# Refunds\n\nAsk for a refund within 30 days of the charge.\n";

static const char address[] =
    "---\n"
    "title: Change the invoice address\n"
    "---\n"
    "Change the address printed on your invoice under Billing settings. "
    "A refund for an invoice keeps its old address.\n";

static const char faq[] =
    "### YamlMime:FAQ\n"
    "metadata:\n"
    "  title: Card FAQ\n"
    "title: Card questions\n"
    "sections:\n"
    "  - name: Cards\n"
    "    questions:\n"
    "      - question: Which cards do you accept?\n"
    "        answer: Visa and Mastercard credit cards are accepted.\n"
    "      - question: Can I pay with a llama?\n"
    "        answer: No.\n";

static void test_misses(struct harness *h)
{
    char content[512], index[512];
    CHECK_INT_EQ(h, tu_mkdtemp(content, sizeof content, "qc-content"), 0);
    CHECK_INT_EQ(h, tu_mkdtemp(index, sizeof index, "qc-index"), 0);
    char dir[600];
    snprintf(dir, sizeof dir, "%s/en-us", content);
    CHECK_INT_EQ(h, tu_copy_tree(KB_TEST_DATA "/kb", content), 0);
    write_text(content, "en-us/refunds.md", refunds);
    write_text(content, "en-us/invoice-address.md", address);
    write_text(content, "en-us/cards.yml", faq);

    /* Misses are warnings; the run commits. */
    char *err = NULL;
    json_t *j = run_index(h, content, index, NULL, NULL, 0, &err);
    CHECK_INT_EQ(h, jint(j, "errors"), 0);
    /* tests/data/kb's FAQ has 2 questions, refunds 3, cards 2. */
    CHECK_INT_EQ(h, qint(j, "checked"), 7);
    CHECK_INT_EQ(h, qint(j, "missed"), 2);
    CHECK_CONTAINS(h, err, "en-us/refunds.md:6: warning: \"refund for the invoice address\" "
                           "ranks 2 (must be in the top 1); ranked above it: invoice-address");
    CHECK_CONTAINS(h, err, "en-us/refunds.md:7: warning: \"zebra giraffe\" ranks none "
                           "(must be in the top 1); no article answers it");
    CHECK_NOT_CONTAINS(h, err, "How do I get a refund");
    CHECK_NOT_CONTAINS(h, err, "Which cards");
    CHECK_INT_EQ(h, jint(j, "articles"), 11);
    json_decref(j);
    free(err);

    /* Checked again on a run that changed nothing: other articles can
     * move a question down. */
    j = run_index(h, content, index, NULL, NULL, 0, NULL);
    CHECK_INT_EQ(h, jint(j, "unchanged"), 11);
    CHECK_INT_EQ(h, qint(j, "missed"), 2);
    json_decref(j);

    /* --strict-queries makes them errors; with --strict nothing is
     * committed: the fixed article stays as it was. */
    write_text(content, "en-us/refunds.md", refunds_fixed);
    write_text(content, "en-us/other.md", "# Other\n\nAnything else.\n");
    j = run_index(h, content, index, "--strict", "--strict-queries", 1, &err);
    CHECK_INT_EQ(h, qint(j, "missed"), 1);
    /* The default top is 3 once queries_top is gone. */
    CHECK_CONTAINS(h, err, "en-us/refunds.md:5: error: \"zebra giraffe\" ranks none "
                           "(must be in the top 3)");
    CHECK_CONTAINS(h, err, "nothing committed");
    CHECK_INT_EQ(h, jint(j, "articles"), 11);
    json_decref(j);
    free(err);

    /* Without --strict the rest is committed and the status is 1. */
    j = run_index(h, content, index, "--strict-queries", NULL, 1, NULL);
    CHECK_INT_EQ(h, jint(j, "articles"), 12);
    CHECK_INT_EQ(h, qint(j, "missed"), 1);
    json_decref(j);

    /* Answered: nothing missed, status 0 even with --strict-queries. */
    write_text(content, "en-us/refunds.md",
               "---\ntitle: Refunds\nqueries: How do I get a refund?\n---\n"
               "Ask for a refund within 30 days of the charge.\n");
    j = run_index(h, content, index, "--strict", "--strict-queries", 0, NULL);
    CHECK_INT_EQ(h, qint(j, "missed"), 0);
    CHECK_INT_EQ(h, qint(j, "checked"), 5);
    json_decref(j);

    /* A bad queries_top is an error at its line. */
    write_text(content, "en-us/bad.md", "---\ntitle: Bad\nqueries_top: lots\n---\nText.\n");
    j = run_index(h, content, index, NULL, NULL, 1, &err);
    CHECK_CONTAINS(h, err, "en-us/bad.md:3: error: queries_top: 'lots' is not a number");
    json_decref(j);
    free(err);
    tu_rmrf(content);
    tu_rmrf(index);
}

/* The sample content: every English how-to lists at least two questions,
 * and all of them (and the FAQs') are answered. */
static void test_sample(struct harness *h)
{
    char index[512];
    CHECK_INT_EQ(h, tu_mkdtemp(index, sizeof index, "qc-sample"), 0);
    char *err = NULL;
    json_t *j = run_index(h, KB_SOURCE_DIR "/content", index, "--strict-queries", NULL, 0,
                          &err);
    CHECK_INT_EQ(h, qint(j, "missed"), 0);
    CHECK(h, qint(j, "checked") >= 46);
    if (qint(j, "missed"))
        fprintf(stderr, "%s\n", err);
    json_decref(j);
    free(err);

    char *argv[] = {"/bin/sh", "-c",
                    "cd '" KB_SOURCE_DIR "/content/en-us' && "
                    "for f in $(grep -rl '^topic: how-to' .); do "
                    "n=$(sed -n '/^queries:/,/^[a-z_]*:/p' \"$f\" | grep -c '^  - '); "
                    "[ \"$n\" -ge 2 ] || echo \"$f: $n\"; done",
                    NULL};
    char *out = NULL;
    CHECK_INT_EQ(h, tu_run(argv, &out, NULL), 0);
    CHECK_STR_EQ(h, out ? out : "", "");
    free(out);
    tu_rmrf(index);
}

int main(void)
{
    struct harness h = {0, 0};
    test_misses(&h);
    test_sample(&h);
    TEST_MAIN_END(&h);
}
