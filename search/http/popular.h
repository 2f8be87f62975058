/* popular.h -- the most read articles per locale, for the home page
 * and for searches that find nothing: made off the request path by a
 * background thread (popular.c says how), read by requests as one
 * immutable snapshot. */
#ifndef KB_POPULAR_H
#define KB_POPULAR_H

#include "request.h"

#include <stddef.h>

/* The lists (struct app's popular).  0, or -1
 * when out of memory; free with popular_cache_free() (NULL is a
 * no-op), which also stops and joins the thread popular_start()
 * started. */
struct popular_cache;
int popular_cache_new(struct popular_cache **out);
void popular_cache_free(struct popular_cache *c);

/* Starts the thread that makes the lists: one per locale of the index
 * at cfg->index_dir, from the events in cfg->db_path (a connection of
 * its own), again every two minutes and on each new index revision.
 * Call after the service database is set up, with signals blocked.
 * The strings of cfg are copied.  0, or -1 when the thread cannot
 * start.  The environment variable KB_POPULAR_REFRESH_MS, for tests,
 * shortens the two minutes. */
int popular_start(struct popular_cache *c, const struct app_config *cfg);

/* For /healthz: locales the current lists cover, the index revision
 * they were made from, and how many times the events were counted. */
struct popular_stats {
    size_t locales;
    unsigned long long revision;
    unsigned long refreshes;
};
void popular_get_stats(struct popular_cache *c, struct popular_stats *out);

/* Calls fn for each of the first n articles of locale's list (of
 * fallback's when there is none for locale); the strings are valid
 * during the call.  Never counts, never waits for a count: nothing is
 * called until the thread's first lists are out. */
typedef void (*popular_fn)(void *ctx, const char *id, const char *locale, const char *title,
                           const char *topic);
void popular_each(struct popular_cache *c, const char *locale, const char *fallback,
                  size_t n, popular_fn fn, void *ctx);

/* The home page's topics: calls fn once per product of locale's public
 * articles (of fallback's when locale has none), in product order,
 * with how many articles it has and the first of them by title (at
 * most POPULAR_TOPIC_MAX; the strings are valid during the call).
 * Nothing until the thread's first lists are out. */
#define POPULAR_TOPIC_MAX 64
typedef void (*popular_topic_fn)(void *ctx, const char *product, size_t total,
                                 const char *const *ids, const char *const *titles, size_t n);
void popular_topics(struct popular_cache *c, const char *locale, const char *fallback,
                    popular_topic_fn fn, void *ctx);

/* Calls fn for each locale of the index that has a public article
 * (lower case, sorted), as the current lists know them; returns how
 * many.  0, calling nothing, until the first lists are out. */
size_t popular_locales(struct popular_cache *c, void (*fn)(void *ctx, const char *locale),
                       void *ctx);

#endif
