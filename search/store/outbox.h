/* outbox.h -- the durable queue of case webhook payloads: queue, claim
 * with a lease, mark delivered, retry with backoff.  Internal to
 * search/store; eventlog.h documents the public side
 * (eventlog_outbox_*). */
#ifndef KB_OUTBOX_H
#define KB_OUTBOX_H

#include <jansson.h>

#include "eventlog_types.h"
#include "storedb.h"

struct outbox {
    struct storedb *db; /* borrowed: the handle's connection and message */
    struct sdb_stmt *add, *claim, *done, *retry;
};

/* Prepares the statements on db (which must outlive o).  On failure the
 * message is in db; outbox_release() either way. */
store_status outbox_init(struct outbox *o, struct storedb *db);
void outbox_release(struct outbox *o);

/* Queues payload (not stolen) for case_id, due at now_ms; *id (may be
 * NULL) gets the row id.  No checks: for callers that made them, inside
 * their transaction (cases.c). */
store_status outbox_insert(struct outbox *o, const char *case_id, const json_t *payload,
                           long long now_ms, long long *id);

/* The eventlog_outbox_* functions of eventlog.h, with their checks. */
store_status outbox_add(struct outbox *o, const char *case_id, const json_t *payload,
                        double now, long long *id);
store_status outbox_next(struct outbox *o, double now, json_t **payload, long long *id);
store_status outbox_done(struct outbox *o, long long id, double now);
store_status outbox_retry(struct outbox *o, long long id, double now, double *next_ts);

#endif
