/* learn_run.h -- kb-index's learning step: the confirmed pairs of the
 * service database (--learn DB) into the index's learned field, or,
 * without --learn, the set applied last put back on the articles this
 * run replaced. */
#ifndef KB_LEARN_RUN_H
#define KB_LEARN_RUN_H

#include <stddef.h>

#include "kb.h"

/* Default of --learn-min-visits: distinct visits that must confirm a
 * pair. */
#define LEARN_MIN_VISITS 3

/* In ix's open transaction.  With db (a SQLite path), reads the pairs
 * confirmed by at least min_visits distinct visits whose deflection
 * window (seconds) closed by now, leaves out those authors removed and
 * applies the rest; without db, applies the kept set again.  *applied
 * gets the pairs applied.  Returns 0, or -1 with err saying why. */
int learn_run(kb_index *ix, const char *db, long min_visits, double window, double now,
              size_t *applied, char *err, size_t errlen);

#endif
