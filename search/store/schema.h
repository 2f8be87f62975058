/* schema.h -- the service database's one schema version counter.
 *
 * Each module owns the migration steps of its tables
 * (eventlog_schema.c, accounts_schema.c); schema.c only lists the
 * owners and applies their steps in version order.  Every open runs
 * the whole list, so whichever handle opens a file first brings all of
 * it up to date, and PRAGMA user_version means one thing.  Internal to
 * search/store. */
#ifndef KB_SCHEMA_H
#define KB_SCHEMA_H

#include "storedb.h"

/* The schema version this program writes (the number of steps). */
int schema_version(void);

/* storedb_open(db, path, flags), then every pending step.  On failure
 * the message stays in db for the handle's errmsg; STORE_ERR_SCHEMA
 * when the file is newer than this program. */
store_status schema_open(struct storedb *db, const char *path, int flags);

#endif
