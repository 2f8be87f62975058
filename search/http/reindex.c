/* reindex.c -- one background kb-index at a time, its output parsed
 * into a job record.  kb-index is a separate process on purpose: a
 * crash or a runaway parse there cannot take the service down, and its
 * one-transaction commit is what makes the switch atomic. */
#include "reindex.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define MAX_JOBS 20
#define MAX_DIAGS 500

struct job {
    char id[32];
    json_t *rec; /* the status object, guarded by the reindex lock */
};

struct reindex {
    char *indexer, *content, *index, *locale;
    char *replay_db, *synonyms; /* reindex_set_replay(), or NULL */
    char window[32];
    pthread_mutex_t lock;
    struct job jobs[MAX_JOBS];
    size_t njobs;
    int running;
    pthread_t thread;
    int have_thread;
    int full, strict, gate;
    size_t current;
    unsigned long long ndone, nfailed; /* jobs ended, for reindex_counts() */
};

static void iso_now(char *buf, size_t len)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int reindex_new(const char *indexer, const char *content, const char *index,
                const char *default_locale, struct reindex **out)
{
    struct reindex *r = calloc(1, sizeof *r);
    *out = NULL;
    if (!r)
        return -1;
    r->indexer = strdup(indexer);
    r->content = strdup(content);
    r->index = strdup(index);
    r->locale = strdup(default_locale);
    if (!r->indexer || !r->content || !r->index || !r->locale) {
        reindex_free(r);
        return -1;
    }
    pthread_mutex_init(&r->lock, NULL);
    *out = r;
    return 0;
}

int reindex_set_replay(struct reindex *r, const char *db, double window,
                       const char *synonyms)
{
    char *d = strdup(db), *syn = synonyms ? strdup(synonyms) : NULL;
    if (!d || (synonyms && !syn)) {
        free(d);
        free(syn);
        return -1;
    }
    pthread_mutex_lock(&r->lock);
    free(r->replay_db);
    free(r->synonyms);
    r->replay_db = d;
    r->synonyms = syn;
    snprintf(r->window, sizeof r->window, "%.0f", window);
    pthread_mutex_unlock(&r->lock);
    return 0;
}

void reindex_free(struct reindex *r)
{
    if (!r)
        return;
    if (r->have_thread)
        pthread_join(r->thread, NULL);
    for (size_t i = 0; i < r->njobs; i++)
        json_decref(r->jobs[i].rec);
    free(r->indexer);
    free(r->content);
    free(r->index);
    free(r->locale);
    free(r->replay_db);
    free(r->synonyms);
    free(r);
}

/* "path:line: error: message" -> {"file","line","message"}. */
static json_t *parse_diag(const char *line, int *is_error)
{
    const char *e = strstr(line, ": error: ");
    const char *w = strstr(line, ": warning: ");
    const char *mark = e ? e : w;
    *is_error = e != NULL;
    if (!mark)
        return json_pack("{s:s}", "message", line);
    const char *msg = mark + (e ? 9 : 11);
    size_t flen = (size_t)(mark - line);
    long lineno = 0;
    const char *colon = NULL;
    for (const char *p = mark - 1; p > line; p--) {
        if (*p == ':') {
            colon = p;
            break;
        }
        if (*p < '0' || *p > '9')
            break;
    }
    if (colon) {
        lineno = strtol(colon + 1, NULL, 10);
        flen = (size_t)(colon - line);
    }
    json_t *file = json_stringn(line, flen);
    return json_pack("{s:o,s:I,s:s}", "file", file ? file : json_string(""), "line",
                     (json_int_t)lineno, "message", msg);
}

static json_t *rank_json(const char *s, size_t n)
{
    if (n == 4 && memcmp(s, "none", 4) == 0)
        return json_null();
    return json_integer(strtol(s, NULL, 10));
}

/* `replay: "query" — article X rank A → B[ (no results)][ (better)]`
 * (kb-index --replay) into the job's replay changes. */
static void on_replay(json_t *rec, const char *line)
{
    static const char sep[] = "\" \xe2\x80\x94 article ", arrow[] = " \xe2\x86\x92 ";
    json_t *replay = json_object_get(rec, "replay");
    json_t *changes = json_object_get(replay, "changes");
    const char *q = line + 9, *mid = NULL, *rank = NULL, *to;
    for (const char *p = strstr(q, sep); p; p = strstr(p + 1, sep))
        mid = p;
    if (!mid || !changes || json_array_size(changes) >= MAX_DIAGS)
        return;
    const char *art = mid + strlen(sep);
    for (const char *p = strstr(art, " rank "); p; p = strstr(p + 1, " rank "))
        rank = p;
    if (!rank || !(to = strstr(rank + 6, arrow)))
        return;
    const char *after = to + strlen(arrow);
    size_t alen = strcspn(after, " ");
    int better = strstr(after, " (better)") != NULL;
    json_t *c = json_pack("{s:s%,s:s%,s:o,s:o,s:b,s:b}", "query", q, (size_t)(mid - q),
                          "article", art, (size_t)(rank - art), "before",
                          rank_json(rank + 6, (size_t)(to - rank - 6)), "after",
                          rank_json(after, alen), "worse", !better, "no_results",
                          strstr(after, " (no results)") != NULL);
    if (c)
        json_array_append_new(changes, c);
}

static void on_line(struct reindex *r, json_t *rec, const char *line, int is_stderr)
{
    pthread_mutex_lock(&r->lock);
    if (!is_stderr) {
        json_t *j = json_loads(line, 0, NULL);
        if (j && json_object_get(j, "progress"))
            json_object_set(rec, "progress", json_object_get(j, "progress"));
        else if (j && json_object_get(j, "indexed"))
            json_object_set(rec, "summary", j);
        json_t *counts = json_object_get(j, "replay"), *replay = json_object_get(rec, "replay");
        if (json_is_object(counts) && json_is_object(replay))
            json_object_update_existing(replay, counts);
        json_decref(j);
    } else if (strncmp(line, "replay: \"", 9) == 0) {
        on_replay(rec, line);
    } else if (strncmp(line, "kb-index: ", 10) == 0) {
        /* The strict run's refusal names a command-line flag; a web
         * reader gets the reason and the count instead (the pages
         * word it in their language). */
        char *end;
        long n = strtol(line + 10, &end, 10);
        if (strstr(line, "--strict: nothing committed") && n > 0) {
            char msg[160];
            snprintf(msg, sizeof msg, "%ld file(s) have errors, so nothing was changed: "
                     "the previous index is still served", n);
            json_object_set_new(rec, "message", json_string(msg));
            json_object_set_new(rec, "reason", json_string("file_errors"));
            json_object_set_new(rec, "failed_files", json_integer(n));
        } else {
            json_object_set_new(rec, "message", json_string(line + 10));
        }
    } else {
        int is_error;
        json_t *d = parse_diag(line, &is_error);
        json_t *list = json_object_get(rec, is_error ? "errors" : "warnings");
        if (d && json_array_size(list) < MAX_DIAGS)
            json_array_append(list, d);
        /* A question an article must answer that it does not
         * (kb-index's query check): listed on their own too. */
        const char *msg = json_string_value(json_object_get(d, "message"));
        json_t *misses = json_object_get(rec, "query_misses");
        if (msg && msg[0] == '"' && strstr(msg, "\" ranks ") && misses &&
            json_array_size(misses) < MAX_DIAGS)
            json_array_append(misses, d);
        json_decref(d);
    }
    pthread_mutex_unlock(&r->lock);
}

/* Splits buffered output into lines. */
static void feed(struct reindex *r, json_t *rec, char *buf, size_t *len, int is_stderr,
                 int flush)
{
    size_t start = 0;
    for (size_t i = 0; i < *len; i++) {
        if (buf[i] == '\n') {
            buf[i] = '\0';
            if (i > start)
                on_line(r, rec, buf + start, is_stderr);
            start = i + 1;
        }
    }
    if (flush && start < *len) {
        buf[*len] = '\0';
        on_line(r, rec, buf + start, is_stderr);
        start = *len;
    }
    memmove(buf, buf + start, *len - start);
    *len -= start;
}

static void *run_job(void *arg)
{
    struct reindex *r = arg;
    pthread_mutex_lock(&r->lock);
    json_t *rec = r->jobs[r->current].rec;
    json_incref(rec);
    pthread_mutex_unlock(&r->lock);

    int po[2], pe[2];
    int status = -1;
    char *argv[24];
    int n = 0;
    argv[n++] = r->indexer;
    argv[n++] = "--content";
    argv[n++] = r->content;
    argv[n++] = "--index";
    argv[n++] = r->index;
    argv[n++] = "--default-locale";
    argv[n++] = r->locale;
    argv[n++] = "--json";
    argv[n++] = "--progress-json";
    argv[n++] = "--quiet";
    if (r->full)
        argv[n++] = "--full";
    if (r->strict)
        argv[n++] = "--strict";
    if (r->gate) {
        argv[n++] = "--replay";
        argv[n++] = r->replay_db;
        argv[n++] = "--gate";
        argv[n++] = "--deflection-window";
        argv[n++] = r->window;
        if (r->synonyms) {
            argv[n++] = "--synonyms";
            argv[n++] = r->synonyms;
        }
    }
    argv[n] = NULL;
    /* Close-on-exec, so kb-index inherits only its own ends (dup2'd). */
    if (pipe(po) == 0 && pipe(pe) == 0 && fcntl(po[0], F_SETFD, FD_CLOEXEC) == 0 &&
        fcntl(po[1], F_SETFD, FD_CLOEXEC) == 0 && fcntl(pe[0], F_SETFD, FD_CLOEXEC) == 0 &&
        fcntl(pe[1], F_SETFD, FD_CLOEXEC) == 0) {
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, po[1], 1);
        posix_spawn_file_actions_adddup2(&fa, pe[1], 2);
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
        pid_t pid;
        int rc = posix_spawn(&pid, r->indexer, &fa, NULL, argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        close(po[1]);
        close(pe[1]);
        if (rc == 0) {
            char bo[65536], be[65536];
            size_t lo = 0, le = 0;
            struct pollfd fds[2] = {{po[0], POLLIN, 0}, {pe[0], POLLIN, 0}};
            int open_fds = 2;
            while (open_fds) {
                if (poll(fds, 2, -1) < 0 && errno != EINTR)
                    break;
                for (int i = 0; i < 2; i++) {
                    if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                        continue;
                    char *b = i ? be : bo;
                    size_t *l = i ? &le : &lo;
                    if (*l >= sizeof bo - 1) /* an absurdly long line: drop it */
                        *l = 0;
                    ssize_t got = read(fds[i].fd, b + *l, sizeof bo - 1 - *l);
                    if (got <= 0) {
                        feed(r, rec, b, l, i, 1);
                        close(fds[i].fd);
                        fds[i].fd = -1;
                        open_fds--;
                    } else {
                        *l += (size_t)got;
                        feed(r, rec, b, l, i, 0);
                    }
                }
            }
            while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        } else {
            close(po[0]);
            close(pe[0]);
            pthread_mutex_lock(&r->lock);
            json_object_set_new(rec, "message", json_string(strerror(rc)));
            pthread_mutex_unlock(&r->lock);
        }
    }
    int code = status >= 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    char when[32];
    iso_now(when, sizeof when);
    pthread_mutex_lock(&r->lock);
    /* Exit 1 with --strict: files had errors and nothing was committed;
     * without --strict: the rest was committed.  Exit 4: the gate
     * refused the run (kb-index said why in "message"). */
    int ok = code == 0 || (code == 1 && !r->strict);
    json_object_set_new(rec, "state", json_string(ok ? "done" : "failed"));
    json_object_set_new(rec, "exit_status", json_integer(code));
    json_object_set_new(rec, "finished", json_string(when));
    if (!ok && code < 0)
        json_object_set_new(rec, "reason", json_string("not_run"));
    if (ok)
        r->ndone++;
    else
        r->nfailed++;
    if (!ok && !json_object_get(rec, "message"))
        json_object_set_new(rec, "message",
                            json_string(code < 0 ? "kb-index did not run or was killed"
                                                 : "kb-index failed; the serving index is unchanged"));
    r->running = 0;
    pthread_mutex_unlock(&r->lock);
    json_decref(rec);
    return NULL;
}

int reindex_start(struct reindex *r, int full, int strict, char *id, size_t idlen)
{
    return reindex_start_gate(r, full, strict, 0, id, idlen);
}

int reindex_start_gate(struct reindex *r, int full, int strict, int gate, char *id,
                       size_t idlen)
{
    pthread_mutex_lock(&r->lock);
    if (gate && !r->replay_db) {
        pthread_mutex_unlock(&r->lock);
        snprintf(id, idlen, "no service database to replay");
        return -1;
    }
    if (r->running) {
        snprintf(id, idlen, "%s", r->jobs[r->current].id);
        pthread_mutex_unlock(&r->lock);
        return 1;
    }
    if (r->have_thread) {
        pthread_join(r->thread, NULL);
        r->have_thread = 0;
    }
    if (r->njobs == MAX_JOBS) { /* forget the oldest */
        json_decref(r->jobs[0].rec);
        memmove(r->jobs, r->jobs + 1, (MAX_JOBS - 1) * sizeof r->jobs[0]);
        r->njobs--;
    }
    struct job *j = &r->jobs[r->njobs];
    unsigned char raw[6];
    randombytes_buf(raw, sizeof raw);
    char hex[13];
    sodium_bin2hex(hex, sizeof hex, raw, sizeof raw);
    snprintf(j->id, sizeof j->id, "R-%s", hex);
    char when[32];
    iso_now(when, sizeof when);
    j->rec = json_pack("{s:s,s:s,s:s,s:n,s:{s:i,s:i},s:n,s:[],s:[],s:[],s:b,s:b}", "id",
                       j->id, "state", "running", "started", when, "finished", "progress",
                       "done", 0, "total", 0, "summary", "errors", "warnings", "query_misses",
                       "full", full, "strict", strict);
    if (j->rec && (json_object_set_new(j->rec, "gate", json_boolean(gate)) ||
                   (gate && json_object_set_new(j->rec, "replay",
                                                json_pack("{s:i,s:i,s:i,s:[]}", "queries", 0,
                                                          "worse", 0, "better", 0,
                                                          "changes"))))) {
        json_decref(j->rec);
        j->rec = NULL;
    }
    if (!j->rec) {
        pthread_mutex_unlock(&r->lock);
        snprintf(id, idlen, "out of memory");
        return -1;
    }
    r->current = r->njobs++;
    r->full = full;
    r->strict = strict;
    r->gate = gate;
    r->running = 1;
    if (pthread_create(&r->thread, NULL, run_job, r) != 0) {
        r->running = 0;
        json_object_set_new(j->rec, "state", json_string("failed"));
        r->nfailed++;
        pthread_mutex_unlock(&r->lock);
        snprintf(id, idlen, "cannot start a thread");
        return -1;
    }
    r->have_thread = 1;
    snprintf(id, idlen, "%s", j->id);
    pthread_mutex_unlock(&r->lock);
    return 0;
}

json_t *reindex_status(struct reindex *r, const char *id)
{
    json_t *out = NULL;
    pthread_mutex_lock(&r->lock);
    for (size_t i = 0; i < r->njobs; i++)
        if (strcmp(r->jobs[i].id, id) == 0)
            out = json_deep_copy(r->jobs[i].rec);
    pthread_mutex_unlock(&r->lock);
    return out;
}

json_t *reindex_last(struct reindex *r)
{
    json_t *out = NULL;
    pthread_mutex_lock(&r->lock);
    for (size_t i = r->njobs; i-- > 0 && !out;)
        if (strcmp(json_string_value(json_object_get(r->jobs[i].rec, "state")), "running"))
            out = json_deep_copy(r->jobs[i].rec);
    pthread_mutex_unlock(&r->lock);
    return out;
}

void reindex_counts(struct reindex *r, unsigned long long *done, unsigned long long *failed,
                    int *running)
{
    *done = *failed = 0;
    *running = 0;
    if (!r)
        return;
    pthread_mutex_lock(&r->lock);
    *done = r->ndone;
    *failed = r->nfailed;
    *running = r->running;
    pthread_mutex_unlock(&r->lock);
}
