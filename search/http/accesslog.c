/* accesslog.c -- the access log's queue and writer thread. */
#include "accesslog.h"

#include "escape.h"
#include "request.h"

#include <errno.h>
#include <jansson.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ACCESS_QUEUE 8192 /* lines waiting for the writer */

struct access_log {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_t thread;
    char *path;
    FILE *f;
    int is_stdout;
    char *ring[ACCESS_QUEUE];
    size_t head, count;
    int stopping;
    int reopen;
    unsigned long dropped;
    unsigned long write_errors;
};

static void reopen_file(struct access_log *l)
{
    if (l->is_stdout)
        return;
    FILE *f = fopen(l->path, "a");
    if (!f) {
        fprintf(stderr, "kb-serve: access log %s: cannot reopen: %s (still writing the old one)\n",
                l->path, strerror(errno));
        return;
    }
    fclose(l->f);
    l->f = f;
    fprintf(stderr, "kb-serve: SIGHUP: reopened the access log %s\n", l->path);
}

static void *writer(void *arg)
{
    struct access_log *l = arg;
    char *batch[256];
    pthread_mutex_lock(&l->lock);
    for (;;) {
        while (!l->count && !l->stopping && !l->reopen)
            pthread_cond_wait(&l->wake, &l->lock);
        int reopen = l->reopen;
        l->reopen = 0;
        size_t n = 0;
        while (l->count && n < sizeof batch / sizeof batch[0]) {
            batch[n++] = l->ring[l->head];
            l->head = (l->head + 1) % ACCESS_QUEUE;
            l->count--;
        }
        int done = l->stopping && !l->count && !n;
        pthread_mutex_unlock(&l->lock);
        if (reopen)
            reopen_file(l);
        for (size_t i = 0; i < n; i++) {
            if (fputs(batch[i], l->f) == EOF)
                l->write_errors++;
            free(batch[i]);
        }
        if (n)
            fflush(l->f);
        if (done)
            return NULL;
        pthread_mutex_lock(&l->lock);
    }
}

int access_log_open(const char *path, struct access_log **out, char *err, size_t errlen)
{
    *out = NULL;
    struct access_log *l = calloc(1, sizeof *l);
    if (!l || !(l->path = strdup(path))) {
        free(l);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    l->is_stdout = strcmp(path, "-") == 0;
    l->f = l->is_stdout ? stdout : fopen(path, "a");
    if (!l->f) {
        snprintf(err, errlen, "--access-log: cannot open %s: %s", path, strerror(errno));
        free(l->path);
        free(l);
        return -1;
    }
    pthread_mutex_init(&l->lock, NULL);
    pthread_cond_init(&l->wake, NULL);
    if (pthread_create(&l->thread, NULL, writer, l) != 0) {
        snprintf(err, errlen, "cannot start the access log's thread");
        if (!l->is_stdout)
            fclose(l->f);
        pthread_mutex_destroy(&l->lock);
        pthread_cond_destroy(&l->wake);
        free(l->path);
        free(l);
        return -1;
    }
    *out = l;
    return 0;
}

/* Adds one query argument: name=value, or name= on a staff route. */
struct query_ctx {
    struct strbuf *out;
    int staff;
    int n;
};

static enum MHD_Result add_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *value)
{
    struct query_ctx *q = cls;
    (void)kind;
    strbuf_addch(q->out, q->n++ ? '&' : '?');
    escape_url(q->out, key, 0);
    strbuf_addch(q->out, '=');
    if (!q->staff && value)
        escape_url(q->out, value, 0);
    return MHD_YES;
}

void access_log_request(struct access_log *l, struct request *rq, const char *path,
                        unsigned status, size_t bytes, int staff)
{
    if (!l)
        return;
    struct strbuf target = STRBUF_INIT;
    strbuf_adds(&target, path);
    struct query_ctx q = {&target, staff, 0};
    if (rq->conn)
        MHD_get_connection_values(rq->conn, MHD_GET_ARGUMENT_KIND, add_arg, &q);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char when[40];
    size_t w = strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(when + w, sizeof when - w, ".%03ldZ", ts.tv_nsec / 1000000);
    double ms = (now_monotonic() - rq->started) * 1000.0;
    json_t *o = json_pack("{s:s,s:s,s:s,s:s%,s:i,s:I,s:f,s:o}", "time", when, "client",
                          req_client_addr(rq), "method", rq->method,
                          "path", target.buf ? target.buf : "", target.len, "status",
                          (int)status, "bytes", (json_int_t)bytes, "ms",
                          (double)((long long)(ms * 1000 + 0.5)) / 1000.0, "visit",
                          rq->visit[0] ? json_string(rq->visit) : json_null());
    strbuf_release(&target);
    char *line = NULL;
    if (o) {
        char *text = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
        size_t n = text ? strlen(text) : 0;
        line = text ? realloc(text, n + 2) : NULL;
        if (line) {
            line[n] = '\n';
            line[n + 1] = '\0';
        } else {
            free(text);
        }
        json_decref(o);
    }
    pthread_mutex_lock(&l->lock);
    if (!line || l->count == ACCESS_QUEUE) {
        l->dropped++;
        pthread_mutex_unlock(&l->lock);
        free(line);
        return;
    }
    l->ring[(l->head + l->count) % ACCESS_QUEUE] = line;
    l->count++;
    pthread_cond_signal(&l->wake);
    pthread_mutex_unlock(&l->lock);
}

void access_log_reopen(struct access_log *l)
{
    if (!l)
        return;
    pthread_mutex_lock(&l->lock);
    l->reopen = 1;
    pthread_cond_signal(&l->wake);
    pthread_mutex_unlock(&l->lock);
}

unsigned long access_log_dropped(const struct access_log *l)
{
    if (!l)
        return 0;
    pthread_mutex_lock((pthread_mutex_t *)&l->lock);
    unsigned long n = l->dropped;
    pthread_mutex_unlock((pthread_mutex_t *)&l->lock);
    return n;
}

void access_log_close(struct access_log *l)
{
    if (!l)
        return;
    pthread_mutex_lock(&l->lock);
    l->stopping = 1;
    pthread_cond_signal(&l->wake);
    pthread_mutex_unlock(&l->lock);
    pthread_join(l->thread, NULL);
    if (l->is_stdout)
        fflush(stdout);
    else
        fclose(l->f);
    pthread_mutex_destroy(&l->lock);
    pthread_cond_destroy(&l->wake);
    free(l->path);
    free(l);
}
