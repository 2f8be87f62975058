/* synonyms.h -- the inside of kb_synonyms (kb.h) for the query builder,
 * and the reloading holder kb-serve keeps.
 *
 * Reloading: kb-serve's worker threads each take a reference to the
 * current set for one search (synonyms_watch_get), so a reload never
 * frees a set a search is still reading: it swaps the pointer under the
 * holder's mutex and drops the holder's own reference. */
#ifndef KB_SYNONYMS_H
#define KB_SYNONYMS_H

#include "kb.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The terms of group i of locale (as written in the file); *n receives
 * their count.  NULL when there is no such group.  A locale without
 * groups of its own uses those of its language ("en-gb" -> "en-us" when
 * only that one is listed). */
const char *const *kb_synonyms_group(const kb_synonyms *s, const char *locale, size_t i,
                                     size_t *n);

struct synonyms_watch;

/* Loads path and remembers its modification time.  Returns 0, or -1
 * with the reason in err (the file is missing or does not parse). */
int synonyms_watch_new(const char *path, struct synonyms_watch **out, char *err,
                       size_t errlen);

/* The current set with one reference taken for the caller (free it with
 * kb_synonyms_free when the search is done); NULL when w is NULL.  At
 * most once a second it looks at the file: when it changed, it is
 * parsed again and, if it parses, replaces the current set (a broken
 * file is reported on stderr and the last good set stays). */
kb_synonyms *synonyms_watch_get(struct synonyms_watch *w);

/* Reads the file again now, whether or not it changed (SIGHUP).
 * Returns 0 when the new set replaced the current one, or -1 with the
 * reason in err (the file is missing or does not parse; the current
 * set stays). */
int synonyms_watch_reload(struct synonyms_watch *w, char *err, size_t errlen);

/* Frees the holder and its reference.  NULL is a no-op. */
void synonyms_watch_free(struct synonyms_watch *w);

#ifdef __cplusplus
}
#endif

#endif
