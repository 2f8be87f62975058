/* test_index_cli.c -- kb-index as a user runs it: summaries, errors
 * with file:line, incremental runs, --strict, deletions, link warnings
 * that follow the articles a run changed, files and folders it cannot
 * read. */
#include "harness.h"
#include "testutil.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Root reads a folder of mode 000 all the same, so a test of file modes
 * runs kb-index, as root, as nobody through setpriv (util-linux). */
#define SETPRIV "/usr/bin/setpriv"
#define NOBODY "65534"

/* Runs kb-index --json; with unprivileged, as a user file modes apply
 * to (nobody when the test runs as root). */
static json_t *run_index_as(struct harness *h, int unprivileged, const char *content,
                            const char *index, const char *extra, int want_status,
                            char **err_out)
{
    char *argv[16];
    int n = 0;
    if (unprivileged && getuid() == 0) {
        argv[n++] = SETPRIV;
        argv[n++] = "--reuid=" NOBODY;
        argv[n++] = "--regid=" NOBODY;
        argv[n++] = "--clear-groups";
    }
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

static json_t *run_index(struct harness *h, const char *content, const char *index,
                         const char *extra, int want_status, char **err_out)
{
    return run_index_as(h, 0, content, index, extra, want_status, err_out);
}

static long jint(json_t *o, const char *k)
{
    return (long)json_integer_value(json_object_get(o, k));
}

/* 1 when one of b's lines equals the len bytes at line. */
static int has_line(const char *b, const char *line, size_t len)
{
    for (const char *q = b; q && *q;) {
        const char *nl = strchr(q, '\n');
        size_t m = nl ? (size_t)(nl - q) : strlen(q);
        if (m == len && strncmp(q, line, len) == 0)
            return 1;
        q = nl ? nl + 1 : NULL;
    }
    return 0;
}

/* 1 when every "warning:" line of a is a line of b. */
static int warnings_within(const char *a, const char *b)
{
    for (const char *p = a; p && *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        const char *w = strstr(p, ": warning: ");
        if (w && w < p + n && !has_line(b, p, n))
            return 0;
        p = nl ? nl + 1 : NULL;
    }
    return 1;
}

/* The whole file as a string (caller frees), or NULL. */
static char *read_all(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n - 1, f);
        if (n < cap - 1)
            break;
        char *nb = realloc(buf, cap *= 2);
        if (!nb)
            free(buf);
        buf = nb;
    }
    fclose(f);
    if (buf)
        buf[n] = '\0';
    return buf;
}

static void write_text(const char *dir, const char *rel, const char *text)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    tu_write_file(path, text, strlen(text));
}

static const char article_a[] =
    "---\ntitle: Pay an invoice\n---\n"
    "# Pay an invoice\n"
    "\n"
    "Read [the details](b.md#details) first.\n";
static const char article_a_edited[] =
    "---\ntitle: Pay an invoice\n---\n"
    "# Pay an invoice\n"
    "\n"
    "Read [the details](b.md#details) first.\n"
    "\n"
    "Pay by card or by bank transfer.\n";
static const char article_b[] =
    "---\ntitle: Invoice basics\n---\n"
    "# Invoice basics\n"
    "\n"
    "## Details\n"
    "\n"
    "Every invoice lists its charges.\n";
/* Same length as article_b: only the anchor changed. */
static const char article_b_broken[] =
    "---\ntitle: Invoice basics\n---\n"
    "# Invoice basics\n"
    "\n"
    "## Detalls\n"
    "\n"
    "Every invoice lists its charges.\n";
static const char article_c[] =
    "---\ntitle: Invoice questions\n---\n"
    "# Invoice questions\n"
    "\n"
    "See [the basics](b.md).\n";

/* A run cache cut short. */
static const char damaged[] = "{\"format\":1,\"links\":{\"en-us/b.md\":[[";

#define A_LINK_ANCHOR \
    "en-us/a.md:6: warning: link to a missing anchor '#details' in 'en-us/b.md'"
#define A_LINK_ARTICLE "en-us/a.md:6: warning: link to a missing article 'b.md#details'"
#define C_LINK_ARTICLE "en-us/c.md:6: warning: link to a missing article 'b.md'"

/* Runs the incremental index and a --full one of the same content into
 * a scratch index; both must print the same link warnings.  Returns
 * the incremental run's stderr (caller frees). */
static char *run_both(struct harness *h, const char *content, const char *index,
                      const char *scratch, long want_indexed, long want_warnings)
{
    char *err = NULL, *full_err = NULL;
    json_t *j = run_index(h, content, index, NULL, 0, &err);
    CHECK_INT_EQ(h, jint(j, "indexed"), want_indexed);
    CHECK_INT_EQ(h, jint(j, "warnings"), want_warnings);
    json_decref(j);
    j = run_index(h, content, scratch, "--full", 0, &full_err);
    CHECK_INT_EQ(h, jint(j, "warnings"), want_warnings);
    json_decref(j);
    CHECK(h, warnings_within(err, full_err));
    CHECK(h, warnings_within(full_err, err));
    free(full_err);
    return err;
}

/* A run that changes only article B reports A's link into B, as a
 * --full run does, whether or not the run cache is there. */
static void test_links_follow_changes(struct harness *h)
{
    char content[512], index[512], scratch[512], cache[1024];
    CHECK_INT_EQ(h, tu_mkdtemp(content, sizeof content, "links"), 0);
    CHECK_INT_EQ(h, tu_mkdtemp(index, sizeof index, "links-ix"), 0);
    CHECK_INT_EQ(h, tu_mkdtemp(scratch, sizeof scratch, "links-full"), 0);
    snprintf(cache, sizeof cache, "%s/kb-index.cache", index);
    write_text(content, "en-us/a.md", article_a);
    write_text(content, "en-us/b.md", article_b);
    write_text(content, "en-us/c.md", article_c);
    free(run_both(h, content, index, scratch, 3, 0));
    CHECK(h, access(cache, R_OK) == 0);

    /* Only B changes and loses the anchor A links to. */
    write_text(content, "en-us/b.md", article_b_broken);
    char *err = run_both(h, content, index, scratch, 1, 1);
    CHECK_CONTAINS(h, err, A_LINK_ANCHOR);
    free(err);

    /* Nothing changed: quiet. */
    char *quiet = NULL;
    json_t *j = run_index(h, content, index, NULL, 0, &quiet);
    CHECK_INT_EQ(h, jint(j, "warnings"), 0);
    CHECK_NOT_CONTAINS(h, quiet, "warning:");
    json_decref(j);
    free(quiet);

    /* B fixed: the warning goes. */
    write_text(content, "en-us/b.md", article_b);
    err = run_both(h, content, index, scratch, 1, 0);
    CHECK_NOT_CONTAINS(h, err, "warning:");
    free(err);

    /* B deleted: both links into it are reported. */
    char path[1024];
    snprintf(path, sizeof path, "%s/en-us/b.md", content);
    CHECK_INT_EQ(h, remove(path), 0);
    err = run_both(h, content, index, scratch, 0, 2);
    CHECK_CONTAINS(h, err, A_LINK_ARTICLE);
    CHECK_CONTAINS(h, err, C_LINK_ARTICLE);
    free(err);
    write_text(content, "en-us/b.md", article_b);
    free(run_both(h, content, index, scratch, 1, 0));

    /* Without the cache, or with a damaged one, the same answers. */
    CHECK_INT_EQ(h, remove(cache), 0);
    write_text(content, "en-us/b.md", article_b_broken);
    err = run_both(h, content, index, scratch, 1, 1);
    CHECK_CONTAINS(h, err, A_LINK_ANCHOR);
    free(err);
    tu_write_file(cache, damaged, strlen(damaged));
    write_text(content, "en-us/b.md", article_b);
    free(run_both(h, content, index, scratch, 1, 0));

    /* A cache left from an older revision of the index is not used for
     * links: this one still says B has no "#details" when only A
     * changes. */
    write_text(content, "en-us/b.md", article_b_broken);
    free(run_both(h, content, index, scratch, 1, 1));
    char *stale = NULL;
    CHECK(h, (stale = read_all(cache)) != NULL);
    write_text(content, "en-us/b.md", article_b);
    free(run_both(h, content, index, scratch, 1, 0));
    if (stale) {
        tu_write_file(cache, stale, strlen(stale));
        free(stale);
    }
    write_text(content, "en-us/a.md", article_a_edited);
    err = run_both(h, content, index, scratch, 1, 0);
    CHECK_NOT_CONTAINS(h, err, "warning:");
    free(err);

    /* An edit that keeps the size and the mtime is still seen (its
     * ctime moved).  The sleep lets the run cache trust the files'
     * timestamps, which it does not for files changed just before a
     * run. */
    sleep(3);
    j = run_index(h, content, index, NULL, 0, NULL);
    CHECK_INT_EQ(h, jint(j, "unchanged"), 3);
    json_decref(j);
    j = run_index(h, content, index, NULL, 0, NULL);
    CHECK_INT_EQ(h, jint(j, "unchanged"), 3);
    json_decref(j);
    struct stat st;
    CHECK_INT_EQ(h, stat(path, &st), 0);
    write_text(content, "en-us/b.md", article_b_broken);
    struct timespec times[2] = {st.st_atim, st.st_mtim};
    CHECK_INT_EQ(h, utimensat(AT_FDCWD, path, times, 0), 0);
    err = run_both(h, content, index, scratch, 1, 1);
    CHECK_CONTAINS(h, err, A_LINK_ANCHOR);
    free(err);

    tu_rmrf(content);
    tu_rmrf(index);
    tu_rmrf(scratch);
}

static void set_mode(struct harness *h, const char *dir, const char *rel, mode_t mode)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    CHECK_INT_EQ(h, chmod(path, mode), 0);
}

static const char article_refunds[] =
    "---\ntitle: Ask for a refund\n---\n"
    "# Ask for a refund\n"
    "\n"
    "Refunds go back to the card that paid.\n";
static const char article_tax[] =
    "---\ntitle: Tax on invoices\n---\n"
    "# Tax on invoices\n"
    "\n"
    "## Tax numbers\n"
    "\n"
    "Add your tax number before the invoice is issued.\n";

/* One run over content that kb-index cannot wholly read: exit status 1
 * with what (path) could not be read as an error, nothing deleted, and
 * the index still holds the articles and sections it held. */
static void check_kept(struct harness *h, const char *content, const char *index,
                       const char *extra, const char *what, long articles, long sections)
{
    char *err = NULL;
    json_t *j = run_index_as(h, 1, content, index, extra, 1, &err);
    CHECK_CONTAINS(h, err, what);
    CHECK_INT_EQ(h, jint(j, "deleted"), 0);
    CHECK_INT_EQ(h, jint(j, "articles"), articles);
    CHECK_INT_EQ(h, jint(j, "sections"), sections);
    CHECK(h, jint(j, "errors") >= 1);
    json_decref(j);
    free(err);
}

/* A folder or file kb-index cannot read is an error, not a deletion:
 * its articles stay in the index as they were, incremental or --full,
 * and --strict commits nothing.  A file that is really gone is still
 * removed meanwhile. */
static void test_unreadable(struct harness *h)
{
    if (getuid() == 0 && access(SETPRIV, X_OK) != 0) {
        printf("SKIP unreadable files: running as root without %s, so file modes "
               "cannot be tested\n", SETPRIV);
        return;
    }
    char content[512], index[512], path[1024];
    CHECK_INT_EQ(h, tu_mkdtemp(content, sizeof content, "unreadable"), 0);
    CHECK_INT_EQ(h, tu_mkdtemp(index, sizeof index, "unreadable-ix"), 0);
    CHECK_INT_EQ(h, tu_copy_tree(KB_SOURCE_DIR "/tests/data/kb", content), 0);
    write_text(content, "en-us/billing/refunds.md", article_refunds);
    write_text(content, "en-us/billing/tax.md", article_tax);
    if (getuid() == 0) {
        char *argv[] = {"/bin/chown", "-R", NOBODY ":" NOBODY, content, index, NULL};
        CHECK_INT_EQ(h, tu_run(argv, NULL, NULL), 0);
    }

    json_t *j = run_index_as(h, 1, content, index, NULL, 0, NULL);
    CHECK_INT_EQ(h, jint(j, "indexed"), 10);
    long articles = jint(j, "articles"), sections = jint(j, "sections");
    CHECK_INT_EQ(h, articles, 10);
    json_decref(j);

    /* A folder that cannot be listed: its three articles stay. */
    set_mode(h, content, "en-us/billing", 0);
    const char *folder = "en-us/billing: error: cannot read folder";
    check_kept(h, content, index, NULL, folder, articles, sections);
    check_kept(h, content, index, "--strict", folder, articles, sections);
    check_kept(h, content, index, "--full", folder, articles, sections);
    check_kept(h, content, index, NULL, folder, articles, sections);

    /* A file that is gone is removed all the same. */
    snprintf(path, sizeof path, "%s/en-us/sign-in/reset.md", content);
    CHECK_INT_EQ(h, remove(path), 0);
    char *err = NULL;
    j = run_index_as(h, 1, content, index, NULL, 1, &err);
    CHECK_CONTAINS(h, err, folder);
    CHECK_INT_EQ(h, jint(j, "deleted"), 1);
    CHECK_INT_EQ(h, jint(j, "articles"), articles - 1);
    articles = jint(j, "articles");
    sections = jint(j, "sections");
    json_decref(j);
    free(err);

    /* Readable again: the index had kept them as they were, so there
     * is nothing to index again. */
    set_mode(h, content, "en-us/billing", 0755);
    j = run_index_as(h, 1, content, index, NULL, 0, NULL);
    CHECK_INT_EQ(h, jint(j, "indexed"), 0);
    CHECK_INT_EQ(h, jint(j, "unchanged"), articles);
    CHECK_INT_EQ(h, jint(j, "deleted"), 0);
    CHECK_INT_EQ(h, jint(j, "errors"), 0);
    CHECK_INT_EQ(h, jint(j, "articles"), articles);
    CHECK_INT_EQ(h, jint(j, "sections"), sections);
    json_decref(j);

    /* A folder that can be listed but not searched: its files cannot
     * even be stat()ed. */
    set_mode(h, content, "en-us/billing", 0444);
    check_kept(h, content, index, NULL, "en-us/billing/tax.md: error: cannot read",
               articles, sections);
    check_kept(h, content, index, "--full", "en-us/billing/tax.md: error: cannot read",
               articles, sections);
    set_mode(h, content, "en-us/billing", 0755);

    /* One file that cannot be read. */
    set_mode(h, content, "en-us/billing/refunds.md", 0);
    const char *file = "en-us/billing/refunds.md: error: cannot read file";
    check_kept(h, content, index, NULL, file, articles, sections);
    check_kept(h, content, index, "--strict", file, articles, sections);
    check_kept(h, content, index, "--full", file, articles, sections);
    set_mode(h, content, "en-us/billing/refunds.md", 0644);
    j = run_index_as(h, 1, content, index, NULL, 0, NULL);
    CHECK_INT_EQ(h, jint(j, "indexed"), 0);
    CHECK_INT_EQ(h, jint(j, "errors"), 0);
    CHECK_INT_EQ(h, jint(j, "articles"), articles);
    CHECK_INT_EQ(h, jint(j, "sections"), sections);
    json_decref(j);

    tu_rmrf(content);
    tu_rmrf(index);
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

    test_links_follow_changes(&h);
    test_unreadable(&h);

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
