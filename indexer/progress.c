/* progress.c -- redrawn at most ten times a second: printing each file
 * would cost more than indexing it. */
#include "progress.h"

#include <stdio.h>
#include <time.h>

double progress_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void progress_init(struct progress *p, size_t total, int enabled)
{
    p->enabled = enabled;
    p->total = total;
    p->started = progress_now();
    p->last = 0;
    p->drawn = 0;
}

void progress_update(struct progress *p, size_t done, const char *path)
{
    if (!p->enabled)
        return;
    double now = progress_now();
    if (done < p->total && now - p->last < 0.1)
        return;
    p->last = now;
    double el = now - p->started;
    double rate = el > 0 ? (double)done / el : 0;
    printf("\r\033[K[%zu/%zu] %.0f files/s  %.60s", done, p->total, rate,
           path ? path : "");
    fflush(stdout);
    p->drawn = 1;
}

void progress_clear(struct progress *p)
{
    if (p->enabled && p->drawn) {
        printf("\r\033[K");
        fflush(stdout);
        p->drawn = 0;
    }
}
