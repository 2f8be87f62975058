/* revcache.h -- values computed from one revision of the served index,
 * kept until the index moves to another revision.
 *
 * A staff page that reads every article record (the content report's
 * records and anchors, the questions articles must answer searched on
 * the live index) costs seconds on a large help center; what it reads
 * changes only with a reindex.  So the first load after a reindex pays,
 * and the others reuse its result.
 *
 * Values are jansson JSON shared read-only between threads (jansson's
 * reference counts are atomic): nobody may change a value once it is
 * put, or one that get returned.
 *
 * Thread-safe: any thread may call any function except revcache_free. */
#ifndef KB_REVCACHE_H
#define KB_REVCACHE_H

#include <jansson.h>

struct revcache;

/* NULL when memory ran out (callers then compute every time). */
struct revcache *revcache_new(void);
/* Drops every value; NULL is a no-op.  No other call may run. */
void revcache_free(struct revcache *c);

/* The value put under name for revision, as a new reference the caller
 * releases with json_decref; NULL when there is none (or c is NULL). */
json_t *revcache_get(struct revcache *c, const char *name, unsigned long long revision);

/* Keeps value (the cache takes a reference of its own; the caller keeps
 * its one) under name for revision, replacing what name held.  A name
 * longer than 31 bytes, or more than a few names, is not kept. */
void revcache_put(struct revcache *c, const char *name, unsigned long long revision,
                  json_t *value);

#endif
