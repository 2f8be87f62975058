/* learn_schema.c -- the learned queries' table and its migrations.
 *
 *   learn_removed  a learned query an author took off an article: the
 *                  normalized query (reports_normalize_query), the
 *                  article id and locale, and when.  kb-index --learn
 *                  never applies such a pair again.
 *
 * The numbers are the database's one version counter (PRAGMA
 * user_version), shared with the other owners listed in schema.c: take
 * the next free number for a new step.  Never edit a shipped step. */
#include "learn_schema.h"

static const struct storedb_step steps[] = {
    {4, "CREATE TABLE learn_removed ("
        "  locale TEXT NOT NULL,"
        "  article TEXT NOT NULL,"
        "  query TEXT NOT NULL,"
        "  removed_ms INTEGER NOT NULL,"
        "  PRIMARY KEY (locale, article, query));"},
};

const struct storedb_step *learn_schema_steps(size_t *n)
{
    *n = sizeof steps / sizeof steps[0];
    return steps;
}
