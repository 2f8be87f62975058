/* cases.h -- cases: creating one (with its case event and its webhook
 * payload, in one transaction), reading one with its trail, listing.
 * Built on evwrite (visit and case event), evread (the trail) and
 * outbox (the payload), which it borrows; nothing calls back up.
 * Internal to search/store; eventlog.h documents the public side
 * (eventlog_case_*, eventlog_cases_list). */
#ifndef KB_CASES_H
#define KB_CASES_H

#include <stddef.h>

#include <jansson.h>

#include "eventlog_types.h"
#include "evread.h"
#include "evwrite.h"
#include "outbox.h"
#include "storedb.h"

struct cases {
    struct storedb *db;    /* borrowed, like the three below; all must */
    struct evwrite *write; /* outlive the struct cases */
    struct evread *read;
    struct outbox *outbox;
    struct sdb_stmt *insert, *get, *list, *by_idem;
};

/* Prepares the statements on db.  On failure the message is in db;
 * cases_release() either way. */
store_status cases_init(struct cases *c, struct storedb *db, struct evwrite *write,
                        struct evread *read, struct outbox *outbox);
void cases_release(struct cases *c);

/* eventlog_case_create(), eventlog_case_get() and eventlog_cases_list()
 * as eventlog.h describes them. */
store_status cases_create(struct cases *c, const struct eventlog_case *k, char *id,
                          size_t idsize);
store_status cases_get(struct cases *c, const char *id, json_t **out);
store_status cases_list(struct cases *c, double from_ts, double to_ts, const char *q,
                        int limit, json_t **out);

#endif
