/* eval_serve.c -- our engine as the product runs it: kb-index builds the
 * index, kb-serve answers GET /api/search, libcurl asks (one connection,
 * kept alive), jansson reads the hits. */
#include "bench_util.h"
#include "eval.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The server refuses more than 64 words (searchreq.h); a longer query
 * (one CACM topic) is cut to its first 64 words. */
#define EVAL_MAX_WORDS 64
#define EVAL_MAX_BYTES 1024

static void quiet_stdio(int verbose)
{
    int devnull = open("/dev/null", O_RDWR);
    if (devnull < 0)
        return;
    dup2(devnull, 0);
    dup2(devnull, 1);
    if (!verbose)
        dup2(devnull, 2);
    close(devnull);
}

int eval_index(const char *kb_index_bin, const char *content, const char *index,
               const char *default_locale, int verbose)
{
    const char *argv[12];
    int n = 0;
    argv[n++] = kb_index_bin;
    argv[n++] = "--content";
    argv[n++] = content;
    argv[n++] = "--index";
    argv[n++] = index;
    argv[n++] = "--quiet";
    if (default_locale) {
        argv[n++] = "--default-locale";
        argv[n++] = default_locale;
    }
    argv[n] = NULL;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        quiet_stdio(verbose);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int eval_server_start(struct eval_server *s, const char *kb_serve_bin, const char *index,
                      const char *const *extra)
{
    const char *argv[32];
    int n = 0;
    argv[n++] = kb_serve_bin;
    argv[n++] = "--index";
    argv[n++] = index;
    argv[n++] = "--listen";
    argv[n++] = "127.0.0.1:0";
    for (int i = 0; extra && extra[i] && n < 30; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    int po[2];
    if (pipe(po) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        dup2(po[1], 1);
        close(po[0]);
        close(po[1]);
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0)
            dup2(devnull, 0);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(po[1]);
    char line[256];
    size_t len = 0;
    while (len + 1 < sizeof line) {
        ssize_t got = read(po[0], line + len, 1);
        if (got <= 0 || line[len] == '\n')
            break;
        len++;
    }
    line[len] = '\0';
    close(po[0]);
    const char *colon = strrchr(line, ':');
    if (!strstr(line, "listening on") || !colon) {
        fprintf(stderr, "kb-eval: kb-serve did not start ('%s')\n", line);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        return -1;
    }
    s->pid = (int)pid;
    s->port = (unsigned)strtoul(colon + 1, NULL, 10);
    return 0;
}

void eval_server_stop(struct eval_server *s)
{
    if (s->pid <= 0)
        return;
    kill((pid_t)s->pid, SIGTERM);
    int status;
    for (int i = 0; i < 200; i++) {
        if (waitpid((pid_t)s->pid, &status, WNOHANG) == (pid_t)s->pid) {
            s->pid = 0;
            return;
        }
        struct timespec ts = {0, 25 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    kill((pid_t)s->pid, SIGKILL);
    waitpid((pid_t)s->pid, &status, 0);
    s->pid = 0;
}

/* The query as the service accepts it: at most 64 words, 1024 bytes
 * (cut at a word boundary). */
static void fit_query(const char *text, char *out, size_t outlen)
{
    size_t o = 0, words = 0;
    int in = 0;
    for (const char *p = text; *p && o + 1 < outlen && o < EVAL_MAX_BYTES; p++) {
        int space = *p == ' ' || *p == '\t';
        if (!space && !in && ++words > EVAL_MAX_WORDS)
            break;
        in = !space;
        out[o++] = *p;
    }
    if (*text && o >= EVAL_MAX_BYTES)
        while (o && out[o - 1] != ' ')
            o--;
    out[o] = '\0';
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Reads the hit ids of one response into r; 0 or -1. */
static int read_hits(const char *json, struct eval_ranking *r)
{
    json_t *o = json_loads(json, 0, NULL);
    json_t *hits = json_object_get(o, "hits");
    if (!json_is_array(hits)) {
        json_decref(o);
        return -1;
    }
    size_t n = json_array_size(hits);
    r->docids = calloc(n ? n : 1, sizeof *r->docids);
    for (size_t k = 0; r->docids && k < n; k++) {
        const char *id = json_string_value(json_object_get(json_array_get(hits, k), "id"));
        r->docids[r->n] = strdup(id ? id : "");
        if (r->docids[r->n])
            r->n++;
    }
    json_decref(o);
    return r->docids ? 0 : -1;
}

int eval_run_ours(const struct eval_server *s, const struct eval_queries *qs,
                  const char *locale, struct eval_run *out)
{
    memset(out, 0, sizeof *out);
    out->r = calloc(qs->n ? qs->n : 1, sizeof *out->r);
    double *ms = calloc(qs->n ? qs->n : 1, sizeof *ms);
    CURL *c = curl_easy_init();
    if (!out->r || !ms || !c) {
        free(ms);
        if (c)
            curl_easy_cleanup(c);
        return -1;
    }
    out->n = qs->n;
    struct bench_body b = BENCH_BODY_INIT;
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, bench_body_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    double t0 = eval_now();
    for (size_t i = 0; i < qs->n; i++) {
        char text[EVAL_MAX_BYTES + 1];
        fit_query(qs->q[i].text, text, sizeof text);
        char *q = curl_easy_escape(c, text, 0);
        char *loc = curl_easy_escape(c, locale, 0);
        char url[8192];
        snprintf(url, sizeof url, "http://127.0.0.1:%u/api/search?q=%s&locale=%s&limit=100",
                 s->port, q ? q : "", loc ? loc : "");
        curl_free(q);
        curl_free(loc);
        curl_easy_setopt(c, CURLOPT_URL, url);
        bench_body_reset(&b);
        double t = eval_now();
        CURLcode rc = curl_easy_perform(c);
        ms[i] = (eval_now() - t) * 1000.0;
        long status = 0;
        if (rc == CURLE_OK)
            curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        if (rc != CURLE_OK || status != 200 || !b.p || read_hits(b.p, &out->r[i]) != 0) {
            if (out->failed++ < 3)
                fprintf(stderr, "kb-eval: query %s failed: %s (HTTP %ld)\n", qs->q[i].id,
                        rc == CURLE_OK ? "bad answer" : curl_easy_strerror(rc), status);
        }
    }
    out->seconds = eval_now() - t0;
    if (qs->n) {
        qsort(ms, qs->n, sizeof *ms, cmp_double);
        out->p50_ms = ms[qs->n / 2];
        out->p99_ms = ms[(qs->n * 99) / 100 < qs->n ? (qs->n * 99) / 100 : qs->n - 1];
    }
    free(ms);
    free(b.p);
    curl_easy_cleanup(c);
    return 0;
}
