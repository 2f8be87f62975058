/* eventlog_bench.c -- write throughput of the event log with
 * synchronous=FULL (one fsync per commit), in single and batched
 * commits, and the time the four reports take over the result.
 *
 * usage: eventlog_bench [DIR] [SINGLE] [VISITS]
 *   DIR     where the scratch database goes (default /tmp); use the
 *           file system the service will write to, fsync cost varies
 *   SINGLE  events written one commit each (default 2000)
 *   VISITS  visits of 5 events written in batches of 100 (default 20000)
 * The database is deleted afterwards. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "eventlog.h"
#include "reports.h"

#define T0 1767225600.0 /* 2026-01-01T00:00:00Z */
#define BATCH 100

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* xorshift64: reproducible data without global state. */
static unsigned long long next_rand(unsigned long long *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static const char *const queries[] = {
    "reset password", "Reset Password", "refund", "vpn setup", "printer jam",
    "invoice", "two factor", "export data", "delete account", "api limits"};
static const char *const articles[] = {"passwords", "refunds", "vpn",
                                       "printers", "billing", "security"};

/* Five events of one visit into ev[0..4]; keys live in keybuf. */
static size_t make_visit(struct eventlog_event *ev, char *keybuf,
                         size_t keylen, long long v, unsigned long long *rng)
{
    double t = T0 + (double)(next_rand(rng) % (30 * 86400));
    const char *q = queries[next_rand(rng) % 10];
    const char *a = articles[next_rand(rng) % 6];
    unsigned long long r = next_rand(rng) % 10;
    size_t i;

    snprintf(keybuf, keylen, "visit-%lld", v);
    memset(ev, 0, 5 * sizeof *ev);
    for (i = 0; i < 5; i++) {
        ev[i].visit = keybuf;
        ev[i].ts = t + (double)i * 20;
        ev[i].locale = "en-us";
        ev[i].results = -1;
        ev[i].latency_us = -1;
        ev[i].helpful = -1;
    }
    ev[0].kind = EVENTLOG_KIND_SEARCH;
    ev[0].query = q;
    ev[0].results = (int)(r % 4);
    ev[0].latency_us = 1500;
    ev[1].kind = EVENTLOG_KIND_CLICK;
    ev[1].query = q;
    ev[1].article = a;
    ev[1].rank = 1;
    ev[2].kind = EVENTLOG_KIND_VIEW;
    ev[2].article = a;
    ev[2].section = "steps";
    ev[3].kind = EVENTLOG_KIND_VOTE;
    ev[3].article = a;
    ev[3].helpful = r < 5;
    ev[4].kind = r < 3 ? EVENTLOG_KIND_CASE_FORM : EVENTLOG_KIND_DEFLECT;
    ev[4].source = "article";
    ev[4].article = a;
    return 5;
}

static int time_report(struct eventlog *el, const char *name)
{
    double t = now_s(), from = T0, to = T0 + 31 * 86400.0, now = to + 86400;
    json_t *out = NULL;
    int rc;

    if (strcmp(name, "deflection") == 0)
        rc = reports_deflection(el, from, to, REPORTS_DAY, 1800, now, &out);
    else if (strcmp(name, "queries") == 0)
        rc = reports_queries(el, from, to, 1800, now, 50, &out);
    else if (strcmp(name, "gaps") == 0)
        rc = reports_gaps(el, from, to, 50, &out);
    else
        rc = reports_articles(el, from, to, 1800, now, &out);
    if (rc) {
        fprintf(stderr, "%s: %s\n", name, eventlog_errmsg(el));
        return 1;
    }
    printf("report %-10s  %7.1f ms\n", name, (now_s() - t) * 1000);
    json_decref(out);
    return 0;
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "/tmp";
    long single = argc > 2 ? atol(argv[2]) : 2000;
    long visits = argc > 3 ? atol(argv[3]) : 20000;
    struct eventlog_event ev[BATCH];
    unsigned long long rng = 42;
    char path[512], side[600], keys[BATCH / 5][32];
    struct eventlog *el;
    long long v, total;
    double t;
    long i;
    size_t n;
    int rc = 0;

    snprintf(path, sizeof path, "%s/eventlog_bench_%ld.db", dir,
             (long)getpid());
    if (eventlog_open(path, &el)) {
        fprintf(stderr, "eventlog_bench: %s\n", eventlog_errmsg(el));
        eventlog_close(el);
        return 1;
    }

    t = now_s();
    for (i = 0; i < single; i++) {
        struct eventlog_event e;

        memset(&e, 0, sizeof e);
        e.kind = EVENTLOG_KIND_SEARCH;
        e.ts = T0 + (double)i;
        e.visit = "single";
        e.query = "reset password";
        e.results = 3;
        e.latency_us = 1200;
        e.helpful = -1;
        if (eventlog_record(el, &e)) {
            fprintf(stderr, "record: %s\n", eventlog_errmsg(el));
            rc = 1;
            goto out;
        }
    }
    t = now_s() - t;
    printf("single commits   %7ld events  %8.0f events/s  (%.2f ms each)\n",
           single, (double)single / t, t * 1000 / (double)single);

    t = now_s();
    for (v = 0; v < visits;) {
        for (n = 0; n < BATCH && v < visits; v++)
            n += make_visit(&ev[n], keys[n / 5], sizeof keys[0], v, &rng);
        if (eventlog_record_many(el, ev, n)) {
            fprintf(stderr, "record_many: %s\n", eventlog_errmsg(el));
            rc = 1;
            goto out;
        }
    }
    t = now_s() - t;
    printf("batches of %d    %7lld events  %8.0f events/s\n", BATCH,
           (long long)visits * 5, (double)visits * 5 / t);

    if (eventlog_count(el, -1, NULL, &total) == 0)
        printf("reports over %lld events, %ld visits:\n", total, visits + 1);
    rc = time_report(el, "deflection") || time_report(el, "queries") ||
         time_report(el, "gaps") || time_report(el, "articles");
out:
    eventlog_close(el);
    unlink(path);
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
    return rc;
}
