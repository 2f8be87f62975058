/* learn_schema.h -- the migration steps of learn.c's table. */
#ifndef KB_LEARN_SCHEMA_H
#define KB_LEARN_SCHEMA_H

#include <stddef.h>

#include "storedb.h"

const struct storedb_step *learn_schema_steps(size_t *n);

#endif
