/* maint.h -- the service's background duties: delivering new cases to
 * the case webhook from the durable outbox, and pruning old events.
 *
 * Status (store.h): maint_start() returns a store_status.  The thread's
 * own failures (a webhook that does not answer, a prune that fails) go
 * to stderr: nobody waits for them, and the work is tried again. */
#ifndef KB_MAINT_H
#define KB_MAINT_H

#include "store.h"

struct maint;

/* Starts the maintenance thread on its own handle of the database at
 * db_path (eventlog_open).  webhook (copied) may be NULL (no delivery);
 * retention_days 0 keeps everything.  *out is set even on failure
 * (NULL only when memory ran out), so maint_errmsg() can say why; the
 * caller always maint_stop()s it.  The statuses of eventlog_open(), and
 * STORE_ERR_SYSTEM when the thread does not start. */
store_status maint_start(const char *db_path, const char *webhook, unsigned retention_days,
                         struct maint **out);

/* Why maint_start() failed ("" after a good start); owned by m.  NULL
 * gives "out of memory". */
const char *maint_errmsg(const struct maint *m);

/* Asks for a delivery round now (a case was just created).  NULL and
 * a handle whose start failed are fine. */
void maint_poke(struct maint *m);

/* Stops the thread (a delivery in flight finishes first) and frees m.
 * NULL and a handle whose start failed are fine. */
void maint_stop(struct maint *m);

#endif
