/* test_cli_messages.c -- what the programs say when something is wrong,
 * and which files of a content folder are articles: a README (any
 * case, any folder) and the repository's notes at the top (SURVEY.md)
 * are not. */
#include "harness.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void write_text(const char *dir, const char *rel, const char *text)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    tu_write_file(path, text, strlen(text));
}

static void mkdir_in(const char *dir, const char *rel)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    mkdir(path, 0755);
}

static long jint(json_t *o, const char *k)
{
    return (long)json_integer_value(json_object_get(o, k));
}

static void test_readme_not_article(struct harness *h)
{
    char content[512], index[512];
    CHECK_INT_EQ(h, tu_mkdtemp(content, sizeof content, "content"), 0);
    CHECK_INT_EQ(h, tu_mkdtemp(index, sizeof index, "index"), 0);
    mkdir_in(content, "en-us");
    mkdir_in(content, "en-us/billing");
    write_text(content, "en-us/billing/pay.md", "---\ntitle: Pay an invoice\n---\nPay it.\n");
    write_text(content, "en-us/billing/NOTES.md", "---\ntitle: Billing notes\n---\nNotes.\n");
    write_text(content, "README.md", "# Our help center\n\nHow to edit.\n");
    write_text(content, "SURVEY.md", "# Survey of the syntax\n\nCounts.\n");
    write_text(content, "en-us/readme.MD", "---\ntitle: Read me\n---\nText.\n");
    write_text(content, "en-us/billing/Readme.markdown", "# Folder notes\n");
    write_text(content, "en-us/TOC.md", "# [Billing](billing/pay.md)\n");

    char *argv[] = {KB_INDEX_BIN, "--content", content, "--index", index, "--json", NULL};
    char *out = NULL, *err = NULL;
    CHECK_INT_EQ(h, tu_run(argv, &out, &err), 0);
    json_t *j = json_loads(out ? out : "", 0, NULL);
    CHECK(h, j != NULL);
    /* pay.md, and NOTES.md: capitals below the top are an article. */
    CHECK_INT_EQ(h, jint(j, "articles"), 2);
    CHECK_INT_EQ(h, jint(j, "errors"), 0);
    CHECK_NOT_CONTAINS(h, err, "README");
    CHECK_NOT_CONTAINS(h, err, "SURVEY");
    json_decref(j);
    free(out);
    free(err);
    tu_rmrf(content);
    tu_rmrf(index);
}

int main(void)
{
    struct harness h = {0, 0};
    test_readme_not_article(&h);
    TEST_MAIN_END(&h);
}
