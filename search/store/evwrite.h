/* evwrite.h -- writing events: a visit row (created or moved earlier)
 * and an event row.  The caller owns the transaction (eventlog.c's
 * batch, cases.c's case creation); these only insert.  Internal to
 * search/store. */
#ifndef KB_EVWRITE_H
#define KB_EVWRITE_H

#include "eventlog_types.h"
#include "storedb.h"

struct evwrite {
    struct storedb *db; /* borrowed: the handle's connection and message */
    struct sdb_stmt *visit_upsert;
    struct sdb_stmt *event_insert;
};

/* Prepares the statements on db (which must outlive w).  On failure the
 * message is in db; evwrite_release() either way. */
store_status evwrite_init(struct evwrite *w, struct storedb *db);
void evwrite_release(struct evwrite *w);

/* Upserts the visit named key, lowering its first-event time to ms if
 * earlier, and returns its row id in *id. */
store_status evwrite_visit(struct evwrite *w, const char *key, long long ms, long long *id);

/* Checks ev (event_check, STORE_ERR_INVALID) and inserts it with its
 * visit.  On failure the caller rolls back. */
store_status evwrite_event(struct evwrite *w, const struct eventlog_event *ev);

#endif
