/* test_cli_messages.c -- what the programs say when something is wrong
 * (kb-index, kb-serve, kb-user, kb-report), how kb-report and kb-user
 * print for a person, and which files of a content folder are
 * articles: a README (any case, any folder) and the repository's notes
 * at the top (SURVEY.md) are not. */
#include "harness.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Root writes anywhere, so the permission test runs kb-index as nobody
 * through setpriv (util-linux). */
#define SETPRIV "/usr/bin/setpriv"
/* A terminal for kb-report's table: script(1) runs it on a pty. */
#define SCRIPT "/usr/bin/script"

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
    /* A top-level article named in capitals is an article. */
    write_text(content, "CACM-0001.md", "---\ntitle: Graph algorithms\n---\nText.\n");

    char *argv[] = {KB_INDEX_BIN, "--content", content, "--index", index, "--json", NULL};
    char *out = NULL, *err = NULL;
    CHECK_INT_EQ(h, tu_run(argv, &out, &err), 0);
    json_t *j = json_loads(out ? out : "", 0, NULL);
    CHECK(h, j != NULL);
    /* pay.md, NOTES.md and CACM-0001.md: only the repository's notes
     * (README, SURVEY, ...) are left out, whatever the case. */
    CHECK_INT_EQ(h, jint(j, "articles"), 3);
    CHECK_INT_EQ(h, jint(j, "errors"), 0);
    CHECK_NOT_CONTAINS(h, err, "README");
    CHECK_NOT_CONTAINS(h, err, "SURVEY");
    json_decref(j);
    free(out);
    free(err);
    tu_rmrf(content);
    tu_rmrf(index);
}

static void test_index_messages(struct harness *h)
{
    char dir[512], path[1024], file[1024];
    CHECK_INT_EQ(h, tu_mkdtemp(dir, sizeof dir, "cli"), 0);
    chmod(dir, 0755);
    char *err = NULL;

    /* An empty content folder: said, and the index left alone. */
    snprintf(path, sizeof path, "%s/empty", dir);
    mkdir(path, 0755);
    snprintf(file, sizeof file, "%s/index", dir);
    char *empty[] = {KB_INDEX_BIN, "--content", path, "--index", file, NULL};
    CHECK_INT_EQ(h, tu_run(empty, NULL, &err), 2);
    CHECK_CONTAINS(h, err, "no articles found in");
    CHECK_CONTAINS(h, err, path);
    free(err);

    /* --index naming a file. */
    snprintf(file, sizeof file, "%s/afile", dir);
    tu_write_file(file, "x", 1);
    char *onfile[] = {KB_INDEX_BIN, "--content", KB_SOURCE_DIR "/tests/data/kb", "--index", file,
                      NULL};
    CHECK_INT_EQ(h, tu_run(onfile, NULL, &err), 3);
    CHECK_CONTAINS(h, err, "is a file, not an index folder");
    CHECK_NOT_CONTAINS(h, err, "another kb-index");
    free(err);

    /* A folder this user may not write: a permission error. */
    if (getuid() == 0 && access(SETPRIV, X_OK) == 0) {
        snprintf(path, sizeof path, "%s/index", dir);
        mkdir(path, 0755);
        char *ro[] = {SETPRIV, "--reuid=65534", "--regid=65534", "--clear-groups", KB_INDEX_BIN,
                      "--content", KB_SOURCE_DIR "/tests/data/kb", "--index", path, NULL};
        CHECK_INT_EQ(h, tu_run(ro, NULL, &err), 3);
        CHECK_CONTAINS(h, err, "cannot write the index");
        CHECK_CONTAINS(h, err, "Permission denied");
        CHECK_NOT_CONTAINS(h, err, "another kb-index");
        free(err);
    }
    tu_rmrf(dir);
}

static void test_serve_user_report(struct harness *h)
{
    char dir[512], index[600], db[600], typo[600];
    CHECK_INT_EQ(h, tu_mkdtemp(dir, sizeof dir, "cli"), 0);
    snprintf(index, sizeof index, "%s/index", dir);
    snprintf(db, sizeof db, "%s/index.db", dir);
    snprintf(typo, sizeof typo, "%s/typo.db", dir);
    char *ix[] = {KB_INDEX_BIN, "--content", KB_SOURCE_DIR "/tests/data/kb", "--index", index,
                  "--quiet", NULL};
    CHECK(h, tu_run(ix, NULL, NULL) <= 1);
    char *err = NULL, *out = NULL;

    /* --content that is not there fails at start. */
    char *nocontent[] = {KB_SERVE_BIN, "--index", index, "--content", "/nonexistent/kb", NULL};
    CHECK_INT_EQ(h, tu_run(nocontent, NULL, &err), 2);
    CHECK_CONTAINS(h, err, "--content /nonexistent/kb: no such folder");
    free(err);

    /* A busy port: "address in use", with the address. */
    struct tu_server srv;
    char *extra[] = {"--db", db, NULL};
    CHECK_INT_EQ(h, tu_server_start(&srv, index, extra), 0);
    char listen[64];
    snprintf(listen, sizeof listen, "127.0.0.1:%u", srv.port);
    char *busy[] = {KB_SERVE_BIN, "--index", index, "--db", typo, "--listen", listen, NULL};
    CHECK_INT_EQ(h, tu_run(busy, NULL, &err), 1);
    CHECK_CONTAINS(h, err, listen);
    CHECK_CONTAINS(h, err, "address in use");
    CHECK_NOT_CONTAINS(h, err, "port 0");
    free(err);

    /* A name to listen on. */
    struct tu_server named;
    char *byname[] = {"--db", typo, "--listen", "localhost:0", NULL};
    CHECK_INT_EQ(h, tu_server_start(&named, index, byname), 0);
    long st = 0;
    json_t *health = tu_get_json(&named, "/healthz", &st);
    CHECK_INT_EQ(h, st, 200);
    json_decref(health);
    CHECK_INT_EQ(h, tu_server_stop(&named), 0);
    remove(typo);

    /* A search today, for the report below. */
    struct tu_response r;
    CHECK_INT_EQ(h, tu_http(&srv, "GET", "/api/search?q=invoice", NULL, NULL, &r), 0);
    CHECK_INT_EQ(h, r.status, 200);
    tu_response_free(&r);
    tu_server_stop(&srv);

    /* kb-user: a database that is not there is an error, not a new
     * empty one; list has column headers. */
    char *ulist[] = {KB_USER_BIN, "--db", typo, "list", NULL};
    CHECK_INT_EQ(h, tu_run(ulist, NULL, &err), 1);
    CHECK_CONTAINS(h, err, "no database");
    CHECK(h, access(typo, F_OK) != 0);
    free(err);
    char *tok = tu_make_user(db, "ana", "agent");
    free(tok);
    char *ulist2[] = {KB_USER_BIN, "--db", db, "list", NULL};
    CHECK_INT_EQ(h, tu_run(ulist2, &out, NULL), 0);
    CHECK(h, out && strncmp(out, "NAME ", 5) == 0);
    CHECK_CONTAINS(h, out, "ROLE");
    CHECK_CONTAINS(h, out, "\nana ");
    free(out);

    /* kb-report: --to is the last day, included (today's search is in
     * a report from today to today); JSON when piped. */
    char today[16];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(today, sizeof today, "%Y-%m-%d", &tm);
    char *rep[] = {KB_REPORT_BIN, "--db", db, "queries", "--from", today, "--to", today, NULL};
    CHECK_INT_EQ(h, tu_run(rep, &out, &err), 0);
    json_t *j = json_loads(out ? out : "", 0, NULL);
    CHECK(h, j != NULL);
    CHECK_CONTAINS(h, out, "\"invoice\"");
    json_decref(j);
    free(out);
    free(err);
    /* On a terminal, a table; --json there gives JSON. */
    if (access(SCRIPT, X_OK) == 0) {
        char cmd[2048];
        snprintf(cmd, sizeof cmd, "%s --db %s queries --from %s --to %s", KB_REPORT_BIN, db, today,
                 today);
        char *tty[] = {SCRIPT, "-q", "-e", "-c", cmd, "/dev/null", NULL};
        CHECK_INT_EQ(h, tu_run(tty, &out, NULL), 0);
        CHECK(h, out && strncmp(out, "query ", 6) == 0);
        CHECK_CONTAINS(h, out, "invoice ");
        CHECK_NOT_CONTAINS(h, out, "{");
        free(out);
        strncat(cmd, " --json", sizeof cmd - strlen(cmd) - 1);
        CHECK_INT_EQ(h, tu_run(tty, &out, NULL), 0);
        CHECK(h, out && out[0] == '{');
        free(out);
    }
    tu_rmrf(dir);
}

int main(void)
{
    struct harness h = {0, 0};
    test_readme_not_article(&h);
    test_index_messages(&h);
    test_serve_user_report(&h);
    TEST_MAIN_END(&h);
}
