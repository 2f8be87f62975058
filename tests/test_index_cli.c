/* test_index_cli.c -- kb-index as a user runs it: summaries, errors
 * with file:line, incremental runs, --strict, deletions. */
#include "harness.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *run_index(struct harness *h, const char *content, const char *index,
                         const char *extra, int want_status, char **err_out)
{
    char *argv[12];
    int n = 0;
    argv[n++] = KB_INDEX_BIN;
    argv[n++] = "--content";
    argv[n++] = (char *)content;
    argv[n++] = "--index";
    argv[n++] = (char *)index;
    argv[n++] = "--json";
    if (extra)
        argv[n++] = (char *)extra;
    argv[n] = NULL;
    char *out = NULL, *err = NULL;
    int st = tu_run(argv, &out, &err);
    CHECK_INT_EQ(h, st, want_status);
    json_t *j = json_loads(out, 0, NULL);
    if (!j)
        fprintf(stderr, "kb-index stdout: %s\nstderr: %s\n", out, err);
    CHECK(h, j != NULL);
    free(out);
    if (err_out)
        *err_out = err;
    else
        free(err);
    return j;
}

static long jint(json_t *o, const char *k)
{
    return (long)json_integer_value(json_object_get(o, k));
}

int main(void)
{
    struct harness h = {0, 0};
    char content[512], index[512], path[1024];
    CHECK_INT_EQ(&h, tu_mkdtemp(content, sizeof content, "content"), 0);
    CHECK_INT_EQ(&h, tu_mkdtemp(index, sizeof index, "index"), 0);
    CHECK_INT_EQ(&h, tu_copy_tree(KB_SOURCE_DIR "/tests/data/kb", content), 0);

    /* First run: everything indexed, the missing link is a warning. */
    char *err = NULL;
    json_t *j = run_index(&h, content, index, NULL, 0, &err);
    CHECK_INT_EQ(&h, jint(j, "indexed"), 8);
    CHECK_INT_EQ(&h, jint(j, "errors"), 0);
    CHECK_INT_EQ(&h, jint(j, "articles"), 8);
    CHECK(&h, jint(j, "sections") >= 15);
    CHECK(&h, jint(j, "warnings") >= 1);
    CHECK_CONTAINS(&h, err, "en-us/billing/invoices.md:");
    CHECK_CONTAINS(&h, err, "warning: link to a missing article 'missing-page.md'");
    CHECK_NOT_CONTAINS(&h, err, "reset.md#reset-by-email");
    json_decref(j);
    free(err);

    /* Second run: nothing changed. */
    j = run_index(&h, content, index, NULL, 0, NULL);
    CHECK_INT_EQ(&h, jint(j, "indexed"), 0);
    CHECK_INT_EQ(&h, jint(j, "unchanged"), 8);
    CHECK_INT_EQ(&h, jint(j, "warnings"), 0);
    json_decref(j);

    /* Bad files: reported with file:line, skipped, the rest committed. */
    snprintf(path, sizeof path, "%s/en-us/broken.md", content);
    const char broken[] = "---\ntitle: Broken\ndate: [oops\n---\n# Broken\n";
    tu_write_file(path, broken, sizeof broken - 1);
    snprintf(path, sizeof path, "%s/en-us/latin1.md", content);
    const char latin1[] = "---\ntitle: Caf\xe9\n---\nText\n";
    tu_write_file(path, latin1, sizeof latin1 - 1);
    snprintf(path, sizeof path, "%s/en-us/binary.md", content);
    const char binary[] = "\x7f" "ELF\x02\x01\x01\0\0\0\0";
    tu_write_file(path, binary, sizeof binary - 1);
    snprintf(path, sizeof path, "%s/en-us/untitled.md", content);
    const char untitled[] = "---\ndescription: no title here\n---\nJust text.\n";
    tu_write_file(path, untitled, sizeof untitled - 1);
    snprintf(path, sizeof path, "%s/en-us/new.md", content);
    const char fresh[] = "---\ntitle: Brand new article\n---\nFresh words about wombats.\n";
    tu_write_file(path, fresh, sizeof fresh - 1);

    j = run_index(&h, content, index, "--strict", 1, &err);
    CHECK_INT_EQ(&h, jint(j, "errors"), 4);
    CHECK_INT_EQ(&h, jint(j, "indexed"), 0);
    CHECK_INT_EQ(&h, jint(j, "articles"), 8); /* --strict committed nothing */
    json_decref(j);
    free(err);

    j = run_index(&h, content, index, NULL, 1, &err);
    CHECK_INT_EQ(&h, jint(j, "errors"), 4);
    CHECK_INT_EQ(&h, jint(j, "indexed"), 1);
    CHECK_INT_EQ(&h, jint(j, "articles"), 9);
    CHECK_CONTAINS(&h, err, "en-us/broken.md:3: error:");
    CHECK_CONTAINS(&h, err, "en-us/latin1.md:2: error: invalid UTF-8");
    CHECK_CONTAINS(&h, err, "en-us/binary.md:1: error: binary file");
    CHECK_CONTAINS(&h, err, "en-us/untitled.md:1: error: missing title");
    json_decref(j);
    free(err);

    /* Deleting a file removes its article. */
    snprintf(path, sizeof path, "%s/en-us/new.md", content);
    CHECK_INT_EQ(&h, remove(path), 0);
    j = run_index(&h, content, index, NULL, 1, NULL);
    CHECK_INT_EQ(&h, jint(j, "deleted"), 1);
    CHECK_INT_EQ(&h, jint(j, "articles"), 8);
    json_decref(j);

    /* --full parses everything again. */
    j = run_index(&h, content, index, "--full", 1, NULL);
    CHECK_INT_EQ(&h, jint(j, "indexed"), 8);
    CHECK_INT_EQ(&h, jint(j, "articles"), 8);
    json_decref(j);

    /* Usage errors and --help. */
    char *argv_help[] = {KB_INDEX_BIN, "--help", NULL};
    char *out = NULL;
    CHECK_INT_EQ(&h, tu_run(argv_help, &out, NULL), 0);
    CHECK_CONTAINS(&h, out, "--content DIR");
    free(out);
    char *argv_bad[] = {KB_INDEX_BIN, "--bogus", NULL};
    CHECK_INT_EQ(&h, tu_run(argv_bad, NULL, &err), 2);
    CHECK_CONTAINS(&h, err, "--bogus");
    free(err);
    char *argv_missing[] = {KB_INDEX_BIN, "--content", "/nonexistent/kb", "--index", index, NULL};
    CHECK_INT_EQ(&h, tu_run(argv_missing, NULL, &err), 2);
    CHECK_CONTAINS(&h, err, "/nonexistent/kb");
    free(err);

    tu_rmrf(content);
    tu_rmrf(index);
    TEST_MAIN_END(&h);
}
