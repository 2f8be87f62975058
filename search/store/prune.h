/* prune.h -- retention: deleting old events, cases, delivered outbox
 * rows and empty visits in one transaction.  Internal to search/store;
 * eventlog.h documents the public side (eventlog_prune). */
#ifndef KB_PRUNE_H
#define KB_PRUNE_H

#include "storedb.h"

struct prune {
    struct storedb *db; /* borrowed: the handle's connection and message */
    struct sdb_stmt *events, *cases, *outbox, *visits, *first;
};

/* Prepares the statements on db (which must outlive p).  On failure the
 * message is in db; prune_release() either way. */
store_status prune_init(struct prune *p, struct storedb *db);
void prune_release(struct prune *p);

/* eventlog_prune() as eventlog.h describes it. */
store_status prune_before(struct prune *p, double before_ts, long long *deleted);

#endif
