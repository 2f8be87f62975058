/* evread.h -- reading events back: counts, a visit's events as JSON (a
 * case's trail too), and the scan the reports are built on.  Internal
 * to search/store; eventlog.h documents the public side. */
#ifndef KB_EVREAD_H
#define KB_EVREAD_H

#include <jansson.h>

#include "eventlog_types.h"
#include "storedb.h"

struct evread {
    struct storedb *db; /* borrowed: the handle's connection and message */
    struct sdb_stmt *visit_id, *count, *visit_events, *scan;
};

/* Prepares the statements on db (which must outlive r).  On failure the
 * message is in db; evread_release() either way. */
store_status evread_init(struct evread *r, struct storedb *db);
void evread_release(struct evread *r);

/* Events of a kind (-1: any) of a visit (NULL: any) into *n.
 * STORE_ERR_INVALID for an unknown kind. */
store_status evread_count(struct evread *r, int kind, const char *visit, long long *n);

/* Every event of visit, oldest first, as a new JSON array (caller
 * json_decref()s) of event_json() objects; [] for an unknown visit. */
store_status evread_visit_events(struct evread *r, const char *visit, json_t **out);

/* Appends to arr the events of visit row vid up to upto_ms, oldest
 * first, leaving out the case event of exclude_case (may be NULL). */
store_status evread_trail(struct evread *r, long long vid, long long upto_ms,
                          const char *exclude_case, json_t *arr);

/* eventlog_scan(), as eventlog.h describes it. */
store_status evread_scan(struct evread *r, double from_ts, double to_ts, eventlog_scan_fn fn,
                         void *ctx);

#endif
