/* test_ops.c -- kb-serve run as an operator runs it, on a real server
 * over tests/data/kb:
 *   - --config FILE: key = value lines named as the long options, the
 *     command line overriding them; an unknown key, a bad value or a
 *     missing file is "FILE:LINE: error: ..." and exit status 2;
 *   - SIGHUP reads the templates and the synonyms again (a changed
 *     template shows on the next page) and says so on stderr; a broken
 *     template keeps the previous ones;
 *   - --access-log FILE: one JSON line per request with its fields, the
 *     query's values left out on staff routes; reopened on SIGHUP after
 *     the file was moved away (as logrotate does).
 * Waits poll with generous deadlines; nothing is judged by the clock. */
#include "harness.h"
#include "testutil.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static struct harness h = {0, 0};
static char tmp[256], index_dir[512];

/* Reads a whole file (caller frees), or NULL. */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += got;
        if (cap - len < 2) {
            char *grown = realloc(buf, cap *= 2);
            if (!grown) {
                free(buf);
                buf = NULL;
            }
            buf = grown;
        }
    }
    fclose(f);
    if (buf)
        buf[len] = '\0';
    return buf;
}

/* Starts kb-serve with argv (argv[0] is the program) and its stderr in
 * errfile; reads the port from its first line.  Returns 0 or -1 (then
 * the process is reaped). */
static int start(struct tu_server *s, char *const argv[], const char *errfile)
{
    int po[2];
    if (pipe(po) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int fd = open(errfile, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd >= 0)
            dup2(fd, 2);
        dup2(po[1], 1);
        close(po[0]);
        close(po[1]);
        execv(argv[0], argv);
        _exit(127);
    }
    close(po[1]);
    char line[256];
    size_t len = 0;
    struct pollfd pfd = {po[0], POLLIN, 0};
    while (len < sizeof line - 1 && poll(&pfd, 1, 30000) > 0 &&
           read(po[0], line + len, 1) == 1 && line[len] != '\n')
        len++;
    line[len] = '\0';
    close(po[0]);
    const char *colon = strrchr(line, ':');
    if (!strstr(line, "listening on") || !colon) {
        fprintf(stderr, "kb-serve did not start: '%s'\n", line);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        return -1;
    }
    s->pid = pid;
    s->port = (unsigned)strtoul(colon + 1, NULL, 10);
    snprintf(s->base, sizeof s->base, "http://127.0.0.1:%u", s->port);
    return 0;
}

/* Polls file until it holds needle (30 s at most); 1 when it does. */
static int wait_for_text(const char *file, const char *needle)
{
    double until = tu_now() + 30;
    do {
        char *t = slurp(file);
        int found = t && strstr(t, needle);
        free(t);
        if (found)
            return 1;
        tu_sleep(0.05);
    } while (tu_now() < until);
    fprintf(stderr, "%s never said '%s'\n", file, needle);
    return 0;
}

static void write_text(const char *path, const char *text)
{
    CHECK_INT_EQ(&h, tu_write_file(path, text, strlen(text)), 0);
}

/* kb-serve --config FILE with one bad line: exit 2 and the message. */
static void config_refused(const char *text, const char *want)
{
    char conf[600];
    snprintf(conf, sizeof conf, "%s/bad.conf", tmp);
    write_text(conf, text);
    char *argv[] = {KB_SERVE_BIN, "--config", conf, NULL};
    char *out = NULL, *err = NULL;
    int st = tu_run(argv, &out, &err);
    CHECK_INT_EQ(&h, st, 2);
    char full[700];
    snprintf(full, sizeof full, "%s:%s", conf, want);
    if (!err || !strstr(err, full))
        fprintf(stderr, "stderr '%s', want '%s'\n", err ? err : "", full);
    CHECK_CONTAINS(&h, err, full);
    free(out);
    free(err);
}

static void test_config_errors(void)
{
    config_refused("# comment\n\nthreds = 4\n", "3: error: unknown key 'threds'");
    config_refused("threads = many\n", "1: error: --threads: 'many' must be a number");
    config_refused("index = /x\nlisten\n", "2: error: expected KEY = VALUE");
    config_refused("listen = \n", "1: error: the value is empty");
    config_refused("secure-cookies = maybe\n", "1: error: secure-cookies: 'maybe' must be");
    config_refused("help = yes\n", "1: error: unknown key 'help'");
    config_refused("public-url = ftp://x\n", "1: error: --public-url:");
    char *argv[] = {KB_SERVE_BIN, "--config", "/nonexistent/kb-serve.conf", NULL};
    char *err = NULL;
    CHECK_INT_EQ(&h, tu_run(argv, NULL, &err), 2);
    CHECK_CONTAINS(&h, err, "/nonexistent/kb-serve.conf: error: cannot read it");
    free(err);
    /* --help shows --config without reading any file. */
    char *help[] = {KB_SERVE_BIN, "--config", "/nonexistent/kb-serve.conf", "--help", NULL};
    char *out = NULL;
    CHECK_INT_EQ(&h, tu_run(help, &out, NULL), 0);
    CHECK_CONTAINS(&h, out, "--config FILE");
    free(out);
}

/* A server configured by a file, one of its values overridden on the
 * command line; then SIGHUP with a changed template, a broken one, and
 * the synonyms. */
static void test_config_and_reload(void)
{
    char web[600], conf[600], errfile[600], syn[600], layout[700], cmd[2048];
    snprintf(web, sizeof web, "%s/web", tmp);
    snprintf(conf, sizeof conf, "%s/kb-serve.conf", tmp);
    snprintf(errfile, sizeof errfile, "%s/serve.err", tmp);
    snprintf(syn, sizeof syn, "%s/synonyms.yml", tmp);
    snprintf(layout, sizeof layout, "%s/templates/page.html", web);
    CHECK_INT_EQ(&h, tu_copy_tree(KB_SOURCE_DIR "/web", web), 0);
    write_text(syn, "en-us:\n  - [invoice, bill]\n");
    snprintf(cmd, sizeof cmd,
             "# kb-serve settings\n"
             "index = %s\n"
             "  web = \"%s\"\n"
             "listen = 127.0.0.1:0\n"
             "threads = 2\n"
             "synonyms = %s\n"
             "secure-cookies = false\n"
             "public-url = http://from-the-file.example\n",
             index_dir, web, syn);
    write_text(conf, cmd);
    char *argv[] = {KB_SERVE_BIN, "--config", conf, "--public-url",
                    "https://from-the-flag.example", NULL};
    struct tu_server s;
    if (start(&s, argv, errfile) != 0) {
        CHECK(&h, 0);
        return;
    }
    struct tu_response r;
    CHECK_INT_EQ(&h, tu_http(&s, "GET", "/sitemap.xml", NULL, NULL, &r), 0);
    CHECK_INT_EQ(&h, r.status, 200);
    CHECK_CONTAINS(&h, r.body, "https://from-the-flag.example/articles/");
    CHECK(&h, r.body && !strstr(r.body, "from-the-file"));
    tu_response_free(&r);
    CHECK(&h, wait_for_text(errfile, "configuration from"));

    /* A changed template shows after SIGHUP. */
    char *old = slurp(layout);
    CHECK(&h, old && strstr(old, "</body>"));
    if (!old) {
        tu_server_stop(&s);
        return;
    }
    size_t at = (size_t)(strstr(old, "</body>") - old);
    size_t mlen = strlen(old) + 64;
    char *marked = malloc(mlen);
    CHECK(&h, marked != NULL);
    if (!marked) {
        free(old);
        tu_server_stop(&s);
        return;
    }
    snprintf(marked, mlen, "%.*s<p>reloaded-marker</p>%s", (int)at, old, old + at);
    write_text(layout, marked);
    CHECK_INT_EQ(&h, tu_http(&s, "GET", "/", NULL, NULL, &r), 0);
    CHECK(&h, r.body && !strstr(r.body, "reloaded-marker"));
    tu_response_free(&r);
    kill(s.pid, SIGHUP);
    CHECK(&h, wait_for_text(errfile, "SIGHUP: reloaded the templates from"));
    CHECK(&h, wait_for_text(errfile, "SIGHUP: reloaded the synonyms from"));
    CHECK_INT_EQ(&h, tu_http(&s, "GET", "/", NULL, NULL, &r), 0);
    CHECK_INT_EQ(&h, r.status, 200);
    CHECK_CONTAINS(&h, r.body, "<p>reloaded-marker</p>");
    tu_response_free(&r);

    /* A template folder that does not load keeps the last good one. */
    char page[700];
    snprintf(page, sizeof page, "%s/templates/home.html", web);
    CHECK_INT_EQ(&h, unlink(page), 0);
    write_text(syn, "en-us: [this is: not: a list\n");
    kill(s.pid, SIGHUP);
    CHECK(&h, wait_for_text(errfile, "has no home.html (kept the previous ones)"));
    CHECK_INT_EQ(&h, tu_http(&s, "GET", "/", NULL, NULL, &r), 0);
    CHECK_INT_EQ(&h, r.status, 200);
    CHECK_CONTAINS(&h, r.body, "<p>reloaded-marker</p>");
    tu_response_free(&r);
    CHECK_INT_EQ(&h, tu_server_stop(&s), 0);
    char *log = slurp(errfile);
    CHECK_CONTAINS(&h, log, "SIGHUP: synonyms:");
    free(log);
    free(marked);
    free(old);
}

/* The JSON line of the access log whose path begins with prefix. */
static json_t *log_line(const char *file, const char *prefix)
{
    char *t = slurp(file);
    json_t *found = NULL;
    for (char *line = t ? strtok(t, "\n") : NULL; line && !found; line = strtok(NULL, "\n")) {
        json_t *o = json_loads(line, 0, NULL);
        CHECK(&h, o != NULL);
        const char *p = json_string_value(json_object_get(o, "path"));
        if (p && strncmp(p, prefix, strlen(prefix)) == 0)
            found = o;
        else
            json_decref(o);
    }
    free(t);
    return found;
}

static void test_access_log(void)
{
    char logfile[600], moved[600], errfile[600];
    snprintf(logfile, sizeof logfile, "%s/access.log", tmp);
    snprintf(moved, sizeof moved, "%s/access.log.1", tmp);
    snprintf(errfile, sizeof errfile, "%s/access.err", tmp);
    char *argv[] = {KB_SERVE_BIN, "--index", index_dir, "--listen", "127.0.0.1:0",
                    "--web", KB_SOURCE_DIR "/web", "--threads", "2", "--access-log", logfile,
                    NULL};
    struct tu_server s;
    if (start(&s, argv, errfile) != 0) {
        CHECK(&h, 0);
        return;
    }
    struct tu_response r;
    const char *visit[] = {"X-KB-Visit: ops-test-visit-0001", NULL};
    CHECK_INT_EQ(&h, tu_http_h(&s, "GET", "/api/search?q=invoice%20fee&locale=en-us", NULL,
                               NULL, visit, &r), 0);
    size_t search_bytes = r.len;
    tu_response_free(&r);
    CHECK_INT_EQ(&h, tu_http(&s, "GET", "/agent?q=secret%20words&case_q=mine", NULL, NULL, &r),
                 0);
    CHECK_INT_EQ(&h, r.status, 303);
    tu_response_free(&r);
    CHECK_INT_EQ(&h, tu_http(&s, "GET", "/no/such/page", NULL, NULL, &r), 0);
    tu_response_free(&r);
    CHECK(&h, wait_for_text(logfile, "/no/such/page"));

    json_t *o = log_line(logfile, "/api/search");
    CHECK(&h, o != NULL);
    CHECK_STR_EQ(&h, json_string_value(json_object_get(o, "path")),
                 "/api/search?q=invoice%20fee&locale=en-us");
    CHECK_STR_EQ(&h, json_string_value(json_object_get(o, "method")), "GET");
    CHECK_STR_EQ(&h, json_string_value(json_object_get(o, "client")), "127.0.0.1");
    CHECK_INT_EQ(&h, json_integer_value(json_object_get(o, "status")), 200);
    CHECK_INT_EQ(&h, json_integer_value(json_object_get(o, "bytes")), (long long)search_bytes);
    CHECK(&h, json_is_number(json_object_get(o, "ms")) &&
                  json_number_value(json_object_get(o, "ms")) >= 0);
    CHECK_STR_EQ(&h, json_string_value(json_object_get(o, "visit")), "ops-test-visit-0001");
    const char *when = json_string_value(json_object_get(o, "time"));
    CHECK(&h, when && strlen(when) == 24 && when[10] == 'T' && when[23] == 'Z');
    json_decref(o);
    /* A staff route: the query's names, not what was asked. */
    o = log_line(logfile, "/agent");
    CHECK_STR_EQ(&h, json_string_value(json_object_get(o, "path")), "/agent?q=&case_q=");
    CHECK_INT_EQ(&h, json_integer_value(json_object_get(o, "status")), 303);
    json_decref(o);
    char *all = slurp(logfile);
    CHECK(&h, all && !strstr(all, "secret") && !strstr(all, "mine"));
    free(all);
    o = log_line(logfile, "/no/such/page");
    CHECK_INT_EQ(&h, json_integer_value(json_object_get(o, "status")), 404);
    json_decref(o);

    /* logrotate: the file is moved away, SIGHUP, new lines in a new file. */
    CHECK_INT_EQ(&h, rename(logfile, moved), 0);
    kill(s.pid, SIGHUP);
    CHECK(&h, wait_for_text(errfile, "SIGHUP: reopened the access log"));
    CHECK_INT_EQ(&h, tu_http(&s, "GET", "/healthz", NULL, NULL, &r), 0);
    tu_response_free(&r);
    CHECK(&h, wait_for_text(logfile, "/healthz"));
    char *old = slurp(moved);
    CHECK(&h, old && !strstr(old, "/healthz"));
    free(old);
    CHECK_INT_EQ(&h, tu_server_stop(&s), 0);
}

int main(void)
{
    CHECK_INT_EQ(&h, tu_mkdtemp(tmp, sizeof tmp, "ops"), 0);
    snprintf(index_dir, sizeof index_dir, "%s/index", tmp);
    char *ix[] = {KB_INDEX_BIN, "--content", KB_TEST_DATA "/kb", "--index", index_dir,
                  "--quiet", NULL};
    CHECK_INT_EQ(&h, tu_run(ix, NULL, NULL), 0);
    test_config_errors();
    test_config_and_reload();
    test_access_log();
    tu_rmrf(tmp);
    TEST_MAIN_END(&h);
}
