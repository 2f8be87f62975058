/* linkcheck.h -- warn about relative links to missing articles or
 * anchors.
 *
 * A link check works on a link map: for every article record in the
 * index, the anchors of its sections and the relative links in its
 * body, keyed by content path.  kb-index updates the map with the files
 * it indexes or removes in a run, then linkcheck_run() checks only the
 * links whose answer can have changed: the links of those files, and
 * the links of other articles that point into them.  Each of those is
 * reported exactly as a check of the whole index would report it
 * (against the revision about to be committed), so a --full run and an
 * incremental run agree on every link they both look at, and a second
 * run over the same content is quiet.
 *
 * The map is saved with the run (linkcheck_state) and given back to the
 * next run (linkcheck_restore), so unchanged articles are not parsed
 * again; without a saved map, linkcheck_run() builds it from the
 * index's records. */
#ifndef KB_LINKCHECK_H
#define KB_LINKCHECK_H

#include "article.h"
#include "kb.h"

#include <jansson.h>

struct linkcheck;

/* NULL on OOM.  Free with linkcheck_free(); NULL is a no-op there. */
struct linkcheck *linkcheck_new(void);
void linkcheck_free(struct linkcheck *lc);

/* Replaces the map with state (from linkcheck_state() of an earlier
 * run over the same index revision) and takes it as the whole index;
 * lc keeps a reference to state and updates it in place.  Returns 0,
 * or -1 when state is not a link map (the map is then left empty and
 * incomplete). */
int linkcheck_restore(struct linkcheck *lc, json_t *state);

/* The index was emptied (--full): the map is complete and empty. */
void linkcheck_reset(struct linkcheck *lc);

/* For a --full run that kept articles without reading them (their
 * files could not be read): the map it built does not cover the index.
 * linkcheck_run() then builds the map again from the index's records
 * and checks the links of every article, as a --full run does. */
void linkcheck_recheck_all(struct linkcheck *lc);

/* Records the anchors and links of the article just indexed from path
 * and marks path changed.  Returns 0, or -1 on OOM. */
int linkcheck_set(struct linkcheck *lc, const char *path, const struct article *a);

/* The article indexed from path was removed: drops it from the map and
 * marks path changed (links into it are checked again). */
void linkcheck_forget(struct linkcheck *lc, const char *path);

typedef void (*linkcheck_warn_fn)(void *ctx, const char *path, unsigned line,
                                  const char *msg);

/* Checks the links of changed articles and the links into them, in
 * content path order; each broken one goes to warn().  When the map
 * is not complete (no restore or reset), it is first rebuilt from
 * every record in ix.  Returns 0, or -1 on an index error (see
 * kb_last_error) or OOM. */
int linkcheck_run(struct linkcheck *lc, kb_index *ix, linkcheck_warn_fn warn, void *ctx);

/* The complete map, for linkcheck_restore() in a later run: borrowed,
 * valid until the next call on lc that changes it; NULL when the map
 * is not complete. */
json_t *linkcheck_state(struct linkcheck *lc);

/* Resolves target (as written in the file at from_path) to a content
 * path and an anchor.  Returns 1 when it is a relative link to an
 * article (.md/.yml), 0 for anything else (URLs, images, site-absolute
 * paths).  path_out and anchor_out are caller buffers. */
int linkcheck_resolve(const char *from_path, const char *target, char *path_out,
                      size_t path_len, char *anchor_out, size_t anchor_len);

#endif
