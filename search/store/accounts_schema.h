/* accounts_schema.h -- the migration steps of the accounts' tables
 * (users, tokens, sessions, login_failures), registered with schema.c.
 * Internal to search/store. */
#ifndef KB_ACCOUNTS_SCHEMA_H
#define KB_ACCOUNTS_SCHEMA_H

#include <stddef.h>

#include "storedb.h"

/* The steps, in order; *n gets their count.  Static data, never
 * freed. */
const struct storedb_step *accounts_schema_steps(size_t *n);

#endif
