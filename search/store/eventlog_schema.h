/* eventlog_schema.h -- the migration steps of the event log's tables
 * (visits, events, cases, outbox), registered with schema.c.  Internal
 * to search/store. */
#ifndef KB_EVENTLOG_SCHEMA_H
#define KB_EVENTLOG_SCHEMA_H

#include <stddef.h>

#include "storedb.h"

/* The steps, in order; *n gets their count.  Static data, never
 * freed. */
const struct storedb_step *eventlog_schema_steps(size_t *n);

#endif
