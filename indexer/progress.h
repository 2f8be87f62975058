/* progress.h -- the one-line progress display of kb-index.
 *
 * Shown only when stdout is a terminal; diagnostics call
 * progress_clear() first so they never land in the middle of it. */
#ifndef KB_PROGRESS_H
#define KB_PROGRESS_H

#include <stddef.h>

struct progress {
    int enabled;
    size_t total;
    double started; /* monotonic seconds */
    double last;    /* last redraw */
    int drawn;
};

void progress_init(struct progress *p, size_t total, int enabled);
void progress_update(struct progress *p, size_t done, const char *path);
void progress_clear(struct progress *p);
double progress_now(void);

#endif
