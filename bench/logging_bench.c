/* logging_bench.c -- what event logging costs the service.
 *
 *   kb-bench-logging [DIR|DSN] [SECONDS]
 *
 * DIR gets a new SQLite file; a PostgreSQL DSN (bench/pg_store.sh)
 * measures that database instead.
 *
 * 1. The cost a search pays for being logged: eventq_record() with
 *    EVENTQ_NOWAIT (the call kb-serve makes for every search), median
 *    and p99 over many calls while the writer thread commits behind it.
 * 2. The write rate the store sustains for acknowledged events: four
 *    threads each record with EVENTQ_WAIT (the POST /api/events path,
 *    answered only after the commit) for SECONDS; events/s committed,
 *    and the median wait per acknowledged event.
 * Prints medians of 5 runs of (1) and the result of (2). */
#include "eventq.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static struct eventlog_event search_event(int i)
{
    static const char *const queries[] = {"reset password", "late fee on my invoice",
                                          "add licenses", "service health outage"};
    struct eventlog_event ev = {
        .kind = EVENTLOG_KIND_SEARCH, .ts = (double)time(NULL), .visit = "bench-visit-000000001",
        .locale = "en-us", .query = queries[i % 4], .results = 7, .latency_us = 900,
        .rank = -1, .helpful = -1,
    };
    return ev;
}

struct waiter {
    struct eventq *q;
    double until;
    long n;
    double *waits;
    long cap;
};

static void *acked(void *arg)
{
    struct waiter *w = arg;
    while (now() < w->until) {
        struct eventlog_event ev = search_event((int)w->n);
        ev.kind = EVENTLOG_KIND_VIEW;
        ev.article = "billing/understand-your-invoice";
        double t0 = now();
        if (eventq_record(w->q, &ev, EVENTQ_WAIT) != 0)
            break;
        if (w->n < w->cap)
            w->waits[w->n] = now() - t0;
        w->n++;
    }
    return NULL;
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "/tmp";
    double secs = argc > 2 ? atof(argv[2]) : 5;
    char path[4096];
    if (store_is_server(dir)) /* a PostgreSQL DSN: the database itself */
        snprintf(path, sizeof path, "%s", dir);
    else
        snprintf(path, sizeof path, "%s/kb-logging-bench-%d.db", dir, (int)getpid());
    struct eventq *q;
    if (eventq_start(path, &q) != STORE_OK) {
        fprintf(stderr, "kb-bench-logging: %s\n", eventq_errmsg(q));
        eventq_stop(q);
        return 1;
    }
    enum { CALLS = 20000, RUNS = 5 };
    double medians[RUNS], p99s[RUNS];
    double *t = malloc(CALLS * sizeof *t);
    for (int r = 0; r < RUNS; r++) {
        for (int i = 0; i < CALLS; i++) {
            struct eventlog_event ev = search_event(i);
            double t0 = now();
            eventq_record(q, &ev, EVENTQ_NOWAIT);
            t[i] = now() - t0;
            if (i % 50 == 49)
                usleep(100); /* about the pace of a busy server, not a flood */
        }
        qsort(t, CALLS, sizeof *t, cmp);
        medians[r] = t[CALLS / 2];
        p99s[r] = t[CALLS * 99 / 100];
    }
    qsort(medians, RUNS, sizeof *medians, cmp);
    qsort(p99s, RUNS, sizeof *p99s, cmp);
    printf("search logging (EVENTQ_NOWAIT): median %.2f us, p99 %.2f us per search "
           "(median of %d runs of %d)\n",
           medians[RUNS / 2] * 1e6, p99s[RUNS / 2] * 1e6, RUNS, CALLS);

    /* Let the writer drain the searches first: phase 2 must not wait
     * behind phase 1's backlog. */
    double td = now();
    struct eventlog_event flush = search_event(0);
    eventq_record(q, &flush, EVENTQ_WAIT);
    printf("backlog of %d logged searches committed in %.2f s after the last call\n",
           RUNS * CALLS, now() - td);

    struct waiter w[4];
    pthread_t th[4];
    double until = now() + secs;
    for (int i = 0; i < 4; i++) {
        w[i] = (struct waiter){q, until, 0, malloc(1000000 * sizeof(double)), 1000000};
        pthread_create(&th[i], NULL, acked, &w[i]);
    }
    long total = 0;
    double all_med = 0;
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        total += w[i].n;
        long n = w[i].n < w[i].cap ? w[i].n : w[i].cap;
        qsort(w[i].waits, (size_t)n, sizeof(double), cmp);
        all_med += n ? w[i].waits[n / 2] : 0;
        free(w[i].waits);
    }
    printf("acknowledged events (EVENTQ_WAIT, 4 threads, %.0f s): %.0f events/s, "
           "median wait %.2f ms\n",
           secs, (double)total / secs, all_med / 4 * 1e3);
    eventq_stop(q);
    free(t);
    char wal[4200];
    unlink(path);
    snprintf(wal, sizeof wal, "%s-wal", path);
    unlink(wal);
    snprintf(wal, sizeof wal, "%s-shm", path);
    unlink(wal);
    return 0;
}
