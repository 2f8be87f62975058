/* learn.h -- what the help center learns from solved searches: the
 * confirmed (query, article, section) pairs of the event log, and the
 * learned queries authors removed.
 *
 * A pair is confirmed by a visit whose deflection outcome is
 * "confirmed" (reports.h: a deflect event or a helpful vote, no case
 * within the window, the window closed) when, inside its window, it
 * clicked the article for the query (the click's own query, else the
 * visit's latest search before it) and then confirmed that article: a
 * deflect event naming it (or naming none, right after the click) or a
 * helpful vote on it.  One visit counts once per pair however often it
 * repeats it, so a pair needs as many distinct visits as the caller
 * asks for.  Queries are reports_normalize_query() keys.
 *
 * Removed queries: an author takes a learned query off an article
 * (learn_remove); it stays removed, whatever the log says later.  Table
 * learn_removed (step 4 of the one schema, owned here).
 *
 * Status and threads as in store.h and eventlog.h. */
#ifndef KB_LEARN_H
#define KB_LEARN_H

#include <stddef.h>

#include "eventlog.h"
#include "store.h"

#ifdef __cplusplus
extern "C" {
#endif

struct learn_pair {
    char *query;   /* normalized, never "" */
    char *locale;  /* of the click, else of the search; "" if unknown */
    char *article; /* article id */
    char *section; /* anchor of the confirmed section, "" for none */
    long visits;   /* distinct confirming visits */
};

/* Every pair confirmed by at least min_visits (>= 1) distinct visits
 * whose window (seconds, > 0) closed before now, most visits first.
 * *out (caller learn_pairs_free()s) and *n; STORE_ERR_INVALID for a bad
 * window or min_visits, with eventlog_errmsg(el) saying why. */
store_status learn_pairs(struct eventlog *el, double window, double now, long min_visits,
                         struct learn_pair **out, size_t *n);
/* The same over the visits that began at or after from (unix seconds,
 * 0: all): kb-index --replay takes the last 30 days'. */
store_status learn_pairs_since(struct eventlog *el, double from, double window, double now,
                               long min_visits, struct learn_pair **out, size_t *n);
void learn_pairs_free(struct learn_pair *p, size_t n);

struct learnstore;

/* Opens the service database at path (schema brought up to date).  *out
 * is set even on failure, learn_errmsg() says why; learn_close() it
 * either way (NULL is a no-op). */
store_status learn_open(const char *path, struct learnstore **out);
void learn_close(struct learnstore *ls);
const char *learn_errmsg(const struct learnstore *ls);

/* Marks query (normalized here) as removed from article in locale at
 * now; STORE_OK when it already was.  STORE_ERR_INVALID for a missing
 * or empty field. */
store_status learn_remove(struct learnstore *ls, const char *locale, const char *article,
                          const char *query, double now);

/* *removed = 1 when an author removed query (normalized here) from
 * article in locale, else 0. */
store_status learn_is_removed(struct learnstore *ls, const char *locale, const char *article,
                              const char *query, int *removed);

/* Drops the removed pairs from p[0..*n), keeping the order; *n shrinks. */
store_status learn_drop_removed(struct learnstore *ls, struct learn_pair *p, size_t *n);

#ifdef __cplusplus
}
#endif

#endif
